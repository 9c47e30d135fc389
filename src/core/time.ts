/** Milliseconds in 24 hours: arithmetic on day labels (`YYYY-MM-DD`); a local day may be 23 or 25 hours (`timeZone.ts`). */
export const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Reject with `onTimeout()` when `promise` has not settled within `ms`; otherwise settle
 * as it does. The timer is cleared either way.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
