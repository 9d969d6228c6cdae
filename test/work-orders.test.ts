import { randomUUID } from "node:crypto";
import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { buildElevator, buildSite, buildUser, buildWorkOrder } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";
import { type OrgWithLift, orgWithLift } from "./helpers/work-orders.ts";

type Org = OrgWithLift;

let server: Awaited<ReturnType<typeof testServer>>;
let a: Org;
let b: Org;

const call = (method: string, path: string, token: string, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });

const create = (org: Org, extra: Record<string, unknown> = {}) =>
  call("POST", "/work-orders", org.token, {
    site_id: org.siteId,
    elevator_id: org.elevatorId,
    type: "breakdown",
    title: "Car stopped between L3 and L4",
    ...extra,
  });

beforeAll(async () => {
  server = await testServer();
  a = await orgWithLift(server.runtime.serviceDb);
  b = await orgWithLift(server.runtime.serviceDb);
});

describe("work orders: create, read, update", () => {
  it("creates a work order numbered by the database, audited as work_order_created", async () => {
    const res = await create(a, {
      priority: "high",
      reported_symptoms: ["grinding noise"],
      affected_floors: [3, 4],
      due_date: "2030-01-01T00:00:00.000Z",
      custom_fields: { po: "PO-1" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      organization_id: a.orgId,
      status: "draft",
      priority: "high",
      created_by: a.userId,
      parts_cost: "0.00",
      total_cost: "0.00",
      reported_symptoms: ["grinding noise"],
      affected_floors: [3, 4],
      due_date: "2030-01-01T00:00:00.000Z",
      custom_fields: { po: "PO-1" },
    });
    expect(res.body.work_order_number).toMatch(/^WO-\d{6}$/);
    const got = await call("GET", `/work-orders/${res.body.id}`, a.token);
    expect(got.body.id).toBe(res.body.id);
    const audit = await server.runtime.serviceDb.any(
      sql.unsafe`SELECT event_type FROM audit_events WHERE entity_id = ${res.body.id} ORDER BY chain_seq`,
    );
    // A breakdown with symptoms also queues a diagnosis (docs/workers.md#diagnosis).
    expect(audit.map((r) => (r as { event_type: string }).event_type)).toEqual([
      "work_order_created",
      "diagnosis_requested",
    ]);
  });

  it("allows only draft or pending at creation and never a client-chosen number", async () => {
    expect((await create(a, { status: "pending" })).body.status).toBe("pending");
    expect((await create(a, { status: "in_progress" })).status).toBe(400);
    expect((await create(a, { work_order_number: "WO-999999" })).status).toBe(400);
    expect((await create(a, { total_cost: "5.00" })).status).toBe(400);
    expect((await create(a, { organization_id: b.orgId })).status).toBe(400);
  });

  it("checks that the elevator belongs to the site and both are the caller's (422)", async () => {
    const otherSite = await buildSite(server.runtime.serviceDb, a.orgId);
    const wrongSite = await create(a, { site_id: otherSite.id });
    expect(wrongSite.status).toBe(422);
    expect(wrongSite.body.detail).toMatch(/elevator_id does not belong to the given site_id/);
    expect((await create(a, { site_id: b.siteId, elevator_id: b.elevatorId })).status).toBe(422);
    expect((await create(a, { elevator_id: b.elevatorId })).status).toBe(422);
    expect((await create(a, { elevator_id: randomUUID() })).status).toBe(422);
  });

  it("numbers 20 concurrent creates in one organisation WO-000001..WO-000020, independently per organisation", async () => {
    const fresh = await orgWithLift(server.runtime.serviceDb);
    const other = await orgWithLift(server.runtime.serviceDb);
    const results = await Promise.all(Array.from({ length: 20 }, () => create(fresh)));
    expect(results.every((r) => r.status === 201)).toBe(true);
    const numbers = results.map((r) => r.body.work_order_number as string).sort();
    expect(numbers).toEqual(
      Array.from({ length: 20 }, (_, i) => `WO-${String(i + 1).padStart(6, "0")}`),
    );
    const first = await create(other);
    expect(first.body.work_order_number).toBe("WO-000001");
  });

  it("PATCHes allowed fields and rejects status, number, organisation, site, elevator and assignee (400)", async () => {
    const wo = (await create(a)).body;
    const ok = await call("PATCH", `/work-orders/${wo.id}`, a.token, {
      title: "Door operator fault",
      priority: "emergency",
      resolution_notes: null,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ title: "Door operator fault", priority: "emergency" });
    for (const body of [
      { status: "completed" },
      { work_order_number: "WO-1" },
      { organization_id: b.orgId },
      { site_id: a.siteId },
      { elevator_id: a.elevatorId },
      { assigned_contractor_id: randomUUID() },
      { total_cost: "1.00" },
    ]) {
      const res = await call("PATCH", `/work-orders/${wo.id}`, a.token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it("keeps money exact: total_cost = parts_cost + labor_cost", async () => {
    const wo = (await create(a, { parts_cost: "0.10", labor_cost: "0.20" })).body;
    expect(wo).toMatchObject({ parts_cost: "0.10", labor_cost: "0.20", total_cost: "0.30" });
    const patched = await call("PATCH", `/work-orders/${wo.id}`, a.token, {
      labor_cost: "99999999.89",
    });
    expect(patched.body).toMatchObject({ labor_cost: "99999999.89", total_cost: "99999999.99" });
    // total_cost is numeric(10,2) like its parts: a sum past 99,999,999.99 is refused, not rounded.
    const overflow = await call("PATCH", `/work-orders/${wo.id}`, a.token, {
      labor_cost: "99999999.99",
    });
    expect(overflow.status).toBe(400);
    const moreParts = await call("PATCH", `/work-orders/${wo.id}`, a.token, {
      labor_cost: "1234.5",
      parts_cost: "0.05",
    });
    expect(moreParts.body).toMatchObject({ labor_cost: "1234.50", total_cost: "1234.55" });
    for (const bad of ["-1.00", "1.234", "abc", "", "123456789.00"]) {
      expect(
        (await call("PATCH", `/work-orders/${wo.id}`, a.token, { parts_cost: bad })).status,
      ).toBe(400);
    }
    expect(
      (await call("PATCH", `/work-orders/${wo.id}`, a.token, { parts_cost: 1.5 })).status,
    ).toBe(400);
  });

  it("links callbacks and follow-ups to a parent of the same organisation only, without loops", async () => {
    const parent = (await create(a)).body;
    const child = await create(a, { type: "callback", parent_work_order_id: parent.id });
    expect(child.status).toBe(201);
    expect(child.body.parent_work_order_id).toBe(parent.id);
    const foreign = (await create(b)).body;
    const cross = await create(a, { type: "callback", parent_work_order_id: foreign.id });
    expect(cross.status).toBe(422);
    expect(
      (
        await call("PATCH", `/work-orders/${parent.id}`, a.token, {
          parent_work_order_id: foreign.id,
        })
      ).status,
    ).toBe(422);
    // parent -> child -> parent would be a loop; so would a self-link.
    expect(
      (
        await call("PATCH", `/work-orders/${parent.id}`, a.token, {
          parent_work_order_id: child.body.id,
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call("PATCH", `/work-orders/${parent.id}`, a.token, {
          parent_work_order_id: parent.id,
        })
      ).status,
    ).toBe(422);
    const children = await call("GET", `/work-orders?parent_work_order_id=${parent.id}`, a.token);
    expect(children.body.data.map((w: { id: string }) => w.id)).toEqual([child.body.id]);
  });

  it("checks reporter_user_id is a user of the organisation", async () => {
    const colleague = await buildUser(server.runtime.serviceDb, { organizationId: a.orgId });
    expect((await create(a, { reporter_user_id: colleague.id })).status).toBe(201);
    expect((await create(a, { reporter_user_id: b.userId })).status).toBe(422);
  });
});

describe("work orders: lists", () => {
  it("filters by status list, priority, type, site and elevator, and pages by cursor", async () => {
    const org = await orgWithLift(server.runtime.serviceDb, "manager");
    const db = server.runtime.serviceDb;
    const base = {
      organizationId: org.orgId,
      siteId: org.siteId,
      elevatorId: org.elevatorId,
      createdBy: org.userId,
    };
    await buildWorkOrder(db, { ...base, status: "pending", priority: "emergency" });
    await buildWorkOrder(db, { ...base, status: "scheduled", priority: "low", type: "preventive" });
    await buildWorkOrder(db, { ...base, status: "completed" });
    const otherLift = await buildElevator(db, org.orgId, org.siteId);
    await buildWorkOrder(db, { ...base, elevatorId: otherLift.id, status: "pending" });

    const q = async (qs: string) =>
      (await call("GET", `/work-orders?${qs}`, org.token)).body.data.length;
    expect(await q("status=pending")).toBe(2);
    expect(await q("status=pending,scheduled")).toBe(3);
    expect(await q("priority=emergency")).toBe(1);
    expect(await q("type=preventive")).toBe(1);
    expect(await q(`elevator_id=${otherLift.id}`)).toBe(1);
    expect(await q(`site_id=${org.siteId}`)).toBe(4);
    expect((await call("GET", "/work-orders?status=bogus", org.token)).status).toBe(400);

    const p1 = await call("GET", "/work-orders?limit=3", org.token);
    expect(p1.body.data).toHaveLength(3);
    const p2 = await call("GET", `/work-orders?limit=3&cursor=${p1.body.next_cursor}`, org.token);
    expect(p2.body.data).toHaveLength(1);
    expect(p2.body.next_cursor).toBeNull();
  });
});

describe("work orders: isolation", () => {
  it("answers 404 to another organisation on every work order route", async () => {
    const wo = (await create(a)).body;
    const contractor = await call("POST", "/contractors", b.token, {
      contractor_type: "employee",
      contact_name: "B tech",
    });
    expect((await call("GET", `/work-orders/${wo.id}`, b.token)).status).toBe(404);
    expect((await call("PATCH", `/work-orders/${wo.id}`, b.token, { title: "x" })).status).toBe(
      404,
    );
    expect(
      (await call("POST", `/work-orders/${wo.id}/transition`, b.token, { to: "pending" })).status,
    ).toBe(404);
    expect(
      (
        await call("POST", `/work-orders/${wo.id}/assign`, b.token, {
          contractor_id: contractor.body.id,
        })
      ).status,
    ).toBe(404);
    const list = await call("GET", "/work-orders?limit=200", b.token);
    expect(list.body.data.map((w: { id: string }) => w.id)).not.toContain(wo.id);
    expect((await call("GET", "/work-orders/nope", a.token)).status).toBe(400);
  });
});
