/**
 * A year of statistics made by the pipeline's own code from the traffic model, for the read
 * benches (bench:query; bench:admin to follow): BENCH_SITES model sites (20; site r gets 1/r^1.3 of the
 * traffic), BENCH_DAYS local days (365) ending yesterday.
 *
 * Generating and keeping a whole year of raw events is what production never does (raw events
 * live 30 days), and storing 10 M of them at once is too slow for a bench run on a 2-core
 * machine. So the year is replayed day by day, as production lives it: each day's events of
 * every site go in through the product's insert (`insertEvents`, one COPY per batch), the
 * previous local day — complete now, sessions past midnight included — is recomputed by the
 * aggregation's own `recomputeDailyStats` (with its month's rollup, in the same transaction, as
 * every scheduled run does; a week of days per call), and raw events older than BENCH_RAW_DAYS
 * (30) are deleted, as the retention job would. The daily and monthly rows are therefore exactly
 * what the pipeline makes from that traffic; only the clock is simulated.
 *
 * The data directory is kept under bench/.data/, named by the seed and the sizes, and reused
 * when complete (`meta.json` is written last): a second run starts in seconds. Delete the
 * directory (or change BENCH_SEED) to rebuild.
 */
import type { Payload } from "payload";

import { sql } from "@payloadcms/db-postgres";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getPayload } from "payload";

import type { PostgresHandle } from "../scripts/services.js";

import { buildDevConfig } from "../dev/buildConfig.js";
import { migrations } from "../dev/migrations/index.js";
import { seedIfEmpty } from "../dev/seed.js";
import { startPostgres } from "../scripts/services.js";
import { monthOf } from "../src/core/months.js";
import { insertEvents } from "../src/store/insertEvents.js";
import { recomputeDailyStats } from "../src/store/recomputeDailyStats.js";
import { envNumber } from "./envNumber.js";
import { eventsOf, storeModelSites } from "./model/events.js";
import { TrafficModel } from "./model/traffic.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DATABASE = "bench_year";
const BATCH_SIZE = 5_000;
const WEEK = 7;

export interface YearDataOptions {
  /** Events per average day over all sites (70,000 gives the largest site ≈ 10 M a year). */
  dailyEvents: number;
  days: number;
  rawDays: number;
  seed: number;
  sites: number;
}

/** The knobs, from the environment (bench:query). */
export const yearDataOptions = (): YearDataOptions => ({
  dailyEvents: envNumber("BENCH_DAILY_EVENTS", 70_000),
  days: envNumber("BENCH_DAYS", 365),
  rawDays: envNumber("BENCH_RAW_DAYS", 30),
  seed: envNumber("BENCH_SEED", 20261204),
  sites: envNumber("BENCH_SITES", 20),
});

/** What the build made, saved beside the data (its presence marks the build complete). */
export interface YearMeta {
  buildSeconds: number;
  builtAt: string;
  dailyRows: number;
  /** Events stored per model site over the year (the ingest's bot drop applied). */
  eventsPerSite: number[];
  firstDay: string;
  lastDay: string;
  monthlyRows: number;
  options: YearDataOptions;
  rawEventsKept: number;
  /**
   * The dev app's last migration when the data was built: data older than `DATA_SCHEMA` lacks
   * what the read benches read (e.g. the visits table), so it is rebuilt, not measured.
   */
  schema: string;
  /** Payload ids of the model sites, by model index (index 0: the busiest). */
  siteIds: Array<number | string>;
}

