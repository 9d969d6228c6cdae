import pg from "pg";
import { scratchDatabase } from "../../lib/scratch-database.ts";

/**
 * The benchmark's own database (scripts/lib/scratch-database.ts), dropped at the end. No
 * other database is touched.
 */
export const BENCH_DB = "sitesync_bench_relay";
const bench = scratchDatabase(BENCH_DB);
export const benchUrls = bench.urls;

export async function createBenchDatabase(): Promise<number> {
  const applied = await bench.create();
  // The raw NOTIFY ceiling's durable write (raw-notify.ts).
  const owner = new pg.Client({ connectionString: benchUrls.owner });
  await owner.connect();
  try {
    await owner.query(`CREATE TABLE bench_notify_log (id bigserial PRIMARY KEY);
      GRANT INSERT ON bench_notify_log TO sitesync_service;
      GRANT USAGE ON SEQUENCE bench_notify_log_id_seq TO sitesync_service`);
  } finally {
    await owner.end();
  }
  return applied;
}

export const dropBenchDatabase = (): Promise<void> => bench.drop();

export async function serviceClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: benchUrls.service });
  await c.connect();
  return c;
}

/** Backend pids connected to `database`, asked over `url` (for CPU attribution). */
export async function backendPids(url: string, database: string): Promise<number[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    return rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

/** Backend pids connected to the bench database. */
export const benchBackendPids = (): Promise<number[]> => backendPids(benchUrls.service, BENCH_DB);
