import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export interface CliResult {
  code: null | number
  stderr: string
  stdout: string
}

/**
 * `tsx src/cli/index.ts …` as a child process with no TTY (plain progress lines), in its own
 * process group — tsx runs the CLI in a child of its own, and a kill must reach both — killed
 * after `timeoutMs`. No REDIS_URL or PAYLOAD_CONFIG_PATH leaks in from the test process.
 */
export function runCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['src/cli/index.ts', ...args], {
      cwd: root,
      detached: true,
      env: { ...process.env, NODE_ENV: 'test', PAYLOAD_CONFIG_PATH: '', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      stderr += `\n[test] killed after ${timeoutMs / 1000} s`
      process.kill(-child.pid!, 'SIGKILL')
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr, stdout })
    })
  })
}
