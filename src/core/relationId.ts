/**
 * The id in a relationship value, whether Payload gave the id itself or the populated
 * document; null when empty.
 */
export function relationId(value: unknown): null | number | string {
  if (value === null || value === undefined || value === '') return null
  if (typeof value === 'object' && 'id' in value) return (value as { id: number | string }).id
  return typeof value === 'number' || typeof value === 'string' ? value : null
}
