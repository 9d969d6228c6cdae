import type pg from "pg";

/**
 * Creating and dropping whole databases: the test run's template and per-file copies, and
 * the benchmarks' own databases. Run as the owner role connected to another database.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * CREATE DATABASE … TEMPLATE, retried while another session is copying or connected to the
 * same template (parallel test files, a test run and a benchmark at once).
 */
export async function createDatabaseFrom(
  admin: pg.Client,
  name: string,
  template: string,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      return;
    } catch (err) {
      if (attempt >= 50 || !/being accessed by other users/.test(messageOf(err))) throw err;
      await sleep(100 + Math.random() * 200);
    }
  }
}

/**
 * DROP DATABASE IF EXISTS … WITH (FORCE), which ends our own roles' leftover sessions.
 * On PostgreSQL 15 FORCE refuses outright when an autovacuum worker happens to be in the
 * database and the role lacks pg_signal_backend ("must be a member of the role whose
 * process is being terminated"): then a plain DROP, which stops autovacuum workers itself
 * (and waits up to 5 s for other sessions), and FORCE again if sessions remain.
 */
export async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (err) {
      if (attempt >= 5 || !/whose process is being terminated/.test(messageOf(err))) throw err;
    }
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
      return;
    } catch (err) {
      if (!/being accessed by other users/.test(messageOf(err))) throw err;
    }
  }
}
