import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   ALTER TYPE "public"."enum_users_roles" ADD VALUE 'tenant-manager' BEFORE 'user';
  -- Settings take no document locks any more: locks already on them go.
  DELETE FROM "payload_locked_documents" WHERE "id" IN (SELECT "parent_id" FROM "payload_locked_documents_rels" WHERE "analytics_settings_id" IS NOT NULL);
  ALTER TABLE "payload_locked_documents_rels" DROP CONSTRAINT "payload_locked_documents_rels_analytics_settings_fk";
  
  DROP INDEX "payload_locked_documents_rels_analytics_settings_id_idx";
  DROP INDEX "analytics_settings_share_token_idx";
  -- A token shared by several rows (copied by a duplicate, or written by a client) stays
  -- with the oldest row only; the others' share links end (rotate to get a new one).
  UPDATE "analytics_settings" SET "share_token" = NULL WHERE "share_token" IS NOT NULL AND "id" NOT IN (SELECT min("id") FROM "analytics_settings" WHERE "share_token" IS NOT NULL GROUP BY "share_token");
  CREATE UNIQUE INDEX "analytics_settings_share_token_idx" ON "analytics_settings" USING btree ("share_token");
  ALTER TABLE "payload_locked_documents_rels" DROP COLUMN "analytics_settings_id";`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "users_roles" ALTER COLUMN "value" SET DATA TYPE text;
  DROP TYPE "public"."enum_users_roles";
  CREATE TYPE "public"."enum_users_roles" AS ENUM('super-admin', 'user');
  ALTER TABLE "users_roles" ALTER COLUMN "value" SET DATA TYPE "public"."enum_users_roles" USING "value"::"public"."enum_users_roles";
  DROP INDEX "analytics_settings_share_token_idx";
  ALTER TABLE "payload_locked_documents_rels" ADD COLUMN "analytics_settings_id" integer;
  ALTER TABLE "payload_locked_documents_rels" ADD CONSTRAINT "payload_locked_documents_rels_analytics_settings_fk" FOREIGN KEY ("analytics_settings_id") REFERENCES "public"."analytics_settings"("id") ON DELETE cascade ON UPDATE no action;
  CREATE INDEX "payload_locked_documents_rels_analytics_settings_id_idx" ON "payload_locked_documents_rels" USING btree ("analytics_settings_id");
  CREATE INDEX "analytics_settings_share_token_idx" ON "analytics_settings" USING btree ("share_token");`)
}
