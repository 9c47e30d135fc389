import { buildDevConfig } from './buildConfig.js'

const databaseUri = process.env.DATABASE_URI ?? ''
if (!databaseUri && !process.argv.some((arg) => arg.startsWith('generate:'))) {
  console.warn('DATABASE_URI is not set. `npm run dev` starts an embedded Postgres and sets it for you.')
}

export default buildDevConfig({ databaseUri, seed: process.env.ANALYTICS_SEED !== '0' })
