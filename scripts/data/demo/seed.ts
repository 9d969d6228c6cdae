import argon2 from "argon2";
import { type CommonQueryMethods, type DatabasePool, type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { demoLogins } from "../../../server/db/demo-logins.ts";
import type { DemoLogin } from "../../../shared/demo.ts";
import { DEMO_EMAIL_SUFFIX, DEMO_ORG_SLUGS, DEMO_PASSWORD } from "./catalogue/organizations.ts";
import { DEMO_TABLES, type DemoTable, generateDemoData } from "./generate.ts";
import { DEMO_FORUM_CATEGORY_IDS } from "./generate-community.ts";
import { Rng } from "./prng.ts";
import type { Row } from "./util.ts";

export type SeedDemoOptions = {
  seed?: number;
  /** Delete the demo organisations' data first, then load. */
  reset?: boolean;
  /** 'YYYY-MM-DD' the dates are relative to; defaults to today (UTC). */
  today?: string;
};

export type SeedDemoResult = {
  /** True when the demo organisations already existed and nothing was loaded. */
  skipped: boolean;
  seed: number;
  counts: Record<DemoTable, number>;
  logins: DemoLogin[];
  durationMs: number;
};

const NoRows = z.object({});
const CountRow = z.object({ table_name: z.string(), n: z.number() });
const SlugRow = z.object({ slug: z.string() });

/**
 * Which rows are demo data, per table. Used to count them and, with --reset, to delete
 * them. Demo rows hang off the demo organisations (fixed slugs), demo users (emails on the
 * .demo domain, including tenant portal users who have no organisation) and the demo
 * forum categories (fixed ids).
 */
const orgIds = sql.fragment`(SELECT id FROM organizations WHERE slug = ANY(${sql.array([...DEMO_ORG_SLUGS], "text")}))`;
const userIds = sql.fragment`(SELECT id FROM users WHERE organization_id IN ${orgIds} OR email LIKE ${`%@%${DEMO_EMAIL_SUFFIX}`})`;
const siteIds = sql.fragment`(SELECT id FROM sites WHERE organization_id IN ${orgIds})`;
const categoryIds = sql.array(Object.values(DEMO_FORUM_CATEGORY_IDS), "uuid");
const threadIds = sql.fragment`(SELECT id FROM forum_threads WHERE category_id = ANY(${categoryIds}) OR author_id IN ${userIds})`;

const SCOPES: Record<DemoTable, FragmentSqlToken> = {
  organizations: sql.fragment`slug = ANY(${sql.array([...DEMO_ORG_SLUGS], "text")})`,
  users: sql.fragment`id IN ${userIds}`,
  technician_profiles: sql.fragment`user_id IN ${userIds}`,
  manager_profiles: sql.fragment`user_id IN ${userIds}`,
  sites: sql.fragment`organization_id IN ${orgIds}`,
  elevators: sql.fragment`organization_id IN ${orgIds}`,
  contractors: sql.fragment`organization_id IN ${orgIds}`,
  work_orders: sql.fragment`organization_id IN ${orgIds}`,
  tenants: sql.fragment`site_id IN ${siteIds}`,
  service_requests: sql.fragment`site_id IN ${siteIds}`,
  forum_categories: sql.fragment`id = ANY(${categoryIds})`,
  forum_threads: sql.fragment`id IN ${threadIds}`,
  forum_posts: sql.fragment`thread_id IN ${threadIds} OR author_id IN ${userIds}`,
  forum_subscriptions: sql.fragment`user_id IN ${userIds} OR thread_id IN ${threadIds} OR category_id = ANY(${categoryIds})`,
};

/**
 * Rows outside the data set that demo users/orgs gain by being used (logging in, auditing,
 * messaging). They must go before the users and organisations they reference. A later
 * issue that makes demo users write to another table adds it here.
 */
const ACTIVITY: readonly [string, FragmentSqlToken][] = [
  ["user_sessions", sql.fragment`user_id IN ${userIds}`],
  ["api_keys", sql.fragment`organization_id IN ${orgIds} OR created_by IN ${userIds}`],
  [
    "user_invitations",
    sql.fragment`organization_id IN ${orgIds} OR invited_by IN ${userIds} OR user_id IN ${userIds}`,
  ],
  ["notifications", sql.fragment`user_id IN ${userIds}`],
  ["messages", sql.fragment`sender_id IN ${userIds} OR recipient_id IN ${userIds}`],
  ["employment_history", sql.fragment`organization_id IN ${orgIds} OR user_id IN ${userIds}`],
  ["audit_events", sql.fragment`organization_id IN ${orgIds}`],
];

/** FK-safe: children before parents (reverse load order), activity before users. */
const DELETE_ORDER: readonly string[] = [
  "forum_posts",
  "forum_subscriptions",
  "forum_threads",
  "forum_categories",
  "service_requests",
  "tenants",
  "work_orders",
  "contractors",
  "elevators",
  "sites",
  ...ACTIVITY.map(([table]) => table),
  "technician_profiles",
  "manager_profiles",
  "users",
  "organizations",
];

function scopeOf(table: string): FragmentSqlToken {
  const scope =
    (SCOPES as Record<string, FragmentSqlToken>)[table] ?? ACTIVITY.find(([t]) => t === table)?.[1];
  if (!scope) throw new Error(`no demo scope for ${table}`);
  return scope;
}

export async function deleteDemoData(tx: CommonQueryMethods): Promise<void> {
  for (const table of DELETE_ORDER) {
    await tx.query(
      sql.type(NoRows)`DELETE FROM ${sql.identifier([table])} WHERE ${scopeOf(table)}`,
    );
  }
}

export async function countDemoData(db: CommonQueryMethods): Promise<Record<DemoTable, number>> {
  const parts = DEMO_TABLES.map(
    (t) =>
      sql.fragment`SELECT ${t}::text AS table_name, count(*)::int8 AS n FROM ${sql.identifier([t])} WHERE ${SCOPES[t]}`,
  );
  const rows = await db.many(sql.type(CountRow)`${sql.join(parts, sql.fragment` UNION ALL `)}`);
  return Object.fromEntries(rows.map((r) => [r.table_name, r.n])) as Record<DemoTable, number>;
}

/**
 * One statement per table (and per column set): the rows travel as one jsonb array that
 * jsonb_populate_recordset turns into table rows. Unlike sql.unnest this carries array
 * columns (text[], int[]) and jsonb as they are. WITH ORDINALITY keeps the given order,
 * which the work order numbering trigger relies on. Omitted columns get their defaults.
 */
async function insertRows(tx: CommonQueryMethods, table: DemoTable, rows: Row[]): Promise<void> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = Object.keys(row).join(",");
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const [key, group] of groups) {
    const columns = sql.join(
      key.split(",").map((c) => sql.identifier([c])),
      sql.fragment`, `,
    );
    await tx.query(sql.type(NoRows)`
      INSERT INTO ${sql.identifier([table])} (${columns})
      SELECT ${columns}
      FROM jsonb_populate_recordset(NULL::${sql.identifier([table])}, ${sql.jsonb(group)}) WITH ORDINALITY AS r
      ORDER BY r.ordinality`);
  }
}

