import { readFileSync } from "node:fs";
import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { migrate } from "../server/db/migrate.ts";
import { createDatabasePool } from "../server/db/pool.ts";

/**
 * The migrated database holds every table, column, enum label, index and extension of
 * the seed schema. The expectation is an inventory of the seed's names committed under
 * test/fixtures, not a copy of the migrations, so a migration that drops or renames
 * something the seed defines fails here.
 */
const inventory = z
  .object({
    tables: z.record(z.string(), z.array(z.string())),
    enums: z.record(z.string(), z.array(z.string())),
    indexes: z.array(z.string()),
    extensions: z.array(z.string()),
  })
  .parse(
    JSON.parse(readFileSync(new URL("./fixtures/seed-inventory.json", import.meta.url), "utf8")),
  );

type Pool = Awaited<ReturnType<typeof createDatabasePool>>;
let owner: Pool;
let app: Pool;

beforeAll(async () => {
  owner = await createDatabasePool(process.env.MIGRATION_DATABASE_URL!, { maxPoolSize: 2 });
  app = await createDatabasePool(process.env.DATABASE_URL!, { maxPoolSize: 2 });
  return async () => {
    await owner.end();
    await app.end();
  };
});

const Name = z.object({ name: z.string() });

describe("schema inventory", () => {
  it("has all 42 seed tables with every seed column", async () => {
    expect(Object.keys(inventory.tables)).toHaveLength(42);
    const rows = await owner.any(sql.type(
      z.object({ table_name: z.string(), column_name: z.string() }),
    )`
      SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`);
    const actual = new Map<string, Set<string>>();
    for (const r of rows) {
      if (!actual.has(r.table_name)) actual.set(r.table_name, new Set());
      actual.get(r.table_name)!.add(r.column_name);
    }
    const missing: string[] = [];
    for (const [table, columns] of Object.entries(inventory.tables)) {
      if (!actual.has(table)) missing.push(table);
      for (const c of columns) if (!actual.get(table)?.has(c)) missing.push(`${table}.${c}`);
    }
    expect(missing).toEqual([]);
  });

  it("has all 12 seed enums with every label, in order", async () => {
    expect(Object.keys(inventory.enums)).toHaveLength(12);
    const rows = await owner.any(sql.type(
      z.object({ typname: z.string(), labels: z.array(z.string()) }),
    )`
      SELECT t.typname::text AS typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`);
    const actual = Object.fromEntries(rows.map((r) => [r.typname, r.labels]));
    for (const [name, labels] of Object.entries(inventory.enums))
      expect(actual[name], name).toEqual(labels);
  });

  it("has all 153 seed indexes, and vector indexes are HNSW", async () => {
    expect(inventory.indexes).toHaveLength(153);
    const names = new Set(
      await owner.anyFirst(
        sql.type(Name)`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'`,
      ),
    );
    expect(inventory.indexes.filter((i) => !names.has(i))).toEqual([]);
    const vectorIndexes = await owner.any(sql.type(z.object({ name: z.string(), def: z.string() }))`
      SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE indexdef ILIKE '%vector_cosine_ops%'`);
    expect(vectorIndexes.length).toBeGreaterThanOrEqual(2);
    for (const i of vectorIndexes) expect(i.def, i.name).toMatch(/USING hnsw/);
  });

  it("has the seed's extensions", async () => {
    const names = await owner.anyFirst(sql.type(Name)`SELECT extname AS name FROM pg_extension`);
    for (const e of inventory.extensions) expect(names).toContain(e);
  });

  it("keeps audit_events partitioned with a default partition and months ahead", async () => {
    const parts = await owner.anyFirst(sql.type(Name)`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'audit_events'::regclass`);
    expect(parts).toContain("audit_events_default");
    const month = (offset: number) => {
      const d = new Date();
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() + offset);
      return `audit_events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
    };
    for (const offset of [0, 1, 2, 3]) expect(parts).toContain(month(offset));
  });
});

describe("roles and row-level security", () => {
  it("the app role is neither superuser, BYPASSRLS nor the owner of any table", async () => {
    const me = await app.one(sql.type(
      z.object({ rolname: z.string(), rolsuper: z.boolean(), rolbypassrls: z.boolean() }),
    )`
      SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`);
    expect(me).toEqual({ rolname: "sitesync_app", rolsuper: false, rolbypassrls: false });
    const owned = await app.anyFirst(sql.type(Name)`
      SELECT c.relname AS name FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
       WHERE r.rolname = current_user AND c.relkind IN ('r', 'p')`);
    expect(owned).toEqual([]);
  });

  it("every seed table except reference data has RLS enabled and forced", async () => {
    const rows = await owner.any(sql.type(
      z.object({ name: z.string(), enabled: z.boolean(), forced: z.boolean() }),
    )`
      SELECT relname AS name, relrowsecurity AS enabled, relforcerowsecurity AS forced
        FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')`);
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const table of Object.keys(inventory.tables)) {
      expect(byName.get(table), table).toMatchObject({ enabled: true, forced: true });
    }
  });

  it("policies read the context with missing_ok, so no context means no rows, never an error", async () => {
    await app.transaction(async (tx) => {
      expect(
        await tx.oneFirst(
          sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM sites`,
        ),
      ).toBe(0);
      await tx.query(sql.unsafe`SELECT set_config('app.current_org', '', true)`);
      expect(
        await tx.oneFirst(
          sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM work_orders`,
        ),
      ).toBe(0);
    });
  });

  it("migrations are idempotent: a second run applies nothing and changes nothing", async () => {
    const before = await owner.oneFirst(
      sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM schema_migrations`,
    );
    const result = await migrate(process.env.MIGRATION_DATABASE_URL!);
    expect(result.applied).toEqual([]);
    expect(result.skipped).toBe(before);
  });

  it("two processes migrating at once apply each file once (advisory lock)", async () => {
    const results = await Promise.all([
      migrate(process.env.MIGRATION_DATABASE_URL!),
      migrate(process.env.MIGRATION_DATABASE_URL!),
    ]);
    expect(results.flatMap((r) => r.applied)).toEqual([]);
  });
});
