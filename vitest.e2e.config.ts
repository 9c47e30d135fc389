import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const dirname = path.dirname(fileURLToPath(import.meta.url))
process.env.PAYLOAD_CONFIG_PATH = path.resolve(dirname, 'dev/payload.config.ts')

/**
 * `npm run test:e2e`: the admin UI in headless Chromium against the dev app built for
 * production. Separate from `npm test` because the build takes minutes and ~2 GB.
 */
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    env: { NEXT_TELEMETRY_DISABLED: '1', PAYLOAD_CONFIG_PATH: path.resolve(dirname, 'dev/payload.config.ts') },
    environment: 'node',
    // expect.poll gives up after 1 s by default; a page on a loaded CI machine can take
    // longer to hydrate (CI saw the share link still relative after 1 s).
    expect: { poll: { timeout: 15_000 } },
    fileParallelism: false,
    hookTimeout: 600_000,
    include: ['test/e2e/**/*.test.ts'],
    name: 'e2e',
    outputFile: { json: 'test/.tmp/vitest-e2e-results.json' },
    reporters: ['default', 'json'],
    testTimeout: 120_000,
  },
})
