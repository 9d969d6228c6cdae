import pg from "pg";
import type { TestProject } from "vitest/node";
import { createDatabaseFrom, dropDatabase } from "../../server/db/databases.ts";
import { migrate } from "../../server/db/migrate.ts";
import { BASE_DB, RUN_DB_PREFIX, templateName, urlFor } from "./db-names.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDb: string;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Drops this run's databases, and those of earlier runs whose process is gone. */
async function dropDatabases(admin: pg.Client, runPid: number, all: boolean): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE $1",
    [`${RUN_DB_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const owner = Number(/^sitesync_t(\d+)_/.exec(datname)?.[1]);
    const mine = owner === runPid;
    if ((mine && all) || (!mine && Number.isFinite(owner) && !alive(owner))) {
      await dropDatabase(admin, datname);
    }
  }
}

/**
 * Migrates a template database once per run; every test file then copies it (per-file.ts).
 * Names carry the run's pid, so several runs on one machine never touch each other's data.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: urlFor("owner", "postgres") });
  await admin.connect();
  const template = templateName(process.pid);
  await dropDatabases(admin, process.pid, true);
  await createDatabaseFrom(admin, template, BASE_DB);
  await migrate(urlFor("owner", template));
  project.provide("templateDb", template);
  return async () => {
    await dropDatabases(admin, process.pid, true);
    await admin.end();
  };
}
