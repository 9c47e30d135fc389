/**
 * Run a command with DATABASE_URI pointing at a fresh database on a temporary embedded
 * Postgres, stopped afterwards: `tsx scripts/withPostgres.ts -- npm run migrate:create`.
 */
import { spawn } from 'node:child_process'

import { startPostgres } from './services.js'

const separator = process.argv.indexOf('--')
const command = separator >= 0 ? process.argv.slice(separator + 1) : []
if (command.length === 0) {
  console.error('usage: tsx scripts/withPostgres.ts -- <command> [args…]')
  process.exit(2)
}

const postgres = await startPostgres()
let code = 1
try {
  const databaseUri = await postgres.createDatabase('scratch')
  code = await new Promise<number>((resolve) => {
    const child = spawn(command[0]!, command.slice(1), {
      env: { ...process.env, ANALYTICS_SEED: '0', DATABASE_URI: databaseUri },
      stdio: 'inherit',
    })
    child.on('exit', (exitCode) => resolve(exitCode ?? 1))
  })
} finally {
  await postgres.stop()
}
process.exit(code)
