import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { createDatabaseFrom, dropDatabase } from "../../../server/db/databases.ts";
import { migrate } from "../../../server/db/migrate.ts";
import { env } from "../../../server/env.ts";
import { admin, withDatabase } from "../quality-db.ts";

/** The messaging benchmark's own database: never the test databases, never the dev one. */
export const BENCH_DB = "sitesync_bench_messaging";
const BASE_DB = "sitesync_test";

export const benchUrls = {
  owner: withDatabase(env.MIGRATION_DATABASE_URL, BENCH_DB),
  app: withDatabase(env.DATABASE_URL, BENCH_DB),
  service: withDatabase(env.SERVICE_DATABASE_URL, BENCH_DB),
};

export const DATASET = { orgs: 10, usersPerOrg: 500, threads: 45_000, messages: 1_000_000 };

async function messageCount(): Promise<number> {
  const c = new pg.Client({ connectionString: benchUrls.service });
  await c.connect();
  try {
    return Number((await c.query("SELECT count(*) AS n FROM messages")).rows[0]?.n ?? 0);
  } catch {
    return 0;
  } finally {
    await c.end();
  }
}

/**
 * Builds (or reuses, unless `fresh`) the benchmark database: the extension-ready base
 * database, every migration, then scripts/data/messaging-dataset.sql in one transaction
 * and VACUUM ANALYZE, so plans see real statistics and index-only scans a visibility map.
 */
export async function prepareMessagingDatabase(fresh: boolean): Promise<void> {
  const exists = await admin(
    async (c) =>
      (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [BENCH_DB])).rowCount === 1,
  );
  if (exists && !fresh) {
    await migrate(benchUrls.owner);
    const n = await messageCount();
    if (n >= DATASET.messages * 0.99) {
      console.log(`reusing ${BENCH_DB} (${n.toLocaleString()} messages); --fresh rebuilds it`);
      return;
    }
  }
  await admin(async (c) => {
    await dropDatabase(c, BENCH_DB);
    await createDatabaseFrom(c, BENCH_DB, BASE_DB);
  });
  const migrated = await migrate(benchUrls.owner);
  console.log(`created ${BENCH_DB}, applied ${migrated.applied.length} migrations`);
  const text = (
    await readFile(path.resolve(import.meta.dirname, "../../data/messaging-dataset.sql"), "utf8")
  )
    .replaceAll(":orgs", String(DATASET.orgs))
    .replaceAll(":users_per_org", String(DATASET.usersPerOrg))
    .replaceAll(":threads", String(DATASET.threads))
    .replaceAll(":messages", String(DATASET.messages));
  const client = new pg.Client({ connectionString: benchUrls.owner });
  await client.connect();
  const started = performance.now();
  try {
    console.log(`loading ${DATASET.messages.toLocaleString()} messages…`);
    await client.query("BEGIN");
    await client.query(text);
    await client.query("COMMIT");
    for (const table of ["organizations", "users", "messages", "conversations"]) {
      await client.query(`VACUUM ANALYZE ${table}`);
    }
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
  console.log(`loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
