import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   CREATE TYPE "public"."enum_analytics_monthly_stats_dimension" AS ENUM('total', 'page', 'entryPage', 'exitPage', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'country', 'browser', 'os', 'device', 'event');
  CREATE TABLE "analytics_monthly_stats" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"site_id" integer NOT NULL,
  	"tenant_id" integer,
  	"month" timestamp(3) with time zone NOT NULL,
  	"dimension" "enum_analytics_monthly_stats_dimension" DEFAULT 'total' NOT NULL,
  	"key" varchar DEFAULT '',
  	"pageviews" numeric DEFAULT 0 NOT NULL,
  	"visitors" numeric DEFAULT 0 NOT NULL,
  	"visits" numeric DEFAULT 0 NOT NULL,
  	"bounces" numeric DEFAULT 0 NOT NULL,
  	"total_duration" numeric DEFAULT 0 NOT NULL,
  	"events" numeric DEFAULT 0 NOT NULL,
  	"leads" numeric DEFAULT 0 NOT NULL,
  	"forms" numeric DEFAULT 0 NOT NULL,
  	"exports" numeric DEFAULT 0 NOT NULL,
  	"automation_runs" numeric DEFAULT 0 NOT NULL,
  	"ai_tokens" numeric DEFAULT 0 NOT NULL
  );
  
  ALTER TABLE "analytics_monthly_stats" ADD CONSTRAINT "analytics_monthly_stats_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE set null ON UPDATE no action;
  ALTER TABLE "analytics_monthly_stats" ADD CONSTRAINT "analytics_monthly_stats_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE set null ON UPDATE no action;
  CREATE INDEX "analytics_monthly_stats_site_idx" ON "analytics_monthly_stats" USING btree ("site_id");
  CREATE INDEX "analytics_monthly_stats_tenant_idx" ON "analytics_monthly_stats" USING btree ("tenant_id");
  CREATE UNIQUE INDEX "site_month_dimension_key_idx" ON "analytics_monthly_stats" USING btree ("site_id","month","dimension","key");
  CREATE INDEX "site_dimension_month_idx" ON "analytics_monthly_stats" USING btree ("site_id","dimension","month");`)
  // Written by hand: the rollup of the daily stats already stored (the aggregation keeps it
  // from now on; days past the raw retention can never be recomputed, so it must start whole).
  await db.execute(sql`
  INSERT INTO "analytics_monthly_stats" ("site_id", "tenant_id", "month", "dimension", "key", "pageviews", "visitors", "visits", "bounces",
    "total_duration", "events", "leads", "forms", "exports", "automation_runs", "ai_tokens")
  SELECT "site_id", (array_agg("tenant_id" ORDER BY "date" DESC))[1], date_trunc('month', "date", 'UTC'),
    "dimension"::text::"enum_analytics_monthly_stats_dimension", "key", sum("pageviews"), sum("visitors"), sum("visits"), sum("bounces"),
    sum("total_duration"), sum("events"), sum("leads"), sum("forms"), sum("exports"), sum("automation_runs"), sum("ai_tokens")
  FROM "analytics_daily_stats" WHERE "site_id" IS NOT NULL
  GROUP BY "site_id", date_trunc('month', "date", 'UTC'), "dimension", "key";`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   DROP TABLE "analytics_monthly_stats" CASCADE;
  DROP TYPE "public"."enum_analytics_monthly_stats_dimension";`)
}
