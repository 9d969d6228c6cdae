import pg from "pg";
import { migrate } from "../../server/db/migrate.ts";
import { BASE_DB, FILE_DB_PREFIX, TEMPLATE_DB, urlFor } from "./db-names.ts";

async function dropFileDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE $1",
    [`${FILE_DB_PREFIX}%`],
  );
  for (const { datname } of rows) {
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
}

/** Migrates a template database once; every test file then copies it (see per-file.ts). */
export default async function setup(): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: urlFor("owner", "postgres") });
  await admin.connect();
  await dropFileDatabases(admin);
  await admin.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DB}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${TEMPLATE_DB}" TEMPLATE "${BASE_DB}"`);
  await migrate(urlFor("owner", TEMPLATE_DB));
  return async () => {
    await dropFileDatabases(admin);
    await admin.end();
  };
}
