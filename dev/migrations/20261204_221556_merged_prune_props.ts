import { MigrateUpArgs, MigrateDownArgs } from '@payloadcms/db-postgres'

/**
 * No statements: the pruned-breakdown indexes and the prop/goal-revenue rollups migrations were
 * written in parallel, each snapshot knowing only its own change. This migration's snapshot
 * (the .json beside it) is the whole schema after both, so that the next `migrate:create`
 * compares against the truth; the indexes and enum values are created by those migrations.
 */
export async function up(_args: MigrateUpArgs): Promise<void> {}

export async function down(_args: MigrateDownArgs): Promise<void> {}
