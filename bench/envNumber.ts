/** A positive whole number from the environment (a bench's knob), or the fallback; anything else stops the bench. */
export const envNumber = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}
