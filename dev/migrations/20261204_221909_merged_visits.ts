import { MigrateUpArgs, MigrateDownArgs } from '@payloadcms/db-postgres'

/**
 * No statements: the visits table's migration (20261204_213336_visits) and the merged
 * pruned-breakdown / prop-rollup snapshot were written in parallel, each snapshot knowing only
 * its own change. This migration's snapshot (the .json beside it) is the whole schema after
 * both, so that the next `migrate:create` compares against the truth; the table is created by
 * the visits migration.
 */
export async function up(_args: MigrateUpArgs): Promise<void> {}

export async function down(_args: MigrateDownArgs): Promise<void> {}
