import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_settings" ADD COLUMN "branding_name" varchar;
  ALTER TABLE "analytics_settings" ADD COLUMN "branding_logo_url" varchar;
  ALTER TABLE "analytics_settings" ADD COLUMN "branding_accent_color" varchar;`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   ALTER TABLE "analytics_settings" DROP COLUMN "branding_name";
  ALTER TABLE "analytics_settings" DROP COLUMN "branding_logo_url";
  ALTER TABLE "analytics_settings" DROP COLUMN "branding_accent_color";`)
}
