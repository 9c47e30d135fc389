import { MigrateUpArgs, MigrateDownArgs, sql } from '@payloadcms/db-postgres'

export async function up({ db, payload, req }: MigrateUpArgs): Promise<void> {
  await db.execute(sql`
   CREATE TYPE "public"."enum_analytics_api_keys_scopes" AS ENUM('stats:read', 'sites:read');
  CREATE TABLE "analytics_api_keys_scopes" (
  	"order" integer NOT NULL,
  	"parent_id" integer NOT NULL,
  	"value" "enum_analytics_api_keys_scopes",
  	"id" serial PRIMARY KEY NOT NULL
  );
  
  CREATE TABLE "analytics_api_keys" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"name" varchar NOT NULL,
  	"user_id" integer,
  	"hourly_limit" numeric DEFAULT 600 NOT NULL,
  	"prefix" varchar,
  	"secret_hash" varchar,
  	"last_used_at" timestamp(3) with time zone,
  	"revoked" boolean DEFAULT false,
  	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
  	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
  );
  
  CREATE TABLE "analytics_api_keys_rels" (
  	"id" serial PRIMARY KEY NOT NULL,
  	"order" integer,
  	"parent_id" integer NOT NULL,
  	"path" varchar NOT NULL,
  	"sites_id" integer
  );
  
  ALTER TABLE "analytics_api_keys_scopes" ADD CONSTRAINT "analytics_api_keys_scopes_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."analytics_api_keys"("id") ON DELETE cascade ON UPDATE no action;
  ALTER TABLE "analytics_api_keys" ADD CONSTRAINT "analytics_api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;
  ALTER TABLE "analytics_api_keys_rels" ADD CONSTRAINT "analytics_api_keys_rels_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."analytics_api_keys"("id") ON DELETE cascade ON UPDATE no action;
  ALTER TABLE "analytics_api_keys_rels" ADD CONSTRAINT "analytics_api_keys_rels_sites_fk" FOREIGN KEY ("sites_id") REFERENCES "public"."sites"("id") ON DELETE cascade ON UPDATE no action;
  CREATE INDEX "analytics_api_keys_scopes_order_idx" ON "analytics_api_keys_scopes" USING btree ("order");
  CREATE INDEX "analytics_api_keys_scopes_parent_idx" ON "analytics_api_keys_scopes" USING btree ("parent_id");
  CREATE INDEX "analytics_api_keys_user_idx" ON "analytics_api_keys" USING btree ("user_id");
  CREATE UNIQUE INDEX "analytics_api_keys_secret_hash_idx" ON "analytics_api_keys" USING btree ("secret_hash");
  CREATE INDEX "analytics_api_keys_updated_at_idx" ON "analytics_api_keys" USING btree ("updated_at");
  CREATE INDEX "analytics_api_keys_created_at_idx" ON "analytics_api_keys" USING btree ("created_at");
  CREATE INDEX "analytics_api_keys_rels_order_idx" ON "analytics_api_keys_rels" USING btree ("order");
  CREATE INDEX "analytics_api_keys_rels_parent_idx" ON "analytics_api_keys_rels" USING btree ("parent_id");
  CREATE INDEX "analytics_api_keys_rels_path_idx" ON "analytics_api_keys_rels" USING btree ("path");
  CREATE INDEX "analytics_api_keys_rels_sites_id_idx" ON "analytics_api_keys_rels" USING btree ("sites_id");`)
}

export async function down({ db, payload, req }: MigrateDownArgs): Promise<void> {
  await db.execute(sql`
   DROP TABLE "analytics_api_keys_scopes" CASCADE;
  DROP TABLE "analytics_api_keys" CASCADE;
  DROP TABLE "analytics_api_keys_rels" CASCADE;
  DROP TYPE "public"."enum_analytics_api_keys_scopes";`)
}
