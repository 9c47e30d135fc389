import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const dirname = path.dirname(fileURLToPath(import.meta.url))

// getPayload() outside production spawns `payload generate:types`; without a config path it
// loops forever. The dev config also turns autoGenerate off unless NODE_ENV=development.
process.env.PAYLOAD_CONFIG_PATH = path.resolve(dirname, 'dev/payload.config.ts')

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    // The JSON report lets CI print a plain "N passed, N failed" closing line.
    outputFile: { json: 'test/.tmp/vitest-results.json' },
    reporters: ['default', 'json'],
    // expect.poll gives up after 1 s by default, too soon for a real browser or server
    // answering on a loaded CI machine.
    expect: { poll: { timeout: 10_000 } },
    env: {
      NEXT_TELEMETRY_DISABLED: '1',
      PAYLOAD_CONFIG_PATH: path.resolve(dirname, 'dev/payload.config.ts'),
    },
    projects: [
      {
        extends: true,
        test: {
          environment: 'node',
          include: ['test/unit/**/*.test.ts'],
          name: 'unit',
        },
      },
      {
        extends: true,
        test: {
          environment: 'node',
          globalSetup: ['test/globalSetup.ts'],
          hookTimeout: 120_000,
          include: ['test/integration/**/*.test.ts'],
          name: 'integration',
          testTimeout: 60_000,
        },
      },
    ],
  },
})
