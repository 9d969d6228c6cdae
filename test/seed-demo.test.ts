import { type DatabasePool, sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAULTS } from "../scripts/data/demo/catalogue/faults.ts";
import { DEMO_PASSWORD, ROLES } from "../scripts/data/demo/catalogue/organizations.ts";
import { generateDemoData } from "../scripts/data/demo/generate.ts";
import { WO_STATUSES, WO_TYPES } from "../scripts/data/demo/generate-work.ts";
import { countDemoData, seedDemo } from "../scripts/data/demo/seed.ts";
import { isValidAbn } from "../scripts/data/demo/util.ts";
import { verifyPassword } from "../server/auth/passwords.ts";
import { createDatabasePool } from "../server/db/pool.ts";
import { env } from "../server/env.ts";

// The documented fixed counts (docs/demo-data.md); lifts, tenants and requests vary by seed.
const FIXED_COUNTS = {
  organizations: 6,
  users: 57,
  technician_profiles: 15,
  manager_profiles: 3,
  sites: 36,
  contractors: 33,
  work_orders: 300,
  forum_categories: 4,
  forum_threads: 9,
  forum_posts: 20,
  forum_subscriptions: 9,
};
const TODAY = "2026-03-15";
const TABLES = Object.keys(FIXED_COUNTS).concat(["elevators", "tenants", "service_requests"]);

let pool: DatabasePool;
const rows = (q: ReturnType<typeof sql.unsafe>) => pool.any(q) as Promise<readonly any[]>;

/** A digest of every demo table's rows (by id), ignoring only the load-time timestamps. */
async function digest(): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const [row] = await rows(sql.unsafe`
      SELECT md5(coalesce(string_agg((to_jsonb(t) - 'updated_at' - 'created_at')::text, '|' ORDER BY t.id), '')) AS d
      FROM ${sql.identifier([table])} t`);
    parts.push(`${table}:${row.d}`);
  }
  return parts.join(",");
}

beforeAll(async () => {
  pool = await createDatabasePool(env.SERVICE_DATABASE_URL, { maxPoolSize: 2 });
});
afterAll(async () => {
  await pool.end();
});

describe("demo data generator (no database)", () => {
  it("gives identical rows for the same seed and different rows for another", () => {
    const a = generateDemoData({ seed: 42, today: TODAY, passwordHash: "x" });
    const b = generateDemoData({ seed: 42, today: TODAY, passwordHash: "x" });
    const c = generateDemoData({ seed: 43, today: TODAY, passwordHash: "x" });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(c.work_orders.map((w) => w.id)).not.toEqual(a.work_orders.map((w) => w.id));
    expect(
      a.users.every((u) =>
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(
          u.id as string,
        ),
      ),
    ).toBe(true);
  });
});

