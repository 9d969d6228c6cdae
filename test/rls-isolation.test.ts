import { randomUUID } from "node:crypto";
import { type DatabasePool, sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type TenantContext, type Tx, withTenant } from "../server/db/tenant-context.ts";
import { buildOrganization, buildUser } from "./factories.ts";
import { testRuntime } from "./helpers/runtime.ts";

/**
 * For every table that holds tenant or user data, under the app role (RLS applies): a row
 * of organisation A cannot be read, updated, deleted or inserted from organisation B's
 * context or from no context, and can be from A's. Rows are created through the app role
 * in A's context (proving A may insert); B's insert is a copy of A's row with a new id.
 */
type World = {
  orgA: string;
  orgB: string;
  a: TenantContext & { userId: string; organizationId: string };
  a2: string;
  b: TenantContext;
  ids: Record<string, string>;
};

const Id = z.object({ id: z.string() });
let db: DatabasePool;
let serviceDb: DatabasePool;
let world: World;

/** How each table's fixture row is made for organisation A (in A's app context). */
type Fixture = {
  table: string;
  make: (tx: Tx, w: World) => Promise<string>;
  /** Made with the service role, because requests may not write this table at all. */
  bySystem?: boolean;
  /** Requests may never update/delete this table (append-only or computed). */
  readOnly?: boolean;
  /** Requests may update but never delete (a financial record). */
  noDelete?: boolean;
  /** A column requests may update, for tables whose UPDATE privilege is per column. */
  touch?: string;
};

const ins = (tx: Tx, query: ReturnType<typeof sql.unsafe>) => tx.oneFirst(sql.type(Id)`${query}`);

