import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_settings" ADD COLUMN "time_zone" varchar;
  ALTER TABLE "analytics_settings" ADD COLUMN "time_zone_state" jsonb;`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_settings" DROP COLUMN "time_zone";
  ALTER TABLE "analytics_settings" DROP COLUMN "time_zone_state";`)
}
