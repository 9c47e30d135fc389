/**
 * `npm run bench:query`: latency of `GET /api/analytics/stats` for the busiest of 20 sites
 * over a year of statistics made by the pipeline from the traffic model — 30 days, 365 days,
 * and 365 days with 5 breakdowns — through the dev app built for production (`next start`:
 * the Next route a real app serves, authenticated as the demo super-admin with a JWT).
 *
 * The data: bench/yearData.ts (the model's events replayed day by day through the product's
 * insert, daily recompute and monthly rollup; built once per seed and size, then reused).
 *
 * Samples, interleaved: every round asks each case (in rotating order) once **cold** — our
 * stats cache emptied and every Postgres backend of the app's database terminated, so the
 * request pays a new connection too — and at once again **cached**; and the same for a
 * reference, `GET /api/users/me` (the cheapest authenticated request through the same route:
 * what any request costs here). BENCH_SAMPLES rounds (≥ 200: p95/p99 are ranks, not the
 * maximum). Then **after a Postgres restart** (empty shared buffers; the OS page cache stays
 * warm), BENCH_RESTARTS requests of each case, each right after its own restart, reported apart.
 * Every answer must be 200 with a series, and cold and cached answers must be equal.
 *
 * Environment (optional): BENCH_SAMPLES=200, BENCH_RESTARTS=5, BENCH_REUSE_BUILD=1 (reuse
 * dev/.next), and the data's knobs BENCH_DAILY_EVENTS=70000 (all sites: the busiest ≈ 9 M events
 * a year, ≈ 23 M in all; its one-off build ≈ 30 min here; 7000 builds in ≈ 6 min), BENCH_SITES=20,
 * BENCH_DAYS=365, BENCH_RAW_DAYS=30, BENCH_SEED.
 * Progress goes to stdout; the LAST line is one JSON object with the figures, the reference,
 * the load average, the targets and `valid`. The exit code is 0 unless the bench itself failed.
 */
import type { ReadBench } from "./readBench.js";

import { createStatsStore } from "../src/store/statsQueries.js";
import { envNumber } from "./envNumber.js";
import { load, round, startReadBench, summary } from "./readBench.js";
import { runBench } from "./runBench.js";

process.env.NEXT_TELEMETRY_DISABLED = "1";

const SAMPLES = envNumber("BENCH_SAMPLES", 200);
const RESTARTS = envNumber("BENCH_RESTARTS", 5);
/** The issue's targets: p95 of cold requests, in ms (read from the JSON; the exit code does not judge them). */
const TARGETS = { "365d": 50, "365d-5breakdowns": 200 } as const;