const FIXTURES: Fixture[] = [
  { table: "organizations", make: async (_tx, w) => w.orgA },
  {
    table: "users",
    make: async (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO users (organization_id, email, role) VALUES (${w.orgA}, ${`u-${randomUUID()}@a.test`}, 'user') RETURNING id`,
      ),
  },
  {
    table: "technician_profiles",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO technician_profiles (user_id, profile_visibility) VALUES (${w.a.userId}, 'private') RETURNING id`,
      ),
  },
  {
    table: "manager_profiles",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO manager_profiles (user_id, manager_type) VALUES (${w.a.userId}, 'building_manager') RETURNING id`,
      ),
  },
  {
    table: "employment_history",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO employment_history (user_id, organization_id, company_name, title, start_date) VALUES (${w.a.userId}, ${w.orgA}, 'Lift Co', 'Technician', '2020-01-01') RETURNING id`,
      ),
  },
  {
    table: "sites",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO sites (organization_id, name) VALUES (${w.orgA}, 'Tower A') RETURNING id`,
      ),
  },
  {
    table: "elevators",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO elevators (organization_id, site_id, unit_number) VALUES (${w.orgA}, ${w.ids.sites!}, 'L1') RETURNING id`,
      ),
  },
  {
    table: "contractors",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO contractors (organization_id, contractor_type, contact_name) VALUES (${w.orgA}, 'employee', 'Ann') RETURNING id`,
      ),
  },
  {
    table: "work_orders",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, title) VALUES (${w.orgA}, ${w.ids.sites!}, ${w.ids.elevators!}, ${w.a.userId}, 'breakdown', 'Stuck') RETURNING id`,
      ),
  },
  {
    table: "knowledge_contributions",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO knowledge_contributions (author_id, organization_id, title, content, contribution_type, status) VALUES (${w.a.userId}, ${w.orgA}, 'Door fix', 'Adjust the door operator', 'solution', 'draft') RETURNING id`,
      ),
  },
  {
    table: "knowledge_votes",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO knowledge_votes (contribution_id, user_id, vote_type) VALUES (${w.ids.knowledge_contributions!}, ${w.a.userId}, 'up') RETURNING id`,
      ),
  },
  {
    table: "knowledge_usage",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO knowledge_usage (contribution_id, user_id, work_order_id) VALUES (${w.ids.knowledge_contributions!}, ${w.a.userId}, ${w.ids.work_orders!}) RETURNING id`,
      ),
  },
  {
    table: "documents",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO documents (organization_id, uploaded_by, filename, original_filename, file_type, file_size_bytes, storage_path, visibility) VALUES (${w.orgA}, ${w.a.userId}, 'm.pdf', 'm.pdf', 'pdf', 10, 's3://x/m.pdf', 'organization') RETURNING id`,
      ),
  },
  {
    table: "document_acknowledgments",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO document_acknowledgments (document_id, user_id) VALUES (${w.ids.documents!}, ${w.a.userId}) RETURNING id`,
      ),
  },
  {
    table: "forum_categories",
    touch: "name",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO forum_categories (name, slug, scope_type, scope_value, visibility) VALUES ('Internal', 'internal', 'organization', ${w.orgA}, 'organization') RETURNING id`,
      ),
  },
  {
    table: "forum_threads",
    touch: "title",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO forum_threads (category_id, author_id, author_organization_id, title, slug) VALUES (${w.ids.forum_categories!}, ${w.a.userId}, ${w.orgA}, 'Help', 'help') RETURNING id`,
      ),
  },
  {
    table: "forum_posts",
    touch: "content",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO forum_posts (thread_id, author_id, content) VALUES (${w.ids.forum_threads!}, ${w.a.userId}, 'Try a reset') RETURNING id`,
      ),
  },
  {
    table: "forum_subscriptions",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO forum_subscriptions (user_id, thread_id) VALUES (${w.a.userId}, ${w.ids.forum_threads!}) RETURNING id`,
      ),
  },
  {
    table: "job_listings",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO job_listings (organization_id, posted_by, title, slug, description, employment_type, trade, status) VALUES (${w.orgA}, ${w.a.userId}, 'Tech', 'tech', 'Join us', 'full_time', 'elevators', 'draft') RETURNING id`,
      ),
  },
  {
    table: "job_applications",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO job_applications (job_listing_id, applicant_id) VALUES (${w.ids.job_listings!}, ${w.a.userId}) RETURNING id`,
      ),
  },
  {
    table: "contract_listings",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO contract_listings (organization_id, posted_by, title, description, contract_type, trade, status) VALUES (${w.orgA}, ${w.a.userId}, 'Maintenance', 'Tender', 'maintenance', 'elevators', 'draft') RETURNING id`,
      ),
  },
  {
    table: "contract_bids",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO contract_bids (contract_listing_id, bidder_org_id, submitted_by, proposal_summary, bid_amount) VALUES (${w.ids.contract_listings!}, ${w.orgA}, ${w.a.userId}, 'We can', '1000.00') RETURNING id`,
      ),
  },
  {
    table: "inventory_items",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO inventory_items (organization_id, part_number, name) VALUES (${w.orgA}, 'P-1', 'Door roller') RETURNING id`,
      ),
  },
  {
    table: "stock_locations",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO stock_locations (organization_id, inventory_item_id, location_type, location_name, quantity_on_hand) VALUES (${w.orgA}, ${w.ids.inventory_items!}, 'warehouse', 'Main', 5) RETURNING id`,
      ),
  },
  {
    table: "marketplace_listings",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO marketplace_listings (seller_org_id, seller_user_id, part_number, part_name, condition, quantity_available, unit_price, status) VALUES (${w.orgA}, ${w.a.userId}, 'P-1', 'Roller', 'new', 3, '10.00', 'withdrawn') RETURNING id`,
      ),
  },
  {
    table: "marketplace_transactions",
    noDelete: true,
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO marketplace_transactions (listing_id, seller_org_id, buyer_org_id, buyer_user_id, quantity, unit_price, subtotal, total_amount) VALUES (${w.ids.marketplace_listings!}, ${w.orgA}, ${w.orgA}, ${w.a.userId}, 1, '10.00', '10.00', '10.00') RETURNING id`,
      ),
  },
  {
    table: "courses",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO courses (provider_org_id, title, slug, is_published) VALUES (${w.orgA}, 'Safety', 'safety', false) RETURNING id`,
      ),
  },
  {
    table: "course_modules",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO course_modules (course_id, title, sequence_order) VALUES (${w.ids.courses!}, 'Intro', 1) RETURNING id`,
      ),
  },
  {
    table: "course_enrollments",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO course_enrollments (course_id, user_id) VALUES (${w.ids.courses!}, ${w.a.userId}) RETURNING id`,
      ),
  },
  {
    table: "user_certifications",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO user_certifications (user_id, name, issued_date) VALUES (${w.a.userId}, 'Lift licence', '2024-01-01') RETURNING id`,
      ),
  },
  {
    table: "insurance_policies",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO insurance_policies (organization_id, policy_type, policy_number, insurer_name, effective_date, expiry_date) VALUES (${w.orgA}, 'liability', 'POL-1', 'QBE', '2026-01-01', '2027-01-01') RETURNING id`,
      ),
  },
  {
    table: "compliance_tracking",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO compliance_tracking (organization_id, elevator_id, requirement_id, next_due_date) VALUES (${w.orgA}, ${w.ids.elevators!}, ${w.ids.compliance_requirement!}, '2027-01-01') RETURNING id`,
      ),
  },
  {
    table: "tenants",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO tenants (site_id, name) VALUES (${w.ids.sites!}, 'Cafe') RETURNING id`,
      ),
  },
  {
    table: "service_requests",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO service_requests (site_id, tenant_id, request_type, subject) VALUES (${w.ids.sites!}, ${w.ids.tenants!}, 'issue_report', 'Lift noisy') RETURNING id`,
      ),
  },
  {
    table: "notifications",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO notifications (user_id, notification_type, title) VALUES (${w.a.userId}, 'work_order', 'Assigned') RETURNING id`,
      ),
  },
  {
    table: "messages",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO messages (sender_id, recipient_id, content) VALUES (${w.a.userId}, ${w.a2}, 'On my way') RETURNING id`,
      ),
  },
  {
    table: "health_score_history",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO health_score_history (site_id, score) VALUES (${w.ids.sites!}, 80) RETURNING id`,
      ),
  },
  {
    table: "technician_metrics_history",
    bySystem: true,
    readOnly: true,
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO technician_metrics_history (technician_profile_id, period_start, period_end) VALUES (${w.ids.technician_profiles!}, '2026-01-01', '2026-01-31') RETURNING id`,
      ),
  },
  {
    table: "audit_events",
    readOnly: true,
    make: async (tx, w) => {
      const id = randomUUID();
      await tx.query(
        sql.unsafe`INSERT INTO audit_events (id, organization_id, event_type, entity_type, entity_id, actor_id, event_data, hash) VALUES (${id}, ${w.orgA}, 'user_action', 'test', ${w.a.userId}, ${w.a.userId}, '{}', '')`,
      );
      return id;
    },
  },
  { table: "audit_chain_heads", readOnly: true, make: async (_tx, w) => w.orgA },
  {
    table: "api_keys",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO api_keys (organization_id, created_by, key_prefix, key_hash, name) VALUES (${w.orgA}, ${w.a.userId}, 'abcdefgh', 'x', 'CI') RETURNING id`,
      ),
  },
  {
    table: "user_sessions",
    make: (tx, w) =>
      ins(
        tx,
        sql.unsafe`INSERT INTO user_sessions (user_id, session_token_hash, expires_at) VALUES (${w.a.userId}, 'h', now() + interval '1 day') RETURNING id`,
      ),
  },
];

