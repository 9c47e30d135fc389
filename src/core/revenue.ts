/**
 * Revenue: an amount with an ISO-4217 currency on an event (SPEC §11), summed per currency.
 * Amounts are kept as exact decimals (Postgres `numeric`): the input is rounded once, here, to
 * `REVENUE_DECIMALS` places (a float such as 19.99 * 3 = 59.970000000000006 becomes 59.97), and
 * never passes through a float again — sums are Postgres `numeric` sums, answered as text.
 */
import * as z from 'zod'

/** Decimal places an amount keeps: four covers every ISO-4217 minor unit (CLF has 4). */
export const REVENUE_DECIMALS = 4
/**
 * The largest amount (and the most negative: a refund), per event. 10^11 with four decimals
 * is 15 significant digits, which a JSON number carries exactly.
 */
export const MAX_REVENUE_AMOUNT = 100_000_000_000

/** One event's revenue as it is stored: `amount` a decimal string (`"59.97"`, `"-5"`), `currency` upper case. */
export interface Revenue {
  amount: string
  currency: string
}

/** A currency's sum over a range: the same shape as one event's revenue (an exact decimal string). */
export type RevenueSum = Revenue

const CURRENCY = /^[A-Z]{3}$/
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/
const AMOUNT_ERROR = `must be a number (or its decimal text) from -${MAX_REVENUE_AMOUNT.toLocaleString('en-US')} to ${MAX_REVENUE_AMOUNT.toLocaleString('en-US')}`

/** The decimal text of an amount, rounded to `REVENUE_DECIMALS` places, without trailing zeros. */
export function revenueAmountText(amount: number): string {
  const fixed = amount.toFixed(REVENUE_DECIMALS).replace(/\.?0+$/, '')
  return fixed === '-0' ? '0' : fixed
}

/** `{ amount, currency }` of the tracker, of server events and of Plausible's `revenue`. */
export const revenueSchema = z
  .strictObject({
    amount: z.union([z.number(), z.string().regex(DECIMAL_TEXT)], { error: AMOUNT_ERROR }),
    currency: z.string({ error: 'must be an ISO 4217 code such as "EUR"' }).regex(CURRENCY, { error: 'must be an ISO 4217 code such as "EUR" (three upper-case letters)' }),
  })
  .transform((value, ctx): Revenue => {
    const amount = typeof value.amount === 'string' ? Number(value.amount) : value.amount
    if (!Number.isFinite(amount) || Math.abs(amount) > MAX_REVENUE_AMOUNT) {
      ctx.issues.push({ code: 'custom', input: value.amount, message: AMOUNT_ERROR, path: ['amount'] })
      return z.NEVER
    }
    return { amount: revenueAmountText(amount), currency: value.currency }
  })

/**
 * Key of an `eventRevenue` rollup row: the currency, then the event name (`EUR:Purchase`). The
 * currency is always three letters, so the name (which may hold ':') starts at character 4.
 */
export const eventRevenueKey = (currency: string, event: string): string => `${currency}:${event}`

export function parseEventRevenueKey(key: string): { currency: string; event: string } {
  return { currency: key.slice(0, 3), event: key.slice(4) }
}

/**
 * Sums of decimal strings per currency, exactly: amounts are scaled to whole units of
 * 10^-REVENUE_DECIMALS as BigInt. For sums coming from different parts of a range (rolled-up
 * and raw), each already exact.
 */
export function addRevenue(into: Map<string, bigint>, currency: string, amount: string): void {
  into.set(currency, (into.get(currency) ?? 0n) + toUnits(amount))
}

function toUnits(amount: string): bigint {
  const negative = amount.startsWith('-')
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.')
  const units = BigInt(whole) * 10n ** BigInt(REVENUE_DECIMALS) + BigInt((fraction + '0'.repeat(REVENUE_DECIMALS)).slice(0, REVENUE_DECIMALS) || '0')
  return negative ? -units : units
}

function fromUnits(units: bigint): string {
  const negative = units < 0n
  const digits = (negative ? -units : units).toString().padStart(REVENUE_DECIMALS + 1, '0')
  const whole = digits.slice(0, -REVENUE_DECIMALS)
  const fraction = digits.slice(-REVENUE_DECIMALS).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/** The sums as the API answers them: one entry per currency, by currency code. */
export function revenueSums(sums: ReadonlyMap<string, bigint>): RevenueSum[] {
  return [...sums]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([currency, units]) => ({ amount: fromUnits(units), currency }))
}
