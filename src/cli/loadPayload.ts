/**
 * Boot the host's Payload from the command line, as the Payload CLI does: the config at
 * `--config`, else `PAYLOAD_CONFIG_PATH`, else where Payload looks for it (the tsconfig's
 * `@payload-config` path, then `payload.config.ts` / `.js` under `src/` or the project root;
 * in production also `dist/`). `.env` files are loaded first (Payload's `loadEnv`), and a
 * TypeScript config is loaded through tsx (a dependency of Payload) when no TypeScript
 * loader is active yet.
 */
import type { Payload, SanitizedConfig } from 'payload'

import { existsSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

import { JOBS_ENV } from '../../jobs/scheduler.js'

/** Bad usage found while booting (e.g. no config file): exit code 2. */
export class BootUsageError extends Error {}

const TYPESCRIPT = /\.[cm]?tsx?$/

/** Whether a TypeScript loader (tsx) is already registered in this process. */
const typescriptLoaderActive = () =>
  [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => /\btsx\b/.test(arg)) || Boolean(process.env.TSX_TSCONFIG_PATH)

/** The config file: `--config`, else `PAYLOAD_CONFIG_PATH`, else Payload's own search. */
export async function resolveConfigPath(flag: string | undefined): Promise<string> {
  if (flag) {
    const file = path.resolve(process.cwd(), flag)
    if (!existsSync(file)) throw new BootUsageError(`--config: no such file "${flag}"`)
    return file
  }
  if (process.env.PAYLOAD_CONFIG_PATH) {
    const file = path.resolve(process.cwd(), process.env.PAYLOAD_CONFIG_PATH)
    if (!existsSync(file)) throw new BootUsageError(`PAYLOAD_CONFIG_PATH: no such file "${process.env.PAYLOAD_CONFIG_PATH}"`)
    return file
  }
  const { findConfig } = await import('payload/node')
  try {
    return findConfig()
  } catch {
    throw new BootUsageError(
      'cannot find the Payload config: pass --config <file> or set PAYLOAD_CONFIG_PATH (looked for payload.config.ts/.js as the Payload CLI does)',
    )
  }
}

export interface LoadedPayload {
  configPath: string
  payload: Payload
}

/**
 * Boot Payload with the host's config. The plugin's jobs are not started automatically
 * (`PAYLOAD_ANALYTICS_JOBS=manual`): the command starts what it needs.
 */
export async function loadPayload(options: { config?: string }): Promise<LoadedPayload> {
  process.env[JOBS_ENV] = 'manual'
  process.env.DISABLE_PAYLOAD_HMR = 'true'
  const { loadEnv } = await import('payload/node')
  loadEnv()
  const configPath = await resolveConfigPath(options.config)

  if (TYPESCRIPT.test(configPath) && !typescriptLoaderActive()) {
    try {
      const { register } = await import('tsx/esm/api')
      register()
    } catch {
      throw new BootUsageError(`${configPath} is TypeScript and tsx (a dependency of payload) could not be loaded: point --config at the compiled JavaScript config`)
    }
  }
  const imported = (await import(pathToFileURL(configPath).href)) as { default?: Promise<SanitizedConfig> | SanitizedConfig }
  const config = await (imported.default ?? (imported as unknown as Promise<SanitizedConfig>))
  if (!config || typeof config !== 'object' || !('collections' in config)) {
    throw new BootUsageError(`${configPath} does not export a Payload config as its default export`)
  }
  const { getPayload } = await import('payload')
  const payload = await getPayload({ config })
  return { configPath, payload }
}

/**
 * Stop Payload and exit with `exitCode`. `payload.destroy()` stops the plugin's jobs (a run in
 * progress finishes its batch), buffer and Redis clients, but Payload's Postgres adapter keeps
 * one pool client checked out for good and does not end its pool — so, like the Payload CLI,
 * the process exits explicitly, once stdout and stderr have been flushed.
 */
export async function closePayload(payload: Payload, exitCode: number, stoppedMessage?: string): Promise<never> {
  await payload.destroy().catch((error: unknown) => console.error(`payload-analytics: while stopping Payload: ${(error as Error).message}`))
  if (stoppedMessage) console.log(stoppedMessage)
  return new Promise<never>(() => {
    process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)))
  })
}

/**
 * A one-shot command's frame: boot Payload (a bad `--config` is a usage error), insist on the
 * plugin, run the command with its runtime, then stop Payload and exit with the command's code.
 */
export async function runWithAnalytics(
  command: string,
  options: { config?: string; usage: (message: string) => number },
  run: (analytics: NonNullable<Payload['analytics']>, loaded: LoadedPayload) => Promise<number>,
): Promise<number> {
  let loaded: LoadedPayload
  try {
    loaded = await loadPayload({ config: options.config })
  } catch (error) {
    if (error instanceof BootUsageError) return options.usage(error.message)
    throw error
  }
  let code = 1
  try {
    if (!loaded.payload.analytics) {
      console.error(`payload-analytics ${command}: payload-plugin-analytics is not enabled in ${loaded.configPath}`)
      return code
    }
    code = await run(loaded.payload.analytics, loaded)
    return code
  } finally {
    await closePayload(loaded.payload, code)
  }
}