const log = (message: string) => console.log(`[bench:query] ${message}`);
const dayBefore = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00.000Z`) - n * 86_400_000)
    .toISOString()
    .slice(0, 10);

let bench: null | ReadBench = null;

async function main() {
  const loadAtStart = load();
  bench = await startReadBench(log);
  const { app, data, token } = bench;
  const { meta } = data;
  const site = meta.siteIds[0]!;
  // "The last 365 days" as a user asks: up to today (whose statistics are still to come), from
  // the oldest day the stats retention (365 days) keeps; the data's year ends yesterday.
  const today = new Date().toISOString().slice(0, 10);
  const [first, last] = [dayBefore(today, 364), today];
  log(
    `data: ${meta.options.sites} sites, ${meta.eventsPerSite.reduce((a, b) => a + b, 0).toLocaleString("en-US")} events ` +
      `(data ${meta.firstDay} … ${meta.lastDay}; the busiest, site ${site}: ${meta.eventsPerSite[0]!.toLocaleString("en-US")}), ${meta.dailyRows.toLocaleString("en-US")} daily and ${meta.monthlyRows.toLocaleString("en-US")} monthly rows; app at ${app.url}`,
  );
  const cases = {
    "30d": `/api/analytics/stats?siteId=${site}&from=${dayBefore(last, 29)}&to=${last}`,
    "365d": `/api/analytics/stats?siteId=${site}&from=${first}&to=${last}`,
    "365d-5breakdowns": `/api/analytics/stats?siteId=${site}&from=${first}&to=${last}&breakdown=pages,sources,countries,browsers,devices`,
    reference: "/api/users/me",
  } as const;
  type Case = keyof typeof cases;
  const names = Object.keys(cases) as Case[];
  const headers = { authorization: `JWT ${token}` };
  let failures = 0;
  const timed = async (name: Case) => {
    const started = performance.now();
    const response = await fetch(`${app.url}${cases[name]}`, { headers });
    const text = await response.text();
    const ms = performance.now() - started;
    const body = JSON.parse(text) as {
      series?: unknown[];
      totals?: { pageviews: number };
      user?: unknown;
    };
    if (
      response.status !== 200 ||
      (name === "reference" ? !body.user : !body.series)
    ) {
      failures++;
      log(`${name}: ${response.status} ${text.slice(0, 300)}`);
    }
    return { body, ms, text };
  };

  // The app's own first requests (module loading, JIT) are no one's latency.
  for (const name of names) await timed(name);
  const samples = Object.fromEntries(
    names.map((name) => [
      name,
      { cached: [] as number[], cold: [] as number[] },
    ]),
  ) as Record<Case, { cached: number[]; cold: number[] }>;
  let mismatches = 0;
  const sampleStarted = performance.now();
  for (let round_ = 0; round_ < SAMPLES; round_++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round_ + i) % names.length]!;
      await bench.cold();
      const cold = await timed(name);
      const cached = await timed(name);
      samples[name].cold.push(cold.ms);
      samples[name].cached.push(cached.ms);
      if (name !== "reference" && cold.text !== cached.text) mismatches++;
    }
    if (round_ % 50 === 49)
      log(
        `${round_ + 1}/${SAMPLES} rounds (${round((performance.now() - sampleStarted) / 1000)} s; load ${load().join(" ")})`,
      );
  }
  const results = Object.fromEntries(
    names.map((name) => [
      name,
      {
        cached: summary(samples[name].cached),
        cold: summary(samples[name].cold),
      },
    ]),
  ) as Record<
    Case,
    { cached: ReturnType<typeof summary>; cold: ReturnType<typeof summary> }
  >;
  for (const name of names) {
    log(
      `${name}: cold p50 ${results[name].cold.p50Ms} ms, p95 ${results[name].cold.p95Ms} ms, p99 ${results[name].cold.p99Ms} ms; cached p50 ${results[name].cached.p50Ms} ms, p95 ${results[name].cached.p95Ms} ms (${SAMPLES} each)`,
    );
  }

  // After a restart of Postgres: one request per restart, each case in turn.
  const afterRestart = Object.fromEntries(
    names.map((name) => [name, [] as number[]]),
  ) as Record<Case, number[]>;
  for (let i = 0; i < RESTARTS; i++) {
    for (const name of names) {
      await bench.restartPostgres();
      afterRestart[name].push((await timed(name)).ms);
    }
  }
  const restartResults = Object.fromEntries(
    names.map((name) => [
      name,
      {
        maxMs: round(Math.max(...afterRestart[name]), 2),
        medianMs: summary(afterRestart[name]).p50Ms,
        runsMs: afterRestart[name].map((ms) => round(ms, 1)),
      },
    ]),
  );
  log(
    `after a Postgres restart (median of ${RESTARTS}): ${names.map((name) => `${name} ${restartResults[name]!.medianMs} ms`).join(", ")}`,
  );

  // The rollup changes where sums come from, never what they are.
  const dimensions = [
    "page",
    "source",
    "country",
    "browser",
    "device",
  ] as const;
  const config = app.payload.analytics!.config;
  const viaRollup = await createStatsStore(app.payload, config).topKeys(
    [site],
    first,
    last,
    [...dimensions],
    10,
  );
  const dailyOnly = await createStatsStore(app.payload, config, {
    monthlyRollup: false,
    pruneBreakdowns: false,
  }).topKeys([site], first, last, [...dimensions], 10);
  const rollupEqual = JSON.stringify(viaRollup) === JSON.stringify(dailyOnly);
  log(
    `breakdowns through the monthly rollup ${rollupEqual ? "equal" : "DIFFER FROM"} the daily-only query`,
  );

  const { reference, ...figures } = results;
  const targets = Object.fromEntries(
    (Object.keys(TARGETS) as Array<keyof typeof TARGETS>).map((name) => [
      name,
      {
        met: results[name].cold.p95Ms < TARGETS[name],
        p95ColdMs: results[name].cold.p95Ms,
        targetP95Ms: TARGETS[name],
      },
    ]),
  );
  return {
    bench: "query",
    valid: failures === 0 && mismatches === 0 && rollupEqual,
    loadAverage: { end: load(), start: loadAtStart },
    figures,
    reference: {
      what: "GET /api/users/me through the same app and route (the cost of any authenticated request)",
      ...reference,
    },
    afterPostgresRestart: restartResults,
    targets,
    check: {
      coldCachedMismatches: mismatches,
      failures,
      rollupEqualsDailyOnly: rollupEqual,
    },
    setup: {
      cold: "stats cache emptied + every Postgres backend of the database terminated (a new connection per cold request)",
      data: {
        ...meta.options,
        busiestSiteEvents: meta.eventsPerSite[0],
        dailyRows: meta.dailyRows,
        events: meta.eventsPerSite.reduce((a, b) => a + b, 0),
        firstDay: meta.firstDay,
        lastDay: meta.lastDay,
        range: { from: first, to: last },
        monthlyRows: meta.monthlyRows,
      },
      restarts: RESTARTS,
      route: "next start (dev app, production build) → /api/analytics/stats",
      samples: SAMPLES,
    },
  };
}

async function cleanup() {
  await bench?.stop();
  bench = null;
}

runBench(main, cleanup, log);
