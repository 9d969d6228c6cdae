import pg from "pg";
import type { DatabasePool, Interceptor } from "slonik";
import { createDatabasePool } from "../../server/db/pool.ts";
import type { TenantContext } from "../../server/db/tenant-context.ts";

/**
 * The plans of exactly what a piece of work runs: `work` runs once through a
 * one-connection pool on `url` that records every statement, then each SELECT/WITH of
 * them is EXPLAIN (ANALYZE, BUFFERS)ed on the same URL (so as the same role, e.g.
 * sitesync_app) under `context`'s RLS settings, inside a transaction that is rolled
 * back. Benchmarks record these next to their timings (docs/benchmarks.md: plans come
 * from the statements the server really sends, not from a hand-written copy).
 */
export async function explainStatements(
  url: string,
  context: TenantContext,
  work: (db: DatabasePool) => Promise<unknown>,
): Promise<string[]> {
  const captured: Array<{ sql: string; values: readonly unknown[] }> = [];
  const capture: Interceptor = {
    name: "bench-capture",
    beforeQueryExecution: (_context, query) => {
      captured.push({ sql: query.sql, values: query.values });
      return null;
    },
  };
  const db = await createDatabasePool(url, { maxPoolSize: 1, interceptors: [capture] });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(db);
    await client.query("BEGIN");
    await client.query(
      "SELECT set_config('app.current_org', $1, true), set_config('app.current_user', $2, true)",
      [context.organizationId ?? "", context.userId ?? ""],
    );
    const plans: string[] = [];
    for (const q of captured) {
      if (!/^\s*(SELECT|WITH)/i.test(q.sql) || q.sql.includes("set_config(")) continue;
      const { rows } = await client.query<{ "QUERY PLAN": string }>(
        `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON) ${q.sql}`,
        [...q.values],
      );
      plans.push(rows.map((r) => r["QUERY PLAN"]).join("\n"));
    }
    return plans;
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
    await db.end();
  }
}
