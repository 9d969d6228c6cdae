import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import {
  WORK_ORDER_STATUSES,
  WORK_ORDER_TRANSITIONS,
  type WorkOrderStatus,
} from "../shared/work-order-states.ts";
import { buildContractor, buildWorkOrder } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";
import { type OrgWithLift, orgWithLift } from "./helpers/work-orders.ts";

type Org = OrgWithLift;

let server: Awaited<ReturnType<typeof testServer>>;
let a: Org;
let b: Org;

const call = (method: string, path: string, token: string, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });

/** A work order already in `status` (set up directly: fixtures, not the behaviour under test). */
async function workOrderIn(status: WorkOrderStatus, org: Org = a) {
  return buildWorkOrder(server.runtime.serviceDb, {
    organizationId: org.orgId,
    siteId: org.siteId,
    elevatorId: org.elevatorId,
    createdBy: org.userId,
    status,
  });
}

const transition = (id: string, to: string, token = a.token, reason?: string) =>
  call("POST", `/work-orders/${id}/transition`, token, { to, reason });

beforeAll(async () => {
  server = await testServer();
  a = await orgWithLift(server.runtime.serviceDb);
  b = await orgWithLift(server.runtime.serviceDb);
});

describe("work order state machine", () => {
  const legal = WORK_ORDER_STATUSES.flatMap((from) =>
    WORK_ORDER_TRANSITIONS[from].map((to) => [from, to] as const),
  );
  const illegal = WORK_ORDER_STATUSES.flatMap((from) =>
    WORK_ORDER_STATUSES.filter((to) => !WORK_ORDER_TRANSITIONS[from].includes(to)).map(
      (to) => [from, to] as const,
    ),
  );

  it.each(legal)("allows %s → %s", async (from, to) => {
    const wo = await workOrderIn(from);
    const res = await transition(wo.id, to);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe(to);
  });

  it("answers 409 to every transition not in the map, and changes nothing", async () => {
    expect(illegal.length).toBeGreaterThan(30);
    for (const [from, to] of illegal) {
      const wo = await workOrderIn(from);
      const res = await transition(wo.id, to);
      expect(res.status, `${from} → ${to}`).toBe(409);
      expect(res.body.code).toBe("conflict");
      const after = await call("GET", `/work-orders/${wo.id}`, a.token);
      expect(after.body.status).toBe(from);
    }
  });

  it("stamps actual_start once, actual_end and completed_at on completion, and clears them on reopen", async () => {
    const wo = await workOrderIn("pending");
    const started = (await transition(wo.id, "in_progress")).body;
    expect(started.actual_start).not.toBeNull();
    expect(started.actual_end).toBeNull();
    await transition(wo.id, "on_hold", a.token, "Waiting for parts");
    const resumed = (await transition(wo.id, "in_progress")).body;
    expect(resumed.actual_start).toBe(started.actual_start);
    const done = (await transition(wo.id, "completed")).body;
    expect(done.actual_end).not.toBeNull();
    expect(done.completed_at).toBe(done.actual_end);
    const reopened = (await transition(wo.id, "in_progress", a.token, "Callback: fault returned"))
      .body;
    expect(reopened).toMatchObject({
      actual_start: started.actual_start,
      actual_end: null,
      completed_at: null,
    });
    await transition(wo.id, "completed");
    const invoiced = (await transition(wo.id, "invoiced")).body;
    expect(invoiced.completed_at).not.toBeNull();

    const events = (await server.runtime.serviceDb.any(sql.unsafe`
      SELECT event_type, event_data FROM audit_events WHERE entity_id = ${wo.id} ORDER BY created_at`)) as Array<{
      event_type: string;
      event_data: Record<string, unknown>;
    }>;
    expect(events.map((e) => e.event_type)).toEqual([
      "work_order_started",
      "work_order_updated",
      "work_order_started",
      "work_order_completed",
      "work_order_started",
      "work_order_completed",
      "work_order_updated",
    ]);
    expect(events[1]?.event_data).toMatchObject({
      from: "in_progress",
      to: "on_hold",
      reason: "Waiting for parts",
    });
    expect(events[4]?.event_data).toMatchObject({ reopened: true });
  });

  it("audits cancellation as work_order_cancelled", async () => {
    const wo = await workOrderIn("scheduled");
    expect((await transition(wo.id, "cancelled", a.token, "Duplicate")).status).toBe(200);
    const row = (await server.runtime.serviceDb.one(sql.unsafe`
      SELECT event_type FROM audit_events WHERE entity_id = ${wo.id}`)) as { event_type: string };
    expect(row.event_type).toBe("work_order_cancelled");
  });

  it("decides racing transitions one at a time (row lock): exactly one of two completes wins", async () => {
    const wo = await workOrderIn("in_progress");
    const [x, y] = await Promise.all([
      transition(wo.id, "completed"),
      transition(wo.id, "completed"),
    ]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
  });

  it("validates the transition body", async () => {
    const wo = await workOrderIn("pending");
    expect((await transition(wo.id, "flying")).status).toBe(400);
    expect((await call("POST", `/work-orders/${wo.id}/transition`, a.token, {})).status).toBe(400);
    expect((await transition(wo.id, "scheduled", b.token)).status).toBe(404);
  });
});

describe("work order assignment", () => {
  it("assigns an active contractor of the same organisation, recording assigned_at and assigned_by", async () => {
    const wo = await workOrderIn("pending");
    const tech = await buildContractor(server.runtime.serviceDb, a.orgId);
    const res = await call("POST", `/work-orders/${wo.id}/assign`, a.token, {
      contractor_id: tech.id,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ assigned_contractor_id: tech.id, assigned_by: a.userId });
    expect(Date.now() - Date.parse(res.body.assigned_at)).toBeLessThan(60_000);
    const audit = (await server.runtime.serviceDb.one(sql.unsafe`
      SELECT event_type, event_data FROM audit_events WHERE entity_id = ${wo.id}`)) as {
      event_type: string;
      event_data: Record<string, unknown>;
    };
    expect(audit.event_type).toBe("work_order_assigned");
    expect(audit.event_data).toMatchObject({ from: null, to: tech.id });

    const cleared = await call("POST", `/work-orders/${wo.id}/assign`, a.token, {
      contractor_id: null,
    });
    expect(cleared.body).toMatchObject({
      assigned_contractor_id: null,
      assigned_at: null,
      assigned_by: null,
    });
  });

  it("refuses an inactive, deleted or other organisation's contractor with 422", async () => {
    const wo = await workOrderIn("pending");
    const inactive = await buildContractor(server.runtime.serviceDb, a.orgId, { is_active: false });
    const res = await call("POST", `/work-orders/${wo.id}/assign`, a.token, {
      contractor_id: inactive.id,
    });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(/not active/);
    const foreign = await buildContractor(server.runtime.serviceDb, b.orgId);
    expect(
      (await call("POST", `/work-orders/${wo.id}/assign`, a.token, { contractor_id: foreign.id }))
        .status,
    ).toBe(422);
    const gone = await buildContractor(server.runtime.serviceDb, a.orgId);
    await call("DELETE", `/contractors/${gone.id}`, a.token);
    expect(
      (await call("POST", `/work-orders/${wo.id}/assign`, a.token, { contractor_id: gone.id }))
        .status,
    ).toBe(422);
    const unchanged = await call("GET", `/work-orders/${wo.id}`, a.token);
    expect(unchanged.body.assigned_contractor_id).toBeNull();
  });

  it("does not reassign finished work (409) and needs work_orders:assign (403)", async () => {
    const tech = await buildContractor(server.runtime.serviceDb, a.orgId);
    for (const status of ["completed", "cancelled", "invoiced"] as const) {
      const wo = await workOrderIn(status);
      expect(
        (await call("POST", `/work-orders/${wo.id}/assign`, a.token, { contractor_id: tech.id }))
          .status,
      ).toBe(409);
    }
    const db = server.runtime.serviceDb;
    const { buildUser, sessionFor } = await import("./factories.ts");
    const technician = await buildUser(db, { organizationId: a.orgId, role: "technician" });
    const { token } = await sessionFor(db, technician);
    const wo = await workOrderIn("pending");
    expect(
      (await call("POST", `/work-orders/${wo.id}/assign`, token, { contractor_id: tech.id }))
        .status,
    ).toBe(403);
    // Technicians may move work along, though.
    expect((await transition(wo.id, "in_progress", token)).status).toBe(200);
  });
});
