import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/**
 * Loads the synthetic dispatch data set (scripts/data/dispatch-dataset.sql) into a
 * database: `orgs` organisations with `perOrg` work orders each, in one transaction as
 * the schema owner, then VACUUM ANALYZE so plans and index-only scans see real statistics.
 * Used by scripts/bench-dispatch.ts (1,000,000 rows) and the EXPLAIN test (20,000 rows).
 * Only ever point it at a dedicated database: it relaxes FORCE RLS and triggers inside
 * its own transaction (restored before COMMIT).
 */
export async function loadDispatchDataset(
  ownerUrl: string,
  options: { orgs: number; perOrg: number },
): Promise<{ seconds: number }> {
  const file = path.resolve(import.meta.dirname, "dispatch-dataset.sql");
  const text = (await readFile(file, "utf8"))
    .replaceAll(":orgs", String(Math.trunc(options.orgs)))
    .replaceAll(":per_org", String(Math.trunc(options.perOrg)));
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const started = performance.now();
  try {
    await client.query("BEGIN");
    await client.query(text);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
  try {
    for (const table of [
      "organizations",
      "users",
      "sites",
      "elevators",
      "contractors",
      "work_orders",
    ]) {
      await client.query(`VACUUM ANALYZE ${table}`);
    }
  } finally {
    await client.end();
  }
  return { seconds: (performance.now() - started) / 1000 };
}
