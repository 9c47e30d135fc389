import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   CREATE TABLE "analytics_visits" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"site" numeric NOT NULL,
  	"tenant" numeric,
  	"day" timestamp(3) with time zone NOT NULL,
  	"session" varchar NOT NULL,
  	"visitor" varchar,
  	"visitors" jsonb,
  	"started_at" timestamp(3) with time zone NOT NULL,
  	"ended_at" timestamp(3) with time zone NOT NULL,
  	"events" numeric DEFAULT 0 NOT NULL,
  	"pageviews" numeric DEFAULT 0 NOT NULL,
  	"duration" numeric DEFAULT 0 NOT NULL,
  	"bounce" boolean DEFAULT false NOT NULL,
  	"entry_page" varchar,
  	"exit_page" varchar,
  	"source" varchar,
  	"utm_source" varchar,
  	"utm_medium" varchar,
  	"utm_campaign" varchar,
  	"utm_term" varchar,
  	"utm_content" varchar,
  	"country" varchar,
  	"browser" varchar,
  	"os" varchar,
  	"device" varchar,
  	"types" jsonb,
  	"value_sums" jsonb,
  	"revenue" jsonb,
  	"event_ids" jsonb
  );
  
  CREATE UNIQUE INDEX "site_day_session_idx" ON "analytics_visits" USING btree ("site","day","session");
  CREATE INDEX "site_source_day_idx" ON "analytics_visits" USING btree ("site","source","day");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   DROP TABLE "analytics_visits" CASCADE;`)
}
