import { randomUUID } from "node:crypto";
import { type DatabasePool, sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type TenantContext, type Tx, withTenant } from "../server/db/tenant-context.ts";
import {
  buildElevator,
  buildOrganization,
  buildSite,
  buildUser,
  buildWorkOrder,
} from "./factories.ts";
import { testRuntime } from "./helpers/runtime.ts";

/**
 * The tenant portal's rights in the database itself (migration 0095), as the app role
 * under RLS: a portal user (role `tenant`, no organisation) sees its own tenant and that
 * tenant's requests and nothing else of the organisation; it may open a request and rate a
 * resolved one, nothing more, whatever SQL it sends; a second tenant's portal user on the
 * same site sees none of the first's; switching the portal off or the tenant inactive takes
 * everything away.
 */
const Id = z.object({ id: z.string() });
const Count = z.object({ n: z.number() });

let db: DatabasePool;
let service: DatabasePool;
let w: {
  org: string;
  otherOrg: string;
  staff: TenantContext;
  otherStaff: TenantContext;
  site: string;
  otherSite: string;
  elevator: string;
  otherElevator: string;
  workOrder: string;
  tenantA: string;
  tenantB: string;
  portalA: TenantContext;
  portalB: TenantContext;
  requestA: string;
  requestB: string;
};

const as = <T>(ctx: TenantContext, work: (tx: Tx) => Promise<T>) => withTenant(db, ctx, work);
const count = (ctx: TenantContext, table: string, where = sql.fragment`TRUE`) =>
  as(ctx, (tx) =>
    tx.oneFirst(
      sql.type(Count)`SELECT count(*)::int AS n FROM ${sql.identifier([table])} WHERE ${where}`,
    ),
  );
/** The statement fails with this SQLSTATE (slonik may wrap the driver's error). */
const fails = async (work: Promise<unknown>, code: string) => {
  const err = await work.then(
    () => null,
    (e: { code?: string; cause?: { code?: string } }) => e,
  );
  expect(err, `expected SQLSTATE ${code}`).not.toBeNull();
  expect(err?.code ?? err?.cause?.code).toBe(code);
};

async function portalUser(tenantId: string): Promise<TenantContext> {
  const user = await buildUser(service, { organizationId: null, role: "tenant" });
  await service.query(sql.unsafe`
    UPDATE tenants SET portal_user_id = ${user.id}, portal_enabled = true WHERE id = ${tenantId}`);
  return { organizationId: null, userId: user.id };
}

beforeAll(async () => {
  const runtime = await testRuntime();
  db = runtime.db;
  service = runtime.serviceDb;
  const org = await buildOrganization(service);
  const otherOrg = await buildOrganization(service);
  const staffUser = await buildUser(service, { organizationId: org.id, role: "manager" });
  const otherUser = await buildUser(service, { organizationId: otherOrg.id, role: "owner" });
  const site = await buildSite(service, org.id);
  const otherSite = await buildSite(service, otherOrg.id);
  const elevator = await buildElevator(service, org.id, site.id);
  const otherElevator = await buildElevator(service, otherOrg.id, otherSite.id);
  const workOrder = await buildWorkOrder(service, {
    organizationId: org.id,
    siteId: site.id,
    elevatorId: elevator.id,
    createdBy: staffUser.id,
  });
  const tenant = async (name: string) =>
    (
      await service.one(sql.type(Id)`
        INSERT INTO tenants (site_id, name) VALUES (${site.id}, ${name}) RETURNING id`)
    ).id;
  const tenantA = await tenant("Level 5 Legal");
  const tenantB = await tenant("Harbour Cafe");
  const request = async (tenantId: string) =>
    (
      await service.one(sql.type(Id)`
        INSERT INTO service_requests (site_id, tenant_id, request_type, subject, assigned_work_order_id)
        VALUES (${site.id}, ${tenantId}, 'issue_report', 'Doors slow', ${workOrder.id}) RETURNING id`)
    ).id;
  w = {
    org: org.id,
    otherOrg: otherOrg.id,
    staff: { organizationId: org.id, userId: staffUser.id },
    otherStaff: { organizationId: otherOrg.id, userId: otherUser.id },
    site: site.id,
    otherSite: otherSite.id,
    elevator: elevator.id,
    otherElevator: otherElevator.id,
    workOrder: workOrder.id,
    tenantA,
    tenantB,
    portalA: await portalUser(tenantA),
    portalB: await portalUser(tenantB),
    requestA: await request(tenantA),
    requestB: await request(tenantB),
  };
});

