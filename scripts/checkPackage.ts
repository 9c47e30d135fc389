/**
 * `npm run check:package`: does the built package work for a host that installs it?
 * Packs dist/ with `npm pack`, installs the tarball (with its peers) into a scratch Payload
 * project outside this repository, then in that project:
 * 1. loads a config that imports the plugin by package name and runs `payload generate:importmap`,
 * 2. checks that the import map names the plugin's components,
 * 3. type-checks the config against the package's published types.
 * Run `npm run build` first.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { componentPaths } from '../src/componentPaths.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>
  version: string
}
const log = (message: string) => console.log(`check:package: ${message}`)
const run = (command: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })

if (!existsSync(path.join(root, 'dist/src/index.js'))) {
  console.error('check:package: dist/ is missing — run `npm run build` first.')
  process.exit(1)
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'analytics-host-'))
try {
  log(`packing into ${scratch}`)
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', scratch], root).trim().split('\n').pop()!
  const tarballPath = path.join(scratch, tarball)

  const peer = (name: string) => pkg.devDependencies[name]!
  writeFileSync(
    path.join(scratch, 'package.json'),
    JSON.stringify(
      {
        dependencies: {
          '@payloadcms/db-postgres': peer('@payloadcms/db-postgres'),
          '@payloadcms/next': peer('@payloadcms/next'),
          '@payloadcms/ui': peer('@payloadcms/ui'),
          graphql: peer('graphql'),
          next: peer('next'),
          payload: peer('payload'),
          'payload-plugin-analytics': `file:./${tarball}`,
          react: peer('react'),
          'react-dom': peer('react-dom'),
        },
        name: 'scratch-host',
        overrides: { 'msgpackr-extract': '3.0.4' },
        private: true,
        type: 'module',
      },
      null,
      2,
    ),
  )
  log('installing the tarball and its peers (from the npm cache when possible)…')
  const started = Date.now()
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], scratch)
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  if (!existsSync(tarballPath)) throw new Error('npm pack wrote no tarball')

  writeFileSync(
    path.join(scratch, 'payload.config.ts'),
    `import { postgresAdapter } from '@payloadcms/db-postgres'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildConfig } from 'payload'
import { analyticsPlugin, type AnalyticsPluginOptions } from 'payload-plugin-analytics'

const dirname = path.dirname(fileURLToPath(import.meta.url))
const options: AnalyticsPluginOptions = { retention: { eventsDays: 14 } }

export default buildConfig({
  admin: { importMap: { baseDir: dirname, importMapFile: path.resolve(dirname, 'app/(payload)/admin/importMap.js') } },
  collections: [{ slug: 'users', auth: true, fields: [] }],
  db: postgresAdapter({ pool: { connectionString: 'postgres://unused@127.0.0.1:1/unused' } }),
  plugins: [analyticsPlugin(options)],
  secret: 'scratch',
})
`,
  )
  mkdirSync(path.join(scratch, 'app/(payload)/admin'), { recursive: true })
  writeFileSync(
    path.join(scratch, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { jsx: 'react-jsx', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true, skipLibCheck: true, strict: true, target: 'ES2022' },
      include: ['payload.config.ts'],
    }),
  )

  log('payload generate:importmap…')
  run(path.join(scratch, 'node_modules/.bin/payload'), ['generate:importmap'], scratch, { PAYLOAD_CONFIG_PATH: 'payload.config.ts' })
  const importMap = readFileSync(path.join(scratch, 'app/(payload)/admin/importMap.js'), 'utf8')
  for (const expected of Object.values(componentPaths)) {
    if (!importMap.includes(expected)) throw new Error(`the generated import map lacks ${expected}:\n${importMap}`)
  }

  log('type-checking the config against the published types…')
  run(path.join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], scratch)

  log('resolving every subpath export…')
  run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `for (const s of ['payload-plugin-analytics', 'payload-plugin-analytics/client', 'payload-plugin-analytics/rsc', 'payload-plugin-analytics/react', 'payload-plugin-analytics/ingest', 'payload-plugin-analytics/next']) {
         const url = import.meta.resolve(s); if (!url.includes('/dist/')) throw new Error(s + ' -> ' + url)
       }
       const m = await import('payload-plugin-analytics'); if (typeof m.analyticsPlugin !== 'function') throw new Error('no analyticsPlugin export')`,
    ],
    scratch,
  )
  log('ok: the built package installs, loads under plain Node, and its components are in the import map')
} catch (error) {
  const failure = error as { message?: string; stderr?: string; stdout?: string }
  console.error(`check:package: FAILED\n${failure.stdout ?? ''}${failure.stderr ?? ''}${failure.message ?? String(error)}`)
  process.exitCode = 1
} finally {
  if (process.exitCode !== 1) rmSync(scratch, { force: true, recursive: true })
  else console.error(`check:package: scratch project kept at ${scratch}`)
}
