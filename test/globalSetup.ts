import type { TestProject } from 'vitest/node'

import { startPostgres, startRedis } from '../scripts/services.js'

declare module 'vitest' {
  export interface ProvidedContext {
    postgresPort: number
    redisUrl: string
  }
}

/**
 * One embedded Postgres and one redis-server for the whole run; each test file makes its own
 * database. When one of them fails to start, the other is stopped before the error goes up, so a
 * failed setup (say, redis-server not installed) leaves no server and no data directory behind.
 */
export default async function setup(project: TestProject) {
  const [postgres, redis] = await Promise.allSettled([startPostgres(), startRedis()])
  if (postgres.status === 'rejected' || redis.status === 'rejected') {
    await Promise.all([postgres, redis].map((started) => (started.status === 'fulfilled' ? started.value.stop() : undefined)))
    throw postgres.status === 'rejected' ? postgres.reason : (redis as PromiseRejectedResult).reason
  }
  project.provide('postgresPort', postgres.value.port)
  project.provide('redisUrl', redis.value.url)
  return async () => {
    await Promise.all([postgres.value.stop(), redis.value.stop()])
  }
}
