import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   ALTER TYPE "public"."enum_analytics_daily_stats_dimension" ADD VALUE 'revenue';
  ALTER TYPE "public"."enum_analytics_daily_stats_dimension" ADD VALUE 'eventRevenue';
  ALTER TYPE "public"."enum_analytics_monthly_stats_dimension" ADD VALUE 'revenue';
  ALTER TYPE "public"."enum_analytics_monthly_stats_dimension" ADD VALUE 'eventRevenue';
  ALTER TYPE "public"."enum_analytics_imported_stats_dimension" ADD VALUE 'revenue';
  ALTER TYPE "public"."enum_analytics_imported_stats_dimension" ADD VALUE 'eventRevenue';
  ALTER TABLE "analytics_events" ADD COLUMN "revenue_amount" numeric;
  ALTER TABLE "analytics_events" ADD COLUMN "revenue_currency" varchar;
  ALTER TABLE "analytics_daily_stats" ADD COLUMN "revenue" numeric DEFAULT 0 NOT NULL;
  ALTER TABLE "analytics_monthly_stats" ADD COLUMN "revenue" numeric DEFAULT 0 NOT NULL;`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_daily_stats" ALTER COLUMN "dimension" SET DATA TYPE text;
  ALTER TABLE "analytics_daily_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::text;
  DROP TYPE "public"."enum_analytics_daily_stats_dimension";
  CREATE TYPE "public"."enum_analytics_daily_stats_dimension" AS ENUM('total', 'page', 'entryPage', 'exitPage', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'country', 'browser', 'os', 'device', 'event');
  ALTER TABLE "analytics_daily_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::"public"."enum_analytics_daily_stats_dimension";
  ALTER TABLE "analytics_daily_stats" ALTER COLUMN "dimension" SET DATA TYPE "public"."enum_analytics_daily_stats_dimension" USING "dimension"::"public"."enum_analytics_daily_stats_dimension";
  ALTER TABLE "analytics_monthly_stats" ALTER COLUMN "dimension" SET DATA TYPE text;
  ALTER TABLE "analytics_monthly_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::text;
  DROP TYPE "public"."enum_analytics_monthly_stats_dimension";
  CREATE TYPE "public"."enum_analytics_monthly_stats_dimension" AS ENUM('total', 'page', 'entryPage', 'exitPage', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'country', 'browser', 'os', 'device', 'event');
  ALTER TABLE "analytics_monthly_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::"public"."enum_analytics_monthly_stats_dimension";
  ALTER TABLE "analytics_monthly_stats" ALTER COLUMN "dimension" SET DATA TYPE "public"."enum_analytics_monthly_stats_dimension" USING "dimension"::"public"."enum_analytics_monthly_stats_dimension";
  ALTER TABLE "analytics_imported_stats" ALTER COLUMN "dimension" SET DATA TYPE text;
  ALTER TABLE "analytics_imported_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::text;
  DROP TYPE "public"."enum_analytics_imported_stats_dimension";
  CREATE TYPE "public"."enum_analytics_imported_stats_dimension" AS ENUM('total', 'page', 'entryPage', 'exitPage', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'country', 'browser', 'os', 'device', 'event');
  ALTER TABLE "analytics_imported_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::"public"."enum_analytics_imported_stats_dimension";
  ALTER TABLE "analytics_imported_stats" ALTER COLUMN "dimension" SET DATA TYPE "public"."enum_analytics_imported_stats_dimension" USING "dimension"::"public"."enum_analytics_imported_stats_dimension";
  ALTER TABLE "analytics_events" DROP COLUMN "revenue_amount";
  ALTER TABLE "analytics_events" DROP COLUMN "revenue_currency";
  ALTER TABLE "analytics_daily_stats" DROP COLUMN "revenue";
  ALTER TABLE "analytics_monthly_stats" DROP COLUMN "revenue";`)
}