/** Tables keyed by organization_id instead of id. */
const KEY: Record<string, string> = { audit_chain_heads: "organization_id" };

const Count = z.object({ n: z.number() });
const keyOf = (table: string) => sql.identifier([KEY[table] ?? "id"]);

async function visible(ctx: TenantContext, table: string, id: string): Promise<number> {
  return withTenant(db, ctx, (tx) =>
    tx.oneFirst(
      sql.type(
        Count,
      )`SELECT count(*)::int AS n FROM ${sql.identifier([table])} WHERE ${keyOf(table)} = ${id}`,
    ),
  );
}

/** Runs a write in a transaction that is always rolled back; returns rows affected or the error. */
async function tryWrite(
  ctx: TenantContext,
  query: ReturnType<typeof sql.unsafe>,
): Promise<number | Error> {
  const rollback = new Error("rollback");
  let affected = 0;
  try {
    await withTenant(db, ctx, async (tx) => {
      affected = (await tx.query(query)).rowCount;
      throw rollback;
    });
  } catch (err) {
    if (err !== rollback) return err as Error;
  }
  return affected;
}

/** A copy of the row (new primary key, generated columns left out) as an INSERT. */
async function copyInsert(table: string, id: string): Promise<ReturnType<typeof sql.unsafe>> {
  const cols = await serviceDb.anyFirst(sql.type(z.object({ name: z.string() }))`
    SELECT attname::text AS name FROM pg_attribute
     WHERE attrelid = ${table}::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''`);
  const row = await serviceDb.oneFirst(sql.type(z.object({ j: z.record(z.string(), z.unknown()) }))`
    SELECT to_jsonb(t) AS j FROM ${sql.identifier([table])} t WHERE ${keyOf(table)} = ${id}`);
  const copy = { ...row, [KEY[table] ?? "id"]: randomUUID() };
  const list = sql.join(
    cols.map((c) => sql.identifier([c])),
    sql.fragment`, `,
  );
  return sql.unsafe`INSERT INTO ${sql.identifier([table])} (${list})
    SELECT ${list} FROM jsonb_populate_record(NULL::${sql.identifier([table])}, ${sql.jsonb(copy as never)})`;
}

