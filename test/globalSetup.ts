import type { TestProject } from 'vitest/node'

import { startPostgres, startRedis } from '../scripts/services.js'

declare module 'vitest' {
  export interface ProvidedContext {
    postgresPort: number
    redisUrl: string
  }
}

/** One embedded Postgres and one redis-server for the whole run; each test file makes its own database. */
export default async function setup(project: TestProject) {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  project.provide('postgresPort', postgres.port)
  project.provide('redisUrl', redis.url)
  return async () => {
    await Promise.all([postgres.stop(), redis.stop()])
  }
}