describe("a tenant portal user under RLS", () => {
  it("sees its own tenant and its requests, and nothing else of the organisation", async () => {
    expect(await count(w.portalA, "tenants")).toBe(1);
    expect(await count(w.portalA, "tenants", sql.fragment`id = ${w.tenantA}`)).toBe(1);
    expect(await count(w.portalA, "service_requests")).toBe(1);
    expect(await count(w.portalA, "service_requests", sql.fragment`id = ${w.requestA}`)).toBe(1);
    for (const table of [
      "organizations",
      "sites",
      "elevators",
      "work_orders",
      "contractors",
      "audit_events",
      "user_invitations",
      "api_keys",
    ]) {
      expect(await count(w.portalA, table), table).toBe(0);
    }
    // Its own users row only: no colleague of any organisation.
    expect(await count(w.portalA, "users")).toBe(1);
  });

  it("a second tenant's portal user on the same site sees none of the first's", async () => {
    expect(await count(w.portalB, "tenants", sql.fragment`id = ${w.tenantA}`)).toBe(0);
    expect(await count(w.portalB, "service_requests", sql.fragment`id = ${w.requestA}`)).toBe(0);
    const elevators = (tenant: string) =>
      as(w.portalB, (tx) => tx.any(sql.type(Id)`SELECT id FROM tenant_site_elevators(${tenant})`));
    expect(await elevators(w.tenantA)).toEqual([]);
    expect((await elevators(w.tenantB)).map((r) => r.id)).toEqual([w.elevator]);
    // Its writes cannot reach the first tenant's request or open one in its name.
    const updated = await as(w.portalB, (tx) =>
      tx.query(
        sql.unsafe`UPDATE service_requests SET satisfaction_rating = 1 WHERE id = ${w.requestA}`,
      ),
    );
    expect(updated.rowCount).toBe(0);
    await fails(
      as(w.portalB, (tx) =>
        tx.query(sql.unsafe`
          INSERT INTO service_requests (site_id, tenant_id, request_type, subject)
          VALUES (${w.site}, ${w.tenantA}, 'inquiry', 'As someone else')`),
      ),
      "42501",
    );
  });

  it("may open a request at its tenant's site only, open and unassessed", async () => {
    const open = (values: ReturnType<typeof sql.fragment>) =>
      as(w.portalA, (tx) =>
        tx.query(sql.unsafe`
          INSERT INTO service_requests (site_id, tenant_id, request_type, subject ${values}`),
      );
    await open(sql.fragment`) VALUES (${w.site}, ${w.tenantA}, 'inquiry', 'Parking')`);
    for (const [column, value] of [
      ["status", "resolved"],
      ["priority", "urgent"],
      ["resolution_notes", "done"],
      ["assigned_work_order_id", w.workOrder],
    ] as const) {
      await fails(
        open(
          sql.fragment`, ${sql.identifier([column])}) VALUES (${w.site}, ${w.tenantA}, 'inquiry', 'x', ${value})`,
        ),
        "42501",
      );
    }
    // Another organisation's site, even naming its own tenant: RLS refuses.
    await fails(
      open(sql.fragment`) VALUES (${w.otherSite}, ${w.tenantA}, 'inquiry', 'x')`),
      "42501",
    );
  });

  it("may only rate its request, once, after resolution; everything else is the site's", async () => {
    const update = (set: ReturnType<typeof sql.fragment>) =>
      as(w.portalA, (tx) =>
        tx.query(sql.unsafe`UPDATE service_requests SET ${set} WHERE id = ${w.requestA}`),
      );
    await fails(update(sql.fragment`satisfaction_rating = 5`), "42501"); // not resolved yet
    await fails(update(sql.fragment`status = 'resolved'`), "42501");
    await fails(update(sql.fragment`priority = 'urgent'`), "42501");
    await fails(update(sql.fragment`assigned_work_order_id = NULL`), "42501");
    // Staff resolve it; then the tenant rates, once.
    await as(w.staff, (tx) =>
      tx.query(sql.unsafe`
        UPDATE service_requests SET status = 'resolved', resolved_at = now() WHERE id = ${w.requestA}`),
    );
    await fails(update(sql.fragment`satisfaction_rating = 4, status = 'closed'`), "42501");
    await update(sql.fragment`satisfaction_rating = 4, feedback_text = 'Good'`);
    await fails(update(sql.fragment`satisfaction_rating = 1`), "23514");
    // Nobody changes a given rating, staff included.
    await fails(
      as(w.staff, (tx) =>
        tx.query(
          sql.unsafe`UPDATE service_requests SET feedback_text = 'edited' WHERE id = ${w.requestA}`,
        ),
      ),
      "23514",
    );
  });

  it("audits its own actions into the site organisation's trail, and no other", async () => {
    const insert = (ctx: TenantContext, org: string | null) =>
      as(ctx, (tx) =>
        tx.query(sql.unsafe`
          INSERT INTO audit_events (organization_id, event_type, entity_type, entity_id, actor_id,
                                    actor_type, event_data)
          VALUES (${org}, 'user_action', 'service_request', ${w.requestA}, ${ctx.userId}, 'user', '{}')`),
      );
    await insert(w.portalA, w.org);
    await fails(insert(w.portalA, w.otherOrg), "42501");
    expect(
      await as(w.portalA, (tx) => tx.oneFirst(sql.unsafe`SELECT app_site_organization(${w.site})`)),
    ).toBe(w.org);
    expect(
      await as(w.portalA, (tx) =>
        tx.oneFirst(sql.unsafe`SELECT app_site_organization(${w.otherSite})`),
      ),
    ).toBeNull();
  });

  it("loses everything when the portal is switched off or the tenant becomes inactive", async () => {
    for (const off of [sql.fragment`portal_enabled = false`, sql.fragment`is_active = false`]) {
      await as(w.staff, (tx) =>
        tx.query(sql.unsafe`UPDATE tenants SET ${off} WHERE id = ${w.tenantB}`),
      );
      expect(await count(w.portalB, "tenants")).toBe(0);
      expect(await count(w.portalB, "service_requests")).toBe(0);
      expect(
        await as(w.portalB, (tx) =>
          tx.any(sql.unsafe`SELECT id FROM tenant_site_elevators(${w.tenantB})`),
        ),
      ).toEqual([]);
      await as(w.staff, (tx) =>
        tx.query(
          sql.unsafe`UPDATE tenants SET portal_enabled = true, is_active = true WHERE id = ${w.tenantB}`,
        ),
      );
      expect(await count(w.portalB, "service_requests")).toBe(1);
    }
  });
});

