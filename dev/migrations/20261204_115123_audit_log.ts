import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   CREATE TYPE "public"."enum_analytics_audit_log_actor_type" AS ENUM('user', 'cli', 'system');
  CREATE TABLE "analytics_audit_log" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"action" varchar NOT NULL,
  	"actor_type" "enum_analytics_audit_log_actor_type" NOT NULL,
  	"actor_collection" varchar,
  	"actor_id" varchar,
  	"actor_email" varchar,
  	"via" varchar,
  	"site" varchar,
  	"details" jsonb,
  	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
  	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
  );
  
  CREATE INDEX "analytics_audit_log_action_idx" ON "analytics_audit_log" USING btree ("action");
  CREATE INDEX "analytics_audit_log_site_idx" ON "analytics_audit_log" USING btree ("site");
  CREATE INDEX "analytics_audit_log_updated_at_idx" ON "analytics_audit_log" USING btree ("updated_at");
  CREATE INDEX "analytics_audit_log_created_at_idx" ON "analytics_audit_log" USING btree ("created_at");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   DROP TABLE "analytics_audit_log" CASCADE;
  DROP TYPE "public"."enum_analytics_audit_log_actor_type";`)
}
