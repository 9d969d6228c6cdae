import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { createDatabaseFrom, dropDatabase } from "../../server/db/databases.ts";
import { urlFor } from "./db-names.ts";

/**
 * Each test file gets a private copy of the migrated template and a private Redis key
 * prefix, so files run in parallel without seeing each other's rows or keys. The URLs are
 * placed in process.env before the file imports any app module (env.ts reads them).
 */
const template = inject("templateDb");
const database = `${template.replace(/_tpl$/, "")}_${process.pid}_${randomBytes(4).toString("hex")}`;

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: urlFor("owner", "postgres") });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

await withAdmin((admin) => createDatabaseFrom(admin, database, template));

process.env.DATABASE_URL = urlFor("app", database);
process.env.SERVICE_DATABASE_URL = urlFor("service", database);
process.env.MIGRATION_DATABASE_URL = urlFor("owner", database);
process.env.REDIS_KEY_PREFIX = database;
process.env.TEST_DATABASE_NAME = database;

afterAll(async () => {
  await withAdmin((admin) => dropDatabase(admin, database));
});
