import pg from "pg";
import { createDatabaseFrom, dropDatabase } from "../../server/db/databases.ts";
import { migrate } from "../../server/db/migrate.ts";
import { env } from "../../server/env.ts";

/**
 * A throwaway database for a benchmark or the soak: copied from the extension-ready test
 * template, migrated, dropped at the end. No other database is touched.
 */
const TEMPLATE_DB = "sitesync_test";

export const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

export type ScratchDatabase = {
  name: string;
  urls: { owner: string; app: string; service: string };
  /** (Re)creates and migrates it; returns how many migrations ran. */
  create: () => Promise<number>;
  drop: () => Promise<void>;
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

export function scratchDatabase(name: string): ScratchDatabase {
  const urls = {
    owner: withDatabase(env.MIGRATION_DATABASE_URL, name),
    app: withDatabase(env.DATABASE_URL, name),
    service: withDatabase(env.SERVICE_DATABASE_URL, name),
  };
  return {
    name,
    urls,
    create: async () => {
      await admin(async (c) => {
        await dropDatabase(c, name);
        // A test run may be copying the same template at this moment.
        await createDatabaseFrom(c, name, TEMPLATE_DB);
      });
      return (await migrate(urls.owner)).applied.length;
    },
    drop: () => admin((c) => dropDatabase(c, name)),
  };
}
