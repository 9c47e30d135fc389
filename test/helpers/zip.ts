import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import yazl from 'yazl'

/** Write a ZIP of these files (name → text) to `filePath`. */
export async function writeZip(filePath: string, files: Record<string, string>): Promise<void> {
  const zip = new yazl.ZipFile()
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text, 'utf8'), name)
  zip.end()
  await pipeline(zip.outputStream, createWriteStream(filePath))
}

/** RFC 4180 CSV of a header and rows (quoted when needed), as Plausible writes its export. */
export function csvText(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<number | string>>): string {
  const cell = (value: number | string) => (/[",\r\n]/.test(String(value)) ? `"${String(value).replace(/"/g, '""')}"` : String(value))
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n'
}