describe("the site organisation's staff under RLS", () => {
  it("invite portal users (no organisation, tenant role, no password) and see those of their tenants", async () => {
    const id = randomUUID();
    const insertPortal = (ctx: TenantContext, values: ReturnType<typeof sql.fragment>) =>
      as(ctx, (tx) =>
        tx.query(sql.unsafe`
          INSERT INTO users (id, organization_id, email, role, password_hash) VALUES ${values}`),
      );
    await insertPortal(
      w.staff,
      sql.fragment`(${id}, NULL, ${`p-${id}@example.test`}, 'tenant', NULL)`,
    );
    // Invisible until a tenant of theirs names it.
    expect(await count(w.staff, "users", sql.fragment`id = ${id}`)).toBe(0);
    await as(w.staff, (tx) =>
      tx.query(sql.unsafe`UPDATE tenants SET portal_user_id = ${id} WHERE id = ${w.tenantA}`),
    );
    expect(await count(w.staff, "users", sql.fragment`id = ${id}`)).toBe(1);
    expect(await count(w.otherStaff, "users", sql.fragment`id = ${id}`)).toBe(0);
    // Never with a password, another role, or into an organisation as a tenant.
    const other = () => randomUUID();
    await fails(
      insertPortal(
        w.staff,
        sql.fragment`(${other()}, NULL, ${`x-${other()}@t.test`}, 'tenant', 'hash')`,
      ),
      "42501",
    );
    await fails(
      insertPortal(
        w.staff,
        sql.fragment`(${other()}, NULL, ${`x-${other()}@t.test`}, 'admin', NULL)`,
      ),
      "42501",
    );
    await fails(
      insertPortal(
        w.staff,
        sql.fragment`(${other()}, ${w.org}, ${`x-${other()}@t.test`}, 'tenant', NULL)`,
      ),
      "23514",
    );
    // No context (and so no membership) invites nobody.
    await fails(
      insertPortal(
        { organizationId: null, userId: null },
        sql.fragment`(${other()}, NULL, ${`x-${other()}@t.test`}, 'tenant', NULL)`,
      ),
      "42501",
    );
  });

  it("of another organisation see neither the tenants nor their requests nor their lifts", async () => {
    expect(await count(w.otherStaff, "tenants")).toBe(0);
    expect(await count(w.otherStaff, "service_requests")).toBe(0);
    expect(
      await as(w.otherStaff, (tx) =>
        tx.any(sql.unsafe`SELECT id FROM tenant_site_elevators(${w.tenantA})`),
      ),
    ).toEqual([]);
    expect(
      await as(w.otherStaff, (tx) =>
        tx.oneFirst(sql.unsafe`SELECT app_site_organization(${w.site})`),
      ),
    ).toBeNull();
  });
});
