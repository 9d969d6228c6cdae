import { execSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createDatabaseFrom, dropDatabase } from "../../server/db/databases.ts";
import { migrate } from "../../server/db/migrate.ts";
import { env, parseEnv } from "../../server/env.ts";
import { closeRuntime, createRuntime, type Runtime } from "../../server/runtime.ts";
import { seedDemo } from "../data/demo/seed.ts";

/**
 * A private database for the quality benchmarks (diagnosis, search): built from the
 * extension-ready base database, migrated, loaded with the demo data set for a seed and a
 * pinned date, and a real Runtime over it (app pool under RLS, service pool, Redis).
 */
const BASE_DB = "sitesync_test";
/** The same server URL, another database. */
export const withDatabase = (url: string, database: string) => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
};

/** The schema owner connected to database postgres, for CREATE/DROP DATABASE. */
export async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({
    connectionString: withDatabase(env.MIGRATION_DATABASE_URL, "postgres"),
  });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export type QualityDb = { runtime: Runtime; close: () => Promise<void> };

export async function demoDatabase(name: string, seed: number, today: string): Promise<QualityDb> {
  await admin(async (c) => {
    await dropDatabase(c, name);
    await createDatabaseFrom(c, name, BASE_DB);
  });
  await migrate(withDatabase(env.MIGRATION_DATABASE_URL, name));
  const runtime = await createRuntime(
    parseEnv({
      ...process.env,
      DATABASE_URL: withDatabase(env.DATABASE_URL, name),
      SERVICE_DATABASE_URL: withDatabase(env.SERVICE_DATABASE_URL, name),
      MIGRATION_DATABASE_URL: withDatabase(env.MIGRATION_DATABASE_URL, name),
      REDIS_KEY_PREFIX: name,
    }),
  );
  await seedDemo(runtime.serviceDb, { seed, today });
  return {
    runtime,
    close: async () => {
      await closeRuntime(runtime);
      await admin((c) => dropDatabase(c, name));
    },
  };
}

const sh = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
};

/** Date, machine and commit, for the head of a run's entry in docs/benchmarks.md. */
export function runHeader(): string {
  const dirty =
    sh(
      "git status --porcelain --untracked-files=no -- server shared workers migrations scripts",
    ) === ""
      ? ""
      : " (with uncommitted changes)";
  return [
    `- Date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    `- Commit: ${sh("git rev-parse --short HEAD")}${dirty}`,
    `- Machine: ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} (shared machine; ` +
      `quality figures do not depend on load), Node ${process.version}`,
  ].join("\n");
}

/**
 * Appends a run to its section of docs/benchmarks.md (creating the section with its
 * introduction the first time), so earlier runs stay for comparison.
 */
export async function appendRun(heading: string, intro: string, run: string): Promise<void> {
  const file = path.resolve(import.meta.dirname, "../../docs/benchmarks.md");
  let doc = await readFile(file, "utf8");
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start === -1) {
    doc = `${doc.trimEnd()}\n\n## ${heading}\n\n${intro.trim()}\n\n${run.trim()}\n`;
  } else {
    const next = doc.indexOf("\n## ", start + 1);
    const end = next === -1 ? doc.length : next;
    doc = `${doc.slice(0, end).trimEnd()}\n\n${run.trim()}\n${next === -1 ? "" : `\n${doc.slice(next + 1)}`}`;
  }
  await writeFile(file, `${doc.trimEnd()}\n`);
  console.log(`appended to ${path.relative(process.cwd(), file)} (## ${heading})`);
}

/** A plain Markdown table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