beforeAll(async () => {
  const runtime = await testRuntime();
  db = runtime.db;
  serviceDb = runtime.serviceDb;
  const orgA = (await buildOrganization(serviceDb)).id;
  const orgB = (await buildOrganization(serviceDb)).id;
  const aAdmin = await buildUser(serviceDb, {
    organizationId: orgA,
    role: "admin",
    userType: "technician",
  });
  const a2 = await buildUser(serviceDb, { organizationId: orgA, role: "user" });
  const bAdmin = await buildUser(serviceDb, { organizationId: orgB, role: "admin" });
  const requirement = await serviceDb.oneFirst(sql.type(Id)`
    INSERT INTO compliance_requirements (jurisdiction_country, equipment_type, requirement_type, name)
    VALUES ('Australia', 'elevator', 'inspection', 'Annual inspection') RETURNING id`);
  world = {
    orgA,
    orgB,
    a: { organizationId: orgA, userId: aAdmin.id },
    a2: a2.id,
    b: { organizationId: orgB, userId: bAdmin.id },
    ids: { compliance_requirement: requirement },
  };
  for (const f of FIXTURES) {
    world.ids[f.table] = f.bySystem
      ? await serviceDb.transaction((tx) => f.make(tx, world))
      : await withTenant(db, world.a, (tx) => f.make(tx, world));
  }
});

const NONE: TenantContext = { organizationId: null, userId: null };
const isDenied = (r: number | Error) =>
  r === 0 ||
  (r instanceof Error &&
    /row-level security|permission denied/.test(
      `${r.message} ${String((r as { cause?: unknown }).cause)}`,
    ));

