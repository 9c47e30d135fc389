import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   DROP INDEX "site_dimension_date_idx";
  DROP INDEX "site_dimension_month_idx";
  DROP INDEX "site_dimension_date_1_idx";
  DROP INDEX "site_dimension_date_2_idx";
  CREATE INDEX "site_dimension_date_visitors_idx" ON "analytics_daily_stats" USING btree ("site_id","dimension","date","visitors");
  CREATE INDEX "site_dimension_month_visitors_idx" ON "analytics_monthly_stats" USING btree ("site_id","dimension","month","visitors");
  CREATE INDEX "site_dimension_date_idx" ON "analytics_imported_stats" USING btree ("site","dimension","date");
  CREATE INDEX "site_dimension_date_1_idx" ON "analytics_search_stats" USING btree ("site_id","dimension","date");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   DROP INDEX "site_dimension_date_visitors_idx";
  DROP INDEX "site_dimension_month_visitors_idx";
  DROP INDEX "site_dimension_date_idx";
  DROP INDEX "site_dimension_date_1_idx";
  CREATE INDEX "site_dimension_date_idx" ON "analytics_daily_stats" USING btree ("site_id","dimension","date");
  CREATE INDEX "site_dimension_month_idx" ON "analytics_monthly_stats" USING btree ("site_id","dimension","month");
  CREATE INDEX "site_dimension_date_1_idx" ON "analytics_imported_stats" USING btree ("site","dimension","date");
  CREATE INDEX "site_dimension_date_2_idx" ON "analytics_search_stats" USING btree ("site_id","dimension","date");`)
}
