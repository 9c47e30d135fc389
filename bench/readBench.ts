/**
 * What the read benches need (bench:query; bench:admin to follow): the year of pipeline-made data (bench/yearData.ts)
 * served by the dev app built for production (`next build` + `next start`, scripts/prodApp.ts:
 * the route a real app serves, with its middleware, auth and Payload's REST handler), the
 * demo super-admin's token, and what "cold" means — our stats cache empty AND a fresh Postgres
 * connection: every backend of the app's database is terminated before a cold sample, so the
 * app's pool connects anew (connection start-up, authentication, empty catalog caches) — and
 * a Postgres restart (empty shared buffers) for the figure reported apart.
 */
import { loadavg } from "node:os";
import pg from "pg";

import type { E2EApp } from "../scripts/prodApp.js";
import type { YearData } from "./yearData.js";

import { DEMO_USERS } from "../dev/seed.js";
import { startApp } from "../scripts/prodApp.js";
import { openYearData, yearDataOptions } from "./yearData.js";

export const round = (value: number, digits = 1) =>
  Math.round(value * 10 ** digits) / 10 ** digits;
export const load = () => loadavg().map((value) => round(value, 2));

const percentile = (sorted: number[], p: number) =>
  sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ]!;

/** p50/p95/p99 of samples in ms (nearest rank: with 200 samples p99 is the 198th, not the maximum). */
export function summary(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50Ms: round(percentile(sorted, 50), 2),
    p95Ms: round(percentile(sorted, 95), 2),
    p99Ms: round(percentile(sorted, 99), 2),
  };
}

export interface ReadBench {
  app: E2EApp;
  data: YearData;
  /** The demo super-admin's JWT. */
  token: string;
  /** Empty our stats cache and make the app's next query open a new Postgres connection. */
  cold(): Promise<void>;
  /** Restart Postgres (empty shared buffers; the OS page cache stays warm) and empty our stats cache. */
  restartPostgres(): Promise<void>;
  stop(): Promise<void>;
}

/** The data (built or reused), the app on it, and a super-admin session. */
export async function startReadBench(
  log: (message: string) => void,
): Promise<ReadBench> {
  const data = await openYearData(yearDataOptions(), log);
  let app: E2EApp | null = null;
  let admin: null | pg.Client = null;
  const stop = async () => {
    await admin?.end().catch(() => undefined);
    await app?.stop().catch(() => undefined);
    await data.stop().catch(() => undefined);
  };
  try {
    if (process.env.BENCH_REUSE_BUILD === "1")
      process.env.E2E_REUSE_BUILD = "1";
    app = await startApp({ databaseUri: data.databaseUri });
    const login = await fetch(`${app.url}/api/users/login`, {
      body: JSON.stringify(DEMO_USERS.superAdmin),
      headers: { "content-type": "application/json" },
      method: "POST",
    });
    const { token } = (await login.json()) as { token: string };
    const database = new URL(data.databaseUri).pathname.slice(1);
    const connectAdmin = async () => {
      admin = new pg.Client({
        connectionString: data.postgres.uri("postgres"),
      });
      admin.on("error", () => undefined); // a restart ends it; it is replaced then
      await admin.connect();
    };
    await connectAdmin();
    const stats = app.payload.analytics!.stats;
    return {
      app,
      async cold() {
        await stats.invalidate("all");
        await admin!.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [database],
        );
        // Until the backends are gone, and a moment more for the pools to drop their closed clients.
        for (let i = 0; i < 100; i++) {
          const { rows } = await admin!.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
            [database],
          );
          if (rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      },
      data,
      async restartPostgres() {
        await admin!.end().catch(() => undefined);
        await data.restart();
        await connectAdmin();
        await stats.invalidate("all");
        await new Promise((resolve) => setTimeout(resolve, 200));
      },
      stop,
      token,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
