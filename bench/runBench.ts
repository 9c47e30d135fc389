/**
 * How every single-process bench ends: run `main`, then `cleanup` (which stops what the bench
 * started: Payload, Redis, Postgres), then print the figures as the LAST line of output, one
 * JSON object. Ctrl-C or SIGTERM also cleans up; a failure cleans up and exits 1.
 */
export function runBench<T>(main: () => Promise<T>, cleanup: () => Promise<void>, log: (message: string) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`)
      void cleanup().finally(() => process.exit(130))
    })
  }
  main()
    .then(async (results) => {
      await cleanup()
      // After the shutdown's own log lines: the JSON is the last line.
      await new Promise((resolve) => setTimeout(resolve, 200))
      console.log(JSON.stringify(results))
      process.exit(0)
    })
    .catch(async (error: unknown) => {
      console.error(error)
      await cleanup()
      process.exit(1)
    })
}
