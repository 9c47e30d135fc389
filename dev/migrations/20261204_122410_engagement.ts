import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_daily_stats" ADD COLUMN "scroll_depth_sum" numeric DEFAULT 0 NOT NULL;
  ALTER TABLE "analytics_daily_stats" ADD COLUMN "scroll_visits" numeric DEFAULT 0 NOT NULL;
  ALTER TABLE "analytics_daily_stats" ADD COLUMN "engaged_ms" numeric DEFAULT 0 NOT NULL;
  ALTER TABLE "analytics_daily_stats" ADD COLUMN "engaged_visits" numeric DEFAULT 0 NOT NULL;
  ALTER TABLE "analytics_monthly_stats" ADD COLUMN "scroll_depth_sum" numeric DEFAULT 0 NOT NULL;
  ALTER TABLE "analytics_monthly_stats" ADD COLUMN "scroll_visits" numeric DEFAULT 0 NOT NULL;
  ALTER TABLE "analytics_monthly_stats" ADD COLUMN "engaged_ms" numeric DEFAULT 0 NOT NULL;
  ALTER TABLE "analytics_monthly_stats" ADD COLUMN "engaged_visits" numeric DEFAULT 0 NOT NULL;`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_daily_stats" DROP COLUMN "scroll_depth_sum";
  ALTER TABLE "analytics_daily_stats" DROP COLUMN "scroll_visits";
  ALTER TABLE "analytics_daily_stats" DROP COLUMN "engaged_ms";
  ALTER TABLE "analytics_daily_stats" DROP COLUMN "engaged_visits";
  ALTER TABLE "analytics_monthly_stats" DROP COLUMN "scroll_depth_sum";
  ALTER TABLE "analytics_monthly_stats" DROP COLUMN "scroll_visits";
  ALTER TABLE "analytics_monthly_stats" DROP COLUMN "engaged_ms";
  ALTER TABLE "analytics_monthly_stats" DROP COLUMN "engaged_visits";`)
}
