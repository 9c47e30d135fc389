/**
 * `npm run build`: compile src/, collections/, jobs/ and admin/ to dist/ with type
 * declarations, and write the minified tracker to dist/tracker/analytics.js.
 */
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const bin = (name: string) => path.join(root, 'node_modules/.bin', name)
const step = (label: string, command: string, args: string[]) => {
  const started = Date.now()
  process.stdout.write(`build: ${label}… `)
  execFileSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

rmSync(path.join(root, 'dist'), { force: true, recursive: true })
step('compiling TypeScript to dist/', bin('tsc'), ['-p', 'tsconfig.build.json'])
step('minifying the tracker', bin('tsx'), ['scripts/buildTracker.ts', 'dist/tracker/analytics.js'])
