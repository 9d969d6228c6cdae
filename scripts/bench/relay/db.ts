import pg from "pg";
import { createDatabaseFrom, dropDatabase } from "../../../server/db/databases.ts";
import { migrate } from "../../../server/db/migrate.ts";
import { env } from "../../../server/env.ts";

/**
 * The benchmark's own database, copied from the extension-ready test template, migrated,
 * and dropped at the end. No other database is touched.
 */
export const BENCH_DB = "sitesync_bench_relay";
const TEMPLATE_DB = "sitesync_test";

const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

export const benchUrls = {
  owner: withDatabase(env.MIGRATION_DATABASE_URL, BENCH_DB),
  app: withDatabase(env.DATABASE_URL, BENCH_DB),
  service: withDatabase(env.SERVICE_DATABASE_URL, BENCH_DB),
};

async function admin(fn: (c: pg.Client) => Promise<void>): Promise<void> {
  const c = new pg.Client({
    connectionString: withDatabase(env.MIGRATION_DATABASE_URL, "postgres"),
  });
  await c.connect();
  try {
    await fn(c);
  } finally {
    await c.end();
  }
}

export async function createBenchDatabase(): Promise<number> {
  await admin(async (c) => {
    await dropDatabase(c, BENCH_DB);
    // A test run may be copying the same template at this moment.
    await createDatabaseFrom(c, BENCH_DB, TEMPLATE_DB);
  });
  const applied = (await migrate(benchUrls.owner)).applied.length;
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

export async function dropBenchDatabase(): Promise<void> {
  await admin(async (c) => {
    await dropDatabase(c, BENCH_DB);
  });
}

export async function serviceClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: benchUrls.service });
  await c.connect();
  return c;
}

/** Backend pids connected to the bench database (for CPU attribution). */
export async function benchBackendPids(): Promise<number[]> {
  const c = await serviceClient();
  try {
    const { rows } = await c.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [BENCH_DB],
    );
    return rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}
