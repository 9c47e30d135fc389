import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   CREATE TYPE "public"."enum_analytics_reports_sections" AS ENUM('kpis', 'series', 'pages', 'sources', 'conversions');
  CREATE TYPE "public"."enum_analytics_reports_attachments" AS ENUM('csv', 'json');
  CREATE TYPE "public"."enum_analytics_reports_frequency" AS ENUM('weekly', 'monthly', 'cron');
  CREATE TYPE "public"."enum_analytics_reports_weekday" AS ENUM('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday');
  CREATE TYPE "public"."enum_analytics_reports_range" AS ENUM('lastWeek', 'lastMonth', 'monthToDate', 'yearToDate');
  CREATE TABLE "analytics_reports_sections" (
  	"order" integer NOT NULL,
  	"parent_id" integer NOT NULL,
  	"value" "enum_analytics_reports_sections",
  	"id" serial PRIMARY KEY NOT NULL
  );
  
  CREATE TABLE "analytics_reports_attachments" (
  	"order" integer NOT NULL,
  	"parent_id" integer NOT NULL,
  	"value" "enum_analytics_reports_attachments",
  	"id" serial PRIMARY KEY NOT NULL
  );
  
  CREATE TABLE "analytics_reports_recipients" (
  	"_order" integer NOT NULL,
  	"_parent_id" integer NOT NULL,
  	"id" varchar PRIMARY KEY NOT NULL,
  	"email" varchar NOT NULL,
  	"unsubscribed" boolean DEFAULT false
  );
  
  CREATE TABLE "analytics_reports" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"name" varchar NOT NULL,
  	"enabled" boolean DEFAULT true,
  	"tenant_id" integer,
  	"frequency" "enum_analytics_reports_frequency" DEFAULT 'weekly' NOT NULL,
  	"weekday" "enum_analytics_reports_weekday" DEFAULT 'monday',
  	"day_of_month" numeric DEFAULT 1,
  	"hour" numeric DEFAULT 9,
  	"cron" varchar,
  	"time_zone" varchar DEFAULT 'UTC' NOT NULL,
  	"range" "enum_analytics_reports_range" DEFAULT 'lastWeek' NOT NULL,
  	"webhook_url" varchar,
  	"webhook_secret" varchar,
  	"branding_name" varchar,
  	"branding_logo_url" varchar,
  	"branding_accent_color" varchar,
  	"starts_at" timestamp(3) with time zone,
  	"last_occurrence_at" timestamp(3) with time zone,
  	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
  	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
  );
  
  CREATE TABLE "analytics_reports_rels" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"order" integer,
  	"parent_id" integer NOT NULL,
  	"path" varchar NOT NULL,
  	"sites_id" integer
  );
  
  CREATE TABLE "analytics_report_deliveries" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"key" varchar NOT NULL,
  	"kind" varchar NOT NULL,
  	"source" varchar,
  	"occurrence" timestamp(3) with time zone NOT NULL,
  	"missed" boolean DEFAULT false,
  	"channel" varchar NOT NULL,
  	"recipient" varchar,
  	"status" varchar DEFAULT 'pending' NOT NULL,
  	"attempts" numeric DEFAULT 0 NOT NULL,
  	"response_status" numeric,
  	"error" varchar,
  	"idempotency_key" varchar NOT NULL,
  	"sent_at" timestamp(3) with time zone,
  	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
  	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
  );
  
  ALTER TABLE "payload_locked_documents_rels" ADD COLUMN "analytics_reports_id" integer;
  ALTER TABLE "analytics_reports_sections" ADD CONSTRAINT "analytics_reports_sections_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."analytics_reports"("id") ON DELETE cascade ON UPDATE no action;
  ALTER TABLE "analytics_reports_attachments" ADD CONSTRAINT "analytics_reports_attachments_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."analytics_reports"("id") ON DELETE cascade ON UPDATE no action;
  ALTER TABLE "analytics_reports_recipients" ADD CONSTRAINT "analytics_reports_recipients_parent_id_fk" FOREIGN KEY ("_parent_id") REFERENCES "public"."analytics_reports"("id") ON DELETE cascade ON UPDATE no action;
  ALTER TABLE "analytics_reports" ADD CONSTRAINT "analytics_reports_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE set null ON UPDATE no action;
  ALTER TABLE "analytics_reports_rels" ADD CONSTRAINT "analytics_reports_rels_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."analytics_reports"("id") ON DELETE cascade ON UPDATE no action;
  ALTER TABLE "analytics_reports_rels" ADD CONSTRAINT "analytics_reports_rels_sites_fk" FOREIGN KEY ("sites_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;
  CREATE INDEX "analytics_reports_sections_order_idx" ON "analytics_reports_sections" USING btree ("order");
  CREATE INDEX "analytics_reports_sections_parent_idx" ON "analytics_reports_sections" USING btree ("parent_id");
  CREATE INDEX "analytics_reports_attachments_order_idx" ON "analytics_reports_attachments" USING btree ("order");
  CREATE INDEX "analytics_reports_attachments_parent_idx" ON "analytics_reports_attachments" USING btree ("parent_id");
  CREATE INDEX "analytics_reports_recipients_order_idx" ON "analytics_reports_recipients" USING btree ("_order");
  CREATE INDEX "analytics_reports_recipients_parent_id_idx" ON "analytics_reports_recipients" USING btree ("_parent_id");
  CREATE INDEX "analytics_reports_tenant_idx" ON "analytics_reports" USING btree ("tenant_id");
  CREATE INDEX "analytics_reports_updated_at_idx" ON "analytics_reports" USING btree ("updated_at");
  CREATE INDEX "analytics_reports_created_at_idx" ON "analytics_reports" USING btree ("created_at");
  CREATE INDEX "analytics_reports_rels_order_idx" ON "analytics_reports_rels" USING btree ("order");
  CREATE INDEX "analytics_reports_rels_parent_idx" ON "analytics_reports_rels" USING btree ("parent_id");
  CREATE INDEX "analytics_reports_rels_path_idx" ON "analytics_reports_rels" USING btree ("path");
  CREATE INDEX "analytics_reports_rels_sites_id_idx" ON "analytics_reports_rels" USING btree ("sites_id");
  CREATE UNIQUE INDEX "analytics_report_deliveries_key_idx" ON "analytics_report_deliveries" USING btree ("key");
  CREATE INDEX "analytics_report_deliveries_source_idx" ON "analytics_report_deliveries" USING btree ("source");
  CREATE INDEX "analytics_report_deliveries_status_idx" ON "analytics_report_deliveries" USING btree ("status");
  CREATE INDEX "analytics_report_deliveries_updated_at_idx" ON "analytics_report_deliveries" USING btree ("updated_at");
  CREATE INDEX "analytics_report_deliveries_created_at_idx" ON "analytics_report_deliveries" USING btree ("created_at");
  ALTER TABLE "payload_locked_documents_rels" ADD CONSTRAINT "payload_locked_documents_rels_analytics_reports_fk" FOREIGN KEY ("analytics_reports_id") REFERENCES "public"."analytics_reports"("id") ON DELETE cascade ON UPDATE no action;
  CREATE INDEX "payload_locked_documents_rels_analytics_reports_id_idx" ON "payload_locked_documents_rels" USING btree ("analytics_reports_id");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_reports_sections" DISABLE ROW LEVEL SECURITY;
  ALTER TABLE "analytics_reports_attachments" DISABLE ROW LEVEL SECURITY;
  ALTER TABLE "analytics_reports_recipients" DISABLE ROW LEVEL SECURITY;
  ALTER TABLE "analytics_reports" DISABLE ROW LEVEL SECURITY;
  ALTER TABLE "analytics_reports_rels" DISABLE ROW LEVEL SECURITY;
  ALTER TABLE "analytics_report_deliveries" DISABLE ROW LEVEL SECURITY;
  DROP TABLE "analytics_reports_sections" CASCADE;
  DROP TABLE "analytics_reports_attachments" CASCADE;
  DROP TABLE "analytics_reports_recipients" CASCADE;
  DROP TABLE "analytics_reports" CASCADE;
  DROP TABLE "analytics_reports_rels" CASCADE;
  DROP TABLE "analytics_report_deliveries" CASCADE;
  ALTER TABLE "payload_locked_documents_rels" DROP CONSTRAINT "payload_locked_documents_rels_analytics_reports_fk";
  
  DROP INDEX "payload_locked_documents_rels_analytics_reports_id_idx";
  ALTER TABLE "payload_locked_documents_rels" DROP COLUMN "analytics_reports_id";
  DROP TYPE "public"."enum_analytics_reports_sections";
  DROP TYPE "public"."enum_analytics_reports_attachments";
  DROP TYPE "public"."enum_analytics_reports_frequency";
  DROP TYPE "public"."enum_analytics_reports_weekday";
  DROP TYPE "public"."enum_analytics_reports_range";`)
}
