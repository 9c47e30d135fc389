import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   CREATE TYPE "public"."enum_analytics_sources_kind" AS ENUM('gsc', 'matomo', 'plausible');
  CREATE TYPE "public"."enum_analytics_sources_status" AS ENUM('new', 'ok', 'failing', 'reconnect');
  CREATE TYPE "public"."enum_analytics_search_stats_dimension" AS ENUM('total', 'query', 'page', 'country', 'device');
  CREATE TABLE "analytics_sources_sites" (
  	"_order" integer NOT NULL,
  	"_parent_id" integer NOT NULL,
  	"id" varchar PRIMARY KEY NOT NULL,
  	"site_id" integer NOT NULL,
  	"remote_id" varchar NOT NULL
  );
  
  CREATE TABLE "analytics_sources" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"name" varchar NOT NULL,
  	"kind" "enum_analytics_sources_kind" NOT NULL,
  	"base_url" varchar,
  	"credential_sealed" varchar,
  	"owner_id" varchar,
  	"tenant_id" integer,
  	"has_credential" boolean DEFAULT false,
  	"status" "enum_analytics_sources_status" DEFAULT 'new',
  	"last_run_at" timestamp(3) with time zone,
  	"last_error" varchar,
  	"failed_runs" numeric DEFAULT 0,
  	"last_summary" jsonb,
  	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
  	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
  );
  
  CREATE TABLE "analytics_search_stats" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"site_id" integer NOT NULL,
  	"tenant_id" integer,
  	"date" timestamp(3) with time zone NOT NULL,
  	"dimension" "enum_analytics_search_stats_dimension" DEFAULT 'total' NOT NULL,
  	"key" varchar DEFAULT '',
  	"clicks" numeric DEFAULT 0 NOT NULL,
  	"impressions" numeric DEFAULT 0 NOT NULL,
  	"position_sum" numeric DEFAULT 0 NOT NULL,
  	"final" boolean DEFAULT false
  );
  
  ALTER TABLE "payload_locked_documents_rels" ADD COLUMN "analytics_sources_id" integer;
  ALTER TABLE "analytics_sources_sites" ADD CONSTRAINT "analytics_sources_sites_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE set null ON UPDATE no action;
  ALTER TABLE "analytics_sources_sites" ADD CONSTRAINT "analytics_sources_sites_parent_id_fk" FOREIGN KEY ("_parent_id") REFERENCES "public"."analytics_sources"("id") ON DELETE cascade ON UPDATE no action;
  ALTER TABLE "analytics_sources" ADD CONSTRAINT "analytics_sources_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE set null ON UPDATE no action;
  ALTER TABLE "analytics_search_stats" ADD CONSTRAINT "analytics_search_stats_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE set null ON UPDATE no action;
  ALTER TABLE "analytics_search_stats" ADD CONSTRAINT "analytics_search_stats_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE set null ON UPDATE no action;
  CREATE INDEX "analytics_sources_sites_order_idx" ON "analytics_sources_sites" USING btree ("_order");
  CREATE INDEX "analytics_sources_sites_parent_id_idx" ON "analytics_sources_sites" USING btree ("_parent_id");
  CREATE INDEX "analytics_sources_sites_site_idx" ON "analytics_sources_sites" USING btree ("site_id");
  CREATE INDEX "analytics_sources_tenant_idx" ON "analytics_sources" USING btree ("tenant_id");
  CREATE INDEX "analytics_sources_updated_at_idx" ON "analytics_sources" USING btree ("updated_at");
  CREATE INDEX "analytics_sources_created_at_idx" ON "analytics_sources" USING btree ("created_at");
  CREATE INDEX "analytics_search_stats_site_idx" ON "analytics_search_stats" USING btree ("site_id");
  CREATE INDEX "analytics_search_stats_tenant_idx" ON "analytics_search_stats" USING btree ("tenant_id");
  CREATE UNIQUE INDEX "site_date_dimension_key_1_idx" ON "analytics_search_stats" USING btree ("site_id","date","dimension","key");
  CREATE INDEX "site_dimension_date_2_idx" ON "analytics_search_stats" USING btree ("site_id","dimension","date");
  ALTER TABLE "payload_locked_documents_rels" ADD CONSTRAINT "payload_locked_documents_rels_analytics_sources_fk" FOREIGN KEY ("analytics_sources_id") REFERENCES "public"."analytics_sources"("id") ON DELETE cascade ON UPDATE no action;
  CREATE INDEX "payload_locked_documents_rels_analytics_sources_id_idx" ON "payload_locked_documents_rels" USING btree ("analytics_sources_id");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_sources_sites" DISABLE ROW LEVEL SECURITY;
  ALTER TABLE "analytics_sources" DISABLE ROW LEVEL SECURITY;
  ALTER TABLE "analytics_search_stats" DISABLE ROW LEVEL SECURITY;
  DROP TABLE "analytics_sources_sites" CASCADE;
  DROP TABLE "analytics_sources" CASCADE;
  DROP TABLE "analytics_search_stats" CASCADE;
  ALTER TABLE "payload_locked_documents_rels" DROP CONSTRAINT "payload_locked_documents_rels_analytics_sources_fk";
  
  DROP INDEX "payload_locked_documents_rels_analytics_sources_id_idx";
  ALTER TABLE "payload_locked_documents_rels" DROP COLUMN "analytics_sources_id";
  DROP TYPE "public"."enum_analytics_sources_kind";
  DROP TYPE "public"."enum_analytics_sources_status";
  DROP TYPE "public"."enum_analytics_search_stats_dimension";`)
}