describe("npm run seed:demo", () => {
  let first: Awaited<ReturnType<typeof seedDemo>>;
  let firstDigest: string;

  beforeAll(async () => {
    first = await seedDemo(pool, { seed: 42, today: TODAY });
    firstDigest = await digest();
  });

  it("loads the documented data set in a few seconds", () => {
    expect(first.skipped).toBe(false);
    expect(first.durationMs).toBeLessThan(10_000);
    expect(first.counts).toMatchObject(FIXED_COUNTS);
    expect(first.counts.elevators).toBeGreaterThanOrEqual(36);
    expect(first.counts.elevators).toBeLessThanOrEqual(216);
    expect(first.counts.tenants).toBeGreaterThanOrEqual(24);
    expect(first.counts.tenants).toBeLessThanOrEqual(48);
    expect(first.counts.service_requests).toBeGreaterThanOrEqual(5);
  });

  it("has 3 service companies and 3 building owners, every role in each, sites in every state", async () => {
    const orgs = await rows(
      sql.unsafe`SELECT organization_type, count(*)::int AS n FROM organizations GROUP BY 1 ORDER BY 1`,
    );
    expect(orgs).toEqual([
      { organization_type: "building_owner", n: 3 },
      { organization_type: "service_company", n: 3 },
    ]);
    const roles = await rows(sql.unsafe`
      SELECT organization_id, array_agg(DISTINCT role) AS roles FROM users WHERE organization_id IS NOT NULL GROUP BY 1`);
    expect(roles).toHaveLength(6);
    for (const r of roles) expect([...r.roles].sort()).toEqual([...ROLES].sort());
    const states = await rows(sql.unsafe`SELECT DISTINCT state FROM sites ORDER BY 1`);
    expect(states.map((s) => s.state)).toEqual([
      "ACT",
      "NSW",
      "NT",
      "QLD",
      "SA",
      "TAS",
      "VIC",
      "WA",
    ]);
    const techs = await rows(sql.unsafe`
      SELECT count(*)::int AS n FROM users u JOIN technician_profiles p ON p.user_id = u.id WHERE u.role = 'technician'`);
    expect(techs[0].n).toBe(FIXED_COUNTS.technician_profiles);
  });

  it("has every work order type, status and priority", async () => {
    const seen = async (col: string) =>
      (
        await rows(
          sql.unsafe`SELECT DISTINCT ${sql.identifier([col])}::text AS v FROM work_orders ORDER BY 1`,
        )
      ).map((r) => r.v);
    expect(await seen("type")).toEqual([...WO_TYPES].sort());
    expect(await seen("status")).toEqual([...WO_STATUSES].sort());
    expect(await seen("priority")).toEqual(["emergency", "high", "low", "medium", "scheduled"]);
  });

  it("keeps work order timing, assignment and costs consistent with status", async () => {
    const bad = await rows(sql.unsafe`
      SELECT work_order_number, status FROM work_orders WHERE
        (status IN ('completed', 'invoiced') AND (actual_start IS NULL OR actual_end IS NULL OR completed_at IS NULL
           OR completed_at > now() OR actual_end < actual_start OR resolution_notes IS NULL OR total_cost <= 0
           OR (fault_code IS NOT NULL AND root_cause IS NULL)))
        OR (status NOT IN ('completed', 'invoiced') AND (completed_at IS NOT NULL OR root_cause IS NOT NULL OR total_cost <> 0))
        OR (status IN ('scheduled', 'in_progress', 'on_hold', 'completed', 'invoiced') AND assigned_contractor_id IS NULL)
        OR (status IN ('draft', 'pending') AND assigned_contractor_id IS NOT NULL)
        OR (status IN ('in_progress', 'on_hold') AND (actual_start IS NULL OR actual_start > now()))
        OR (status = 'scheduled' AND (scheduled_start IS NULL OR actual_start IS NOT NULL))
        OR actual_start < reported_at`);
    expect(bad).toEqual([]);
    // Numbers were handed out by the trigger in reported_at order within each organisation.
    const order = await rows(sql.unsafe`
      SELECT organization_id, work_order_number,
             row_number() OVER (PARTITION BY organization_id ORDER BY reported_at, id) AS by_time
      FROM work_orders`);
    for (const r of order)
      expect(r.work_order_number).toBe(`WO-${String(r.by_time).padStart(6, "0")}`);
  });

  it("maps each manufacturer's fault code to one title, its symptoms, causes and resolutions", async () => {
    const wos = await rows(sql.unsafe`
      SELECT e.manufacturer, w.type::text, w.title, w.fault_code, w.reported_symptoms, w.root_cause, w.resolution_notes, w.resolution_type
      FROM work_orders w JOIN elevators e ON e.id = w.elevator_id WHERE w.fault_code IS NOT NULL`);
    expect(wos.length).toBeGreaterThan(100);
    for (const w of wos) {
      const fault = FAULTS.find(
        (f) => f.manufacturer === w.manufacturer && f.code === w.fault_code,
      );
      expect(fault, `${w.manufacturer} ${w.fault_code}`).toBeDefined();
      expect(w.title.replace(/^Callback: /, "")).toBe(fault!.title);
      expect(fault!.symptoms).toEqual(expect.arrayContaining(w.reported_symptoms));
      expect(w.reported_symptoms[0]).toBe(fault!.symptoms[0]);
      if (w.root_cause) {
        const cause = fault!.causes.find((c) => c.rootCause === w.root_cause);
        expect(cause, w.root_cause).toBeDefined();
        expect([w.resolution_notes, w.resolution_type]).toEqual([
          cause!.resolution,
          cause!.resolutionType,
        ]);
      }
    }
    // The same code never means two things for one manufacturer, in the database itself.
    const clashes = await rows(sql.unsafe`
      SELECT e.manufacturer, w.fault_code FROM work_orders w JOIN elevators e ON e.id = w.elevator_id
      WHERE w.fault_code IS NOT NULL
      GROUP BY 1, 2 HAVING count(DISTINCT regexp_replace(w.title, '^Callback: ', '')) > 1`);
    expect(clashes).toEqual([]);
  });

  it("links callbacks to an earlier completed work order on the same lift with the same fault", async () => {
    const callbacks = await rows(sql.unsafe`
      SELECT c.elevator_id = p.elevator_id AS same_lift, c.fault_code = p.fault_code AS same_fault,
             p.status::text AS parent_status, c.reported_at > p.completed_at AS after
      FROM work_orders c JOIN work_orders p ON p.id = c.parent_work_order_id`);
    expect(callbacks.length).toBeGreaterThan(5);
    for (const c of callbacks) {
      expect(c).toMatchObject({ same_lift: true, same_fault: true, after: true });
      expect(["completed", "invoiced"]).toContain(c.parent_status);
    }
  });

  it("has service requests in every status, linked work orders at the same site", async () => {
    const statuses = await rows(
      sql.unsafe`SELECT DISTINCT status FROM service_requests ORDER BY 1`,
    );
    expect(statuses.map((s) => s.status)).toEqual([
      "acknowledged",
      "closed",
      "in_progress",
      "open",
      "resolved",
    ]);
    const links = await rows(sql.unsafe`
      SELECT r.site_id = w.site_id AS same_site, r.elevator_id = w.elevator_id AS same_lift
      FROM service_requests r JOIN work_orders w ON w.id = r.assigned_work_order_id`);
    expect(links.length).toBeGreaterThan(0);
    for (const l of links) expect(l).toEqual({ same_site: true, same_lift: true });
    const portal = await rows(
      sql.unsafe`SELECT count(*)::int AS n FROM tenants WHERE portal_enabled AND portal_user_id IS NOT NULL`,
    );
    expect(portal[0].n).toBe(6);
  });

  it("uses valid ABNs and Australian phone formats", async () => {
    const orgs = await rows(sql.unsafe`SELECT abn, contact_phone FROM organizations`);
    const subs = await rows(
      sql.unsafe`SELECT company_abn AS abn FROM contractors WHERE company_abn IS NOT NULL`,
    );
    for (const o of [...orgs, ...subs]) expect(isValidAbn(o.abn), o.abn).toBe(true);
    const phones = await rows(sql.unsafe`
      SELECT phone AS p FROM users WHERE phone IS NOT NULL
      UNION ALL SELECT contact_phone FROM organizations UNION ALL SELECT primary_contact_phone FROM sites`);
    for (const { p } of phones) expect(p).toMatch(/^\+61 (4\d{2} \d{3} \d{3}|[2378] \d{4} \d{4})$/);
  });

  it("gives every demo user a password hash the demo password verifies", async () => {
    const hashes = await rows(sql.unsafe`SELECT DISTINCT password_hash FROM users`);
    expect(hashes).toHaveLength(1);
    expect(await verifyPassword(hashes[0].password_hash, DEMO_PASSWORD)).toBe(true);
    expect(await verifyPassword(hashes[0].password_hash, "wrong-password")).toBe(false);
  });

  it("does nothing when run again without --reset", async () => {
    const again = await seedDemo(pool, { seed: 42, today: TODAY });
    expect(again.skipped).toBe(true);
    expect(again.counts).toEqual(first.counts);
    expect(await digest()).toBe(firstDigest);
  });

  it("reloads identical data, ids included, with --reset and the same seed", async () => {
    const reloaded = await seedDemo(pool, { seed: 42, today: TODAY, reset: true });
    expect(reloaded.skipped).toBe(false);
    expect(reloaded.counts).toEqual(first.counts);
    expect(await digest()).toBe(firstDigest);
  });

  it("--reset removes demo users' later activity too, and leaves other organisations alone", async () => {
    await pool.query(
      sql.unsafe`INSERT INTO organizations (name, slug) VALUES ('Not Demo', 'not-demo')`,
    );
    await pool.query(sql.unsafe`
      INSERT INTO user_sessions (user_id, session_token_hash, expires_at)
      SELECT id, md5(id::text), now() + interval '1 day' FROM users WHERE email = 'owner@harbourlift.demo'`);
    await seedDemo(pool, { seed: 42, today: TODAY, reset: true });
    const sessions = await rows(sql.unsafe`SELECT count(*)::int AS n FROM user_sessions`);
    expect(sessions[0].n).toBe(0);
    const other = await rows(
      sql.unsafe`DELETE FROM organizations WHERE slug = 'not-demo' RETURNING id`,
    );
    expect(other).toHaveLength(1);
    expect(await digest()).toBe(firstDigest);
  });

  it("loads different data for a different seed", async () => {
    const other = await seedDemo(pool, { seed: 7, today: TODAY, reset: true });
    expect(other.counts).toMatchObject(FIXED_COUNTS);
    expect(await digest()).not.toBe(firstDigest);
    expect(await countDemoData(pool)).toEqual(other.counts);
  });
});
