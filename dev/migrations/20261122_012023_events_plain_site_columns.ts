// The raw events' site and tenant become plain id columns (no foreign keys, no index of
// their own): see eventOwnershipFields. drizzle-kit wrote the renames but not the type
// change (integer → numeric, a number field's type), added here by hand.
import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_events" RENAME COLUMN "site_id" TO "site";
  ALTER TABLE "analytics_events" RENAME COLUMN "tenant_id" TO "tenant";
  ALTER TABLE "analytics_events" DROP CONSTRAINT "analytics_events_site_id_sites_id_fk";
  
  ALTER TABLE "analytics_events" DROP CONSTRAINT "analytics_events_tenant_id_tenants_id_fk";
  
  DROP INDEX "analytics_events_site_idx";
  DROP INDEX "analytics_events_tenant_idx";
  DROP INDEX "site_timestamp_idx";
  ALTER TABLE "analytics_events" ALTER COLUMN "site" SET DATA TYPE numeric;
  ALTER TABLE "analytics_events" ALTER COLUMN "tenant" SET DATA TYPE numeric;
  CREATE INDEX "site_timestamp_idx" ON "analytics_events" USING btree ("site","timestamp");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_events" RENAME COLUMN "site" TO "site_id";
  ALTER TABLE "analytics_events" RENAME COLUMN "tenant" TO "tenant_id";
  DROP INDEX "site_timestamp_idx";
  ALTER TABLE "analytics_events" ALTER COLUMN "site_id" SET DATA TYPE integer;
  ALTER TABLE "analytics_events" ALTER COLUMN "tenant_id" SET DATA TYPE integer;
  ALTER TABLE "analytics_events" ADD CONSTRAINT "analytics_events_site_id_sites_id_fk" FOREIGN KEY ("site_id") REFERENCES "public"."sites"("id") ON DELETE set null ON UPDATE no action;
  ALTER TABLE "analytics_events" ADD CONSTRAINT "analytics_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE set null ON UPDATE no action;
  CREATE INDEX "analytics_events_site_idx" ON "analytics_events" USING btree ("site_id");
  CREATE INDEX "analytics_events_tenant_idx" ON "analytics_events" USING btree ("tenant_id");
  CREATE INDEX "site_timestamp_idx" ON "analytics_events" USING btree ("site_id","timestamp");`)
}