export interface YearData {
  databaseUri: string;
  meta: YearMeta;
  postgres: PostgresHandle;
  /** Stop and start Postgres on the same port and data (its shared buffers start empty). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

type Drizzle = {
  execute: (
    query: unknown,
  ) => Promise<{ rows: Array<Record<string, unknown>> }>;
};
const db = (p: Payload) => (p.db as unknown as { drizzle: Drizzle }).drizzle;
const dayBefore = (day: string, n = 1) =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) - n * 86_400_000)
    .toISOString()
    .slice(0, 10);
const round = (value: number, digits = 1) =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/** The schema the data is built for: the dev app's last migration. */
const SCHEMA = migrations.at(-1)?.name ?? "";
/**
 * The oldest schema whose data the read benches can use: the migration that added the last thing
 * they read (the visits table: the Analytics view's goals). Data built for it or a later one is
 * kept — the app runs its newer migrations on it at start (a column added since, such as the
 * visits' `pages`, stays empty, and what reads it falls back as after any upgrade); older data is
 * rebuilt. Migration names begin with their time, so they compare as text.
 */
const DATA_SCHEMA = "20261204_221909_merged_visits";
const usable = (schema: string | undefined) => schema !== undefined && schema >= DATA_SCHEMA;

export const yearDataDir = (options: YearDataOptions): string =>
  path.join(
    root,
    "bench/.data",
    `year-s${options.seed}-e${options.dailyEvents}-n${options.sites}-d${options.days}-r${options.rawDays}`,
  );

async function build(
  databaseUri: string,
  options: YearDataOptions,
  log: (message: string) => void,
): Promise<YearMeta> {
  const started = performance.now();
  // The schema the app's own migrations make (the app runs them again on start: a no-op then).
  const payload = await getPayload({
    config: buildDevConfig({ databaseUri, push: false, seed: false }),
    key: `bench-year:${databaseUri}`,
  });
  try {
    await payload.db.migrate({
      migrations: migrations as unknown as Parameters<
        typeof payload.db.migrate
      >[0] extends { migrations?: infer M }
        ? M
        : never,
    });
    await seedIfEmpty(payload);
    const cfg = payload.analytics!.config;
    const model = new TrafficModel({
      dailyEvents: options.dailyEvents,
      name: "year",
      seed: options.seed,
      sites: options.sites,
    });
    const sites = await storeModelSites(payload, model);
    const siteIds = sites.map((site) => site.ref.id);
    log(
      `year data: schema, demo seed and ${sites.length} model sites ready (${round((performance.now() - started) / 1000)} s)`,
    );
    const zoneOf = new Map(
      sites.map((site, index) => [
        String(site.ref.id),
        model.sites[index]!.timeZone,
      ]),
    );
    const timeZoneOf = (siteId: number | string) =>
      zoneOf.get(String(siteId)) ?? "UTC";
    const lastDay = dayBefore(new Date().toISOString().slice(0, 10));
    const firstDay = dayBefore(lastDay, options.days - 1);
    const eventsPerSite = sites.map(() => 0);
    const recompute = (days: readonly string[]) =>
      recomputeDailyStats(
        payload,
        cfg,
        siteIds.flatMap((siteId) => days.map((day) => ({ day, siteId }))),
        { timeZoneOf },
      );
    // Complete days wait here and are recomputed a week (or the rest of a month) at a time: the
    // same statements per day, but the month's rollup, which every call redoes, once per call.
    let pending: string[] = [];
    const flush = async () => {
      if (pending.length > 0) await recompute(pending);
      pending = [];
    };
    for (let index = 0; index < options.days; index++) {
      const day = dayBefore(lastDay, options.days - 1 - index);
      for (const site of model.sites) {
        const events = eventsOf(model, model.dayHits(site.index, day), sites);
        for (let start = 0; start < events.length; start += BATCH_SIZE)
          await insertEvents(
            payload,
            cfg,
            events.slice(start, start + BATCH_SIZE),
          );
        eventsPerSite[site.index]! += events.length;
      }
      // The day before is complete now (sessions that began on it and ran past midnight included).
      if (index > 0) {
        const complete = dayBefore(day);
        if (
          pending.length >= WEEK ||
          (pending.length > 0 && monthOf(pending[0]!) !== monthOf(complete))
        )
          await flush();
        pending.push(complete);
      }
      // Raw events past the retention, as the daily retention job deletes them (from a UTC
      // midnight a day early: every time zone keeps its last BENCH_RAW_DAYS local days whole),
      // but none of a day still waiting for its recompute.
      const keepFrom = [
        dayBefore(day, options.rawDays + 1),
        ...pending.slice(0, 1).map((first) => dayBefore(first)),
      ].sort()[0]!;
      await db(payload).execute(
        sql`DELETE FROM analytics_events WHERE timestamp < ${`${keepFrom}T00:00:00.000Z`}::timestamptz`,
      );
      if (index % 10 === 9 || index === options.days - 1) {
        const total = eventsPerSite.reduce((a, b) => a + b, 0);
        log(
          `year data: ${day} done (${index + 1}/${options.days} days, ${total.toLocaleString("en-US")} events so far, ${round((performance.now() - started) / 1000)} s)`,
        );
      }
    }
    // The last day, and the morning after it that the last sessions ran into.
    await flush();
    await recompute([lastDay, dayBefore(lastDay, -1)]);
    await db(payload).execute(sql`VACUUM ANALYZE`);
    const [counts] = (
      await db(payload).execute(
        sql`SELECT (SELECT count(*) FROM analytics_daily_stats)::bigint AS daily, (SELECT count(*) FROM analytics_monthly_stats)::bigint AS monthly, (SELECT count(*) FROM analytics_events)::bigint AS raw`,
      )
    ).rows;
    return {
      buildSeconds: round((performance.now() - started) / 1000),
      builtAt: new Date().toISOString(),
      dailyRows: Number(counts?.daily),
      eventsPerSite,
      firstDay,
      lastDay,
      monthlyRows: Number(counts?.monthly),
      options,
      rawEventsKept: Number(counts?.raw),
      schema: SCHEMA,
      siteIds,
    };
  } finally {
    await payload.destroy();
  }
}

/**
 * The year's database, built unless a complete one exists for these options: Postgres on a
 * free port with production durability (the build itself runs with `fsync=off`: what it
 * writes is the same, and a clean shutdown makes it durable).
 */
export async function openYearData(
  options: YearDataOptions,
  log: (message: string) => void,
): Promise<YearData> {
  const dir = yearDataDir(options);
  const dataDir = path.join(dir, "postgres");
  const metaFile = path.join(dir, "meta.json");
  const built = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, "utf8")) as Partial<YearMeta>) : null;
  if (built && !usable(built.schema)) {
    log(`the year data in ${path.relative(root, dir)} was built for schema ${built.schema ?? "(unnamed)"}, older than ${DATA_SCHEMA}: rebuilding it`);
  }
  if (!usable(built?.schema)) {
    rmSync(dir, { force: true, recursive: true });
    mkdirSync(dir, { recursive: true });
    log(
      `building the year data in ${path.relative(root, dir)} (once for these options; ${options.dailyEvents.toLocaleString("en-US")} events a day over ${options.sites} sites, ${options.days} days)…`,
    );
    const builder = await startPostgres({ dataDir });
    try {
      const meta = await build(
        await builder.createDatabase(DATABASE),
        options,
        log,
      );
      await builder.stop();
      writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
      log(`year data built in ${meta.buildSeconds} s`);
    } catch (error) {
      await builder.stop().catch(() => undefined);
      rmSync(dir, { force: true, recursive: true });
      throw error;
    }
  }
  const meta = JSON.parse(readFileSync(metaFile, "utf8")) as YearMeta;
  let postgres = await startPostgres({ dataDir, durable: true });
  const port = postgres.port;
  return {
    databaseUri: postgres.uri(DATABASE),
    meta,
    get postgres() {
      return postgres;
    },
    async restart() {
      await postgres.stop();
      postgres = await startPostgres({ dataDir, durable: true, port });
    },
    stop: () => postgres.stop(),
  };
}
