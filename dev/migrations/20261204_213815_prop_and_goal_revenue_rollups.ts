import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   ALTER TYPE "public"."enum_analytics_daily_stats_dimension" ADD VALUE 'goalRevenue';
  ALTER TYPE "public"."enum_analytics_daily_stats_dimension" ADD VALUE 'prop';
  ALTER TYPE "public"."enum_analytics_monthly_stats_dimension" ADD VALUE 'goalRevenue';
  ALTER TYPE "public"."enum_analytics_monthly_stats_dimension" ADD VALUE 'prop';
  ALTER TYPE "public"."enum_analytics_imported_stats_dimension" ADD VALUE 'goalRevenue';
  ALTER TYPE "public"."enum_analytics_imported_stats_dimension" ADD VALUE 'prop';`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  // The rows of the dropped values go first: the enums without them could not hold them.
  await db.execute(sql`
  DELETE FROM "analytics_daily_stats" WHERE "dimension" IN ('prop', 'goalRevenue');
  DELETE FROM "analytics_monthly_stats" WHERE "dimension" IN ('prop', 'goalRevenue');
  DELETE FROM "analytics_imported_stats" WHERE "dimension" IN ('prop', 'goalRevenue');
   ALTER TABLE "analytics_daily_stats" ALTER COLUMN "dimension" SET DATA TYPE text;
  ALTER TABLE "analytics_daily_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::text;
  DROP TYPE "public"."enum_analytics_daily_stats_dimension";
  CREATE TYPE "public"."enum_analytics_daily_stats_dimension" AS ENUM('total', 'page', 'entryPage', 'exitPage', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'country', 'browser', 'os', 'device', 'event', 'revenue', 'eventRevenue', 'goal');
  ALTER TABLE "analytics_daily_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::"public"."enum_analytics_daily_stats_dimension";
  ALTER TABLE "analytics_daily_stats" ALTER COLUMN "dimension" SET DATA TYPE "public"."enum_analytics_daily_stats_dimension" USING "dimension"::"public"."enum_analytics_daily_stats_dimension";
  ALTER TABLE "analytics_monthly_stats" ALTER COLUMN "dimension" SET DATA TYPE text;
  ALTER TABLE "analytics_monthly_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::text;
  DROP TYPE "public"."enum_analytics_monthly_stats_dimension";
  CREATE TYPE "public"."enum_analytics_monthly_stats_dimension" AS ENUM('total', 'page', 'entryPage', 'exitPage', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'country', 'browser', 'os', 'device', 'event', 'revenue', 'eventRevenue', 'goal');
  ALTER TABLE "analytics_monthly_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::"public"."enum_analytics_monthly_stats_dimension";
  ALTER TABLE "analytics_monthly_stats" ALTER COLUMN "dimension" SET DATA TYPE "public"."enum_analytics_monthly_stats_dimension" USING "dimension"::"public"."enum_analytics_monthly_stats_dimension";
  ALTER TABLE "analytics_imported_stats" ALTER COLUMN "dimension" SET DATA TYPE text;
  ALTER TABLE "analytics_imported_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::text;
  DROP TYPE "public"."enum_analytics_imported_stats_dimension";
  CREATE TYPE "public"."enum_analytics_imported_stats_dimension" AS ENUM('total', 'page', 'entryPage', 'exitPage', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'country', 'browser', 'os', 'device', 'event', 'revenue', 'eventRevenue', 'goal');
  ALTER TABLE "analytics_imported_stats" ALTER COLUMN "dimension" SET DEFAULT 'total'::"public"."enum_analytics_imported_stats_dimension";
  ALTER TABLE "analytics_imported_stats" ALTER COLUMN "dimension" SET DATA TYPE "public"."enum_analytics_imported_stats_dimension" USING "dimension"::"public"."enum_analytics_imported_stats_dimension";`)
}