/** argon2id of the demo password with a salt derived from the seed, so reloads are identical. */
async function demoPasswordHash(seed: number): Promise<string> {
  const rng = new Rng(seed).fork("password-salt");
  const salt = Buffer.from(Array.from({ length: 16 }, () => rng.int(0, 255)));
  return argon2.hash(DEMO_PASSWORD, { type: argon2.argon2id, salt });
}

/**
 * Loads the demo data set in ONE transaction. Pass the SERVICE pool (BYPASSRLS): this is a
 * cross-tenant loader writing six organisations plus platform-wide forum categories, which
 * no single tenant context may do under RLS.
 */
export async function seedDemo(
  pool: DatabasePool,
  options: SeedDemoOptions = {},
): Promise<SeedDemoResult> {
  const started = performance.now();
  const seed = options.seed ?? 42;
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  // Hash once, outside the transaction; every demo user shares it (argon2 is slow on purpose).
  const passwordHash = await demoPasswordHash(seed);

  return pool.transaction(async (tx) => {
    // Two loaders at once would both see "not loaded yet"; take turns.
    await tx.query(sql.type(NoRows)`SELECT pg_advisory_xact_lock(hashtext('sitesync:seed-demo'))`);
    const existing = await tx.any(sql.type(SlugRow)`
      SELECT slug FROM organizations WHERE slug = ANY(${sql.array([...DEMO_ORG_SLUGS], "text")})`);
    if (existing.length > 0 && !options.reset) {
      return {
        skipped: true,
        seed,
        counts: await countDemoData(tx),
        logins: await demoLogins(tx),
        durationMs: performance.now() - started,
      };
    }
    if (options.reset) await deleteDemoData(tx);
    const data = generateDemoData({ seed, today, passwordHash });
    for (const table of DEMO_TABLES) await insertRows(tx, table, data[table]);
    return {
      skipped: false,
      seed,
      counts: await countDemoData(tx),
      logins: await demoLogins(tx),
      durationMs: performance.now() - started,
    };
  });
}
