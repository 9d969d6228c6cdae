import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/**
 * Forward-only migrations: numbered .sql files, each applied in its own transaction and
 * recorded in schema_migrations. A session advisory lock makes concurrent runs (two
 * processes booting at once) apply each file exactly once. Small enough to read in a
 * minute, which is why it is not a library.
 */
const LOCK_KEY = 727_274_001;

export type MigrationResult = { applied: string[]; skipped: number };

export async function migrate(
  databaseUrl: string,
  dir = path.resolve(import.meta.dirname, "../../migrations"),
  log: (msg: string) => void = () => {},
): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Map<string, string>(
      (
        await client.query<{ name: string; checksum: string }>(
          "SELECT name, checksum FROM schema_migrations",
        )
      ).rows.map((r) => [r.name, r.checksum]),
    );
    const files = (await readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
    const applied: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(dir, file), "utf8");
      const checksum = createHash("sha256").update(text).digest("hex");
      const previous = done.get(file);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(
            `migration ${file} was edited after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(text);
        await client.query("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", [
          file,
          checksum,
        ]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(file);
      log(`applied ${file}`);
    }
    return { applied, skipped: files.length - applied.length };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => {});
    await client.end();
  }
}