describe("row-level security isolates every tenant table", () => {
  it("covers every seed table holding tenant or user data", () => {
    // compliance_requirements is jurisdiction reference data, readable by all by design;
    // work_order_counters is not reachable by the app role at all (numbering trigger only).
    expect(FIXTURES.filter((f) => f.table !== "audit_chain_heads")).toHaveLength(41);
  });

  for (const f of FIXTURES) {
    describe(f.table, () => {
      it("A's row is invisible from B's context and from no context, visible from A's", async () => {
        const id = world.ids[f.table]!;
        expect(await visible(world.a, f.table, id)).toBe(1);
        expect(await visible(world.b, f.table, id)).toBe(0);
        expect(await visible(NONE, f.table, id)).toBe(0);
      });

      it("B and no context cannot update or delete it", async () => {
        const id = world.ids[f.table]!;
        const t = sql.identifier([f.table]);
        for (const ctx of [world.b, NONE]) {
          expect(
            isDenied(
              await tryWrite(
                ctx,
                sql.unsafe`UPDATE ${t} SET ${keyOf(f.table)} = ${keyOf(f.table)} WHERE ${keyOf(f.table)} = ${id}`,
              ),
            ),
          ).toBe(true);
          expect(
            isDenied(
              await tryWrite(ctx, sql.unsafe`DELETE FROM ${t} WHERE ${keyOf(f.table)} = ${id}`),
            ),
          ).toBe(true);
        }
        expect(await visible(world.a, f.table, id)).toBe(1);
      });

      it("B and no context cannot insert a row belonging to A", async () => {
        const insert = await copyInsert(f.table, world.ids[f.table]!);
        for (const ctx of [world.b, NONE]) {
          const result = await tryWrite(ctx, insert);
          expect(
            result,
            `${f.table} insert from ${ctx.organizationId ?? "no context"}`,
          ).toBeInstanceOf(Error);
          expect(isDenied(result)).toBe(true);
        }
      });

      if (!f.readOnly) {
        it("A can update and delete it", async () => {
          const id = world.ids[f.table]!;
          const t = sql.identifier([f.table]);
          expect(
            await tryWrite(
              world.a,
              sql.unsafe`UPDATE ${t} SET ${sql.identifier([f.touch ?? "id"])} = ${sql.identifier([f.touch ?? "id"])} WHERE id = ${id}`,
            ),
          ).toBe(1);
          const del = await tryWrite(world.a, sql.unsafe`DELETE FROM ${t} WHERE id = ${id}`);
          if (f.noDelete) {
            expect(isDenied(del)).toBe(true);
            return;
          }
          // A foreign key from another fixture row may block the delete; RLS let it through.
          const fkBlocked =
            del instanceof Error &&
            /foreign key/.test(`${del.message} ${String((del as { cause?: unknown }).cause)}`);
          expect(
            del === 1 || fkBlocked,
            `${f.table}: ${del instanceof Error ? del.message : del}`,
          ).toBe(true);
        });
      }
    });
  }
});

describe("context never leaks between pooled requests", () => {
  it("50 interleaved requests of two organisations over a 3-connection pool each see only their own rows", async () => {
    const { createDatabasePool } = await import("../server/db/pool.ts");
    const small = await createDatabasePool(process.env.DATABASE_URL!, { maxPoolSize: 3 });
    try {
      const orgs = [world.a, world.b];
      await withTenant(db, world.b, (tx) =>
        tx.query(
          sql.unsafe`INSERT INTO sites (organization_id, name) VALUES (${world.orgB}, 'Tower B')`,
        ),
      );
      const results = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const ctx = orgs[i % 2]!;
          return withTenant(small, ctx, async (tx) => {
            await tx.query(sql.unsafe`SELECT pg_sleep(${Math.random() * 0.01})`);
            const owners = await tx.anyFirst(
              sql.type(
                z.object({ o: z.string() }),
              )`SELECT DISTINCT organization_id AS o FROM sites`,
            );
            return { expected: ctx.organizationId, owners };
          });
        }),
      );
      for (const r of results) expect(r.owners).toEqual([r.expected]);
      // And after the transactions, a bare query on the same pool has no context at all.
      expect(await small.oneFirst(sql.type(Count)`SELECT count(*)::int AS n FROM sites`)).toBe(0);
    } finally {
      await small.end();
    }
  });

  it("even a session-level context set by mistake is gone once the connection returns to the request pool", async () => {
    const { createDatabasePool } = await import("../server/db/pool.ts");
    const one = await createDatabasePool(process.env.DATABASE_URL!, { maxPoolSize: 1 });
    try {
      await one.query(
        sql.unsafe`SELECT set_config('app.current_org', ${world.orgA}, false)`, // not local
      );
      // Same (only) connection: DISCARD ALL on release reset it.
      expect(
        await one.oneFirst(sql.type(z.object({ c: z.string().nullable() }))`
          SELECT nullif(current_setting('app.current_org', true), '') AS c`),
      ).toBeNull();
      expect(await one.oneFirst(sql.type(Count)`SELECT count(*)::int AS n FROM sites`)).toBe(0);
    } finally {
      await one.end();
    }
  });
});
