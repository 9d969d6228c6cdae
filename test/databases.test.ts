import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabaseFrom, dropDatabase } from "../server/db/databases.ts";
import { urlFor } from "./setup/db-names.ts";

// The helpers every test file's set-up and teardown use (test/setup/) and the benchmarks.
const admin = new pg.Client({ connectionString: urlFor("owner", "postgres") });
const source = process.env.TEST_DATABASE_NAME as string;
const name = (what: string) => `${source}_${what}_${randomBytes(3).toString("hex")}`;
const exists = async (db: string) =>
  (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [db])).rowCount === 1;

beforeAll(() => admin.connect());
afterAll(() => admin.end());

describe("createDatabaseFrom", () => {
  it("retries while another session is connected to the template, then copies it", async () => {
    const template = name("tpl");
    const copy = name("copy");
    await createDatabaseFrom(admin, template, source);
    const holder = new pg.Client({ connectionString: urlFor("app", template) });
    await holder.connect();
    try {
      const creating = createDatabaseFrom(admin, copy, template);
      // Postgres itself waits 5 s for the template's other sessions before refusing, so
      // holding it for 6 s makes the first attempt fail and a retry go through.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(await exists(copy)).toBe(false);
      await holder.end();
      await creating;
      expect(await exists(copy)).toBe(true);
    } finally {
      await holder.end().catch(() => {});
      await dropDatabase(admin, copy);
      await dropDatabase(admin, template);
    }
  }, 20_000);
});

describe("dropDatabase", () => {
  it("ends the sessions still connected (another role's) and drops; a missing one is no error", async () => {
    const db = name("drop");
    await createDatabaseFrom(admin, db, source);
    const leftover = new pg.Client({ connectionString: urlFor("service", db) });
    leftover.on("error", () => {}); // it is terminated on purpose
    await leftover.connect();
    await dropDatabase(admin, db);
    expect(await exists(db)).toBe(false);
    await expect(leftover.query("SELECT 1")).rejects.toThrow();
    await dropDatabase(admin, db);
  });
});
