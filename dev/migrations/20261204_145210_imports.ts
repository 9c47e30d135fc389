import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   CREATE TYPE "public"."enum_analytics_imports_source" AS ENUM('plausible-csv', 'plausible-api', 'matomo');
  CREATE TYPE "public"."enum_analytics_imports_status" AS ENUM('running', 'done', 'failed');
  CREATE TYPE "public"."enum_analytics_imports_started_by_type" AS ENUM('user', 'cli', 'system');
  CREATE TYPE "public"."enum_analytics_imported_stats_dimension" AS ENUM('total', 'page', 'entryPage', 'exitPage', 'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'country', 'browser', 'os', 'device', 'event');
  CREATE TABLE "analytics_imports" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"site_id" integer NOT NULL,
  	"source" "enum_analytics_imports_source" NOT NULL,
  	"connection" varchar,
  	"file_name" varchar,
  	"status" "enum_analytics_imports_status" DEFAULT 'running' NOT NULL,
  	"from" timestamp(3) with time zone,
  	"to" timestamp(3) with time zone,
  	"progress_done" numeric DEFAULT 0,
  	"progress_total" numeric DEFAULT 0,
  	"progress_unit" varchar,
  	"days_written" numeric DEFAULT 0,
  	"rows_written" numeric DEFAULT 0,
  	"first_day" timestamp(3) with time zone,
  	"last_day" timestamp(3) with time zone,
  	"skipped" jsonb,
  	"day_errors" jsonb,
  	"summary" jsonb,
  	"error" varchar,
  	"started_at" timestamp(3) with time zone,
  	"finished_at" timestamp(3) with time zone,
  	"started_by_type" "enum_analytics_imports_started_by_type",
  	"started_by_user_id" varchar,
  	"started_by_collection" varchar,
  	"started_by_email" varchar,
  	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
  	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
  );
  
  CREATE TABLE "analytics_imported_stats" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"site" numeric NOT NULL,
  	"import_id" varchar NOT NULL,
  	"date" timestamp(3) with time zone NOT NULL,
  	"dimension" "enum_analytics_imported_stats_dimension" DEFAULT 'total' NOT NULL,
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
  	"ai_tokens" numeric DEFAULT 0 NOT NULL,
  	"scroll_depth_sum" numeric DEFAULT 0 NOT NULL,
  	"scroll_visits" numeric DEFAULT 0 NOT NULL,
  	"engaged_ms" numeric DEFAULT 0 NOT NULL,
  	"engaged_visits" numeric DEFAULT 0 NOT NULL
  );
  
  ALTER TABLE "analytics_imports" ADD CONSTRAINT "analytics_imports_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE set null ON UPDATE no action;
  CREATE INDEX "analytics_imports_site_idx" ON "analytics_imports" USING btree ("site_id");
  CREATE INDEX "analytics_imports_updated_at_idx" ON "analytics_imports" USING btree ("updated_at");
  CREATE INDEX "analytics_imports_created_at_idx" ON "analytics_imports" USING btree ("created_at");
  CREATE UNIQUE INDEX "importId_date_dimension_key_idx" ON "analytics_imported_stats" USING btree ("import_id","date","dimension","key");
  CREATE INDEX "site_dimension_date_1_idx" ON "analytics_imported_stats" USING btree ("site","dimension","date");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   DROP TABLE "analytics_imports" CASCADE;
  DROP TABLE "analytics_imported_stats" CASCADE;
  DROP TYPE "public"."enum_analytics_imports_source";
  DROP TYPE "public"."enum_analytics_imports_status";
  DROP TYPE "public"."enum_analytics_imports_started_by_type";
  DROP TYPE "public"."enum_analytics_imported_stats_dimension";`)
}
