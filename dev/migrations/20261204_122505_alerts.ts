import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   CREATE TYPE "public"."enum_analytics_alerts_kind" AS ENUM('spike', 'drop');
  CREATE TABLE "analytics_alerts_recipients" (
  	"_order" integer NOT NULL,
  	"_parent_id" integer NOT NULL,
  	"id" varchar PRIMARY KEY NOT NULL,
  	"email" varchar NOT NULL
  );
  
  CREATE TABLE "analytics_alerts" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"name" varchar NOT NULL,
  	"enabled" boolean DEFAULT true,
  	"site_id" integer NOT NULL,
  	"kind" "enum_analytics_alerts_kind" NOT NULL,
  	"threshold" numeric NOT NULL,
  	"webhook_url" varchar,
  	"webhook_secret" varchar,
  	"last_fired_at" timestamp(3) with time zone,
  	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
  	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
  );
  
  ALTER TABLE "payload_locked_documents_rels" ADD COLUMN "analytics_alerts_id" integer;
  ALTER TABLE "analytics_alerts_recipients" ADD CONSTRAINT "analytics_alerts_recipients_parent_id_fk" FOREIGN KEY ("_parent_id") REFERENCES "public"."analytics_alerts"("id") ON DELETE cascade ON UPDATE no action;
  ALTER TABLE "analytics_alerts" ADD CONSTRAINT "analytics_alerts_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE set null ON UPDATE no action;
  CREATE INDEX "analytics_alerts_recipients_order_idx" ON "analytics_alerts_recipients" USING btree ("_order");
  CREATE INDEX "analytics_alerts_recipients_parent_id_idx" ON "analytics_alerts_recipients" USING btree ("_parent_id");
  CREATE INDEX "analytics_alerts_site_idx" ON "analytics_alerts" USING btree ("site_id");
  CREATE INDEX "analytics_alerts_updated_at_idx" ON "analytics_alerts" USING btree ("updated_at");
  CREATE INDEX "analytics_alerts_created_at_idx" ON "analytics_alerts" USING btree ("created_at");
  ALTER TABLE "payload_locked_documents_rels" ADD CONSTRAINT "payload_locked_documents_rels_analytics_alerts_fk" FOREIGN KEY ("analytics_alerts_id") REFERENCES "public"."analytics_alerts"("id") ON DELETE cascade ON UPDATE no action;
  CREATE INDEX "payload_locked_documents_rels_analytics_alerts_id_idx" ON "payload_locked_documents_rels" USING btree ("analytics_alerts_id");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_alerts_recipients" DISABLE ROW LEVEL SECURITY;
  ALTER TABLE "analytics_alerts" DISABLE ROW LEVEL SECURITY;
  DROP TABLE "analytics_alerts_recipients" CASCADE;
  DROP TABLE "analytics_alerts" CASCADE;
  ALTER TABLE "payload_locked_documents_rels" DROP CONSTRAINT "payload_locked_documents_rels_analytics_alerts_fk";
  
  DROP INDEX "payload_locked_documents_rels_analytics_alerts_id_idx";
  ALTER TABLE "payload_locked_documents_rels" DROP COLUMN "analytics_alerts_id";
  DROP TYPE "public"."enum_analytics_alerts_kind";`)
}
