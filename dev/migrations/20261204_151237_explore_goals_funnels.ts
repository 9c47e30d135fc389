import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_settings" ADD COLUMN "goals" jsonb;
  ALTER TABLE "analytics_settings" ADD COLUMN "funnels" jsonb;
  CREATE INDEX "site_type_timestamp_idx" ON "analytics_events" USING btree ("site","type","timestamp");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   DROP INDEX "site_type_timestamp_idx";
  ALTER TABLE "analytics_settings" DROP COLUMN "goals";
  ALTER TABLE "analytics_settings" DROP COLUMN "funnels";`)
}
