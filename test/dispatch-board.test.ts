import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { explainDispatch, planNodes, scanSummary } from "../scripts/data/explain-dispatch.ts";
import { loadDispatchDataset } from "../scripts/data/generate-dispatch.ts";
import {
  buildContractor,
  buildElevator,
  buildOrgWithUser,
  buildSite,
  buildWorkOrder,
} from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;

const board = (token: string, qs = "") =>
  api(server.url, "GET", `/api/v1/dispatch-board${qs}`, { token });

beforeAll(async () => {
  server = await testServer();
});

describe("dispatch board", () => {
  it("groups open work orders by status with site, elevator, assignee, priority and due date", async () => {
    const db = server.runtime.serviceDb;
    const org = await buildOrgWithUser(db, "manager");
    const site = await buildSite(db, org.orgId, { name: "Harbour Plaza" });
    const lift = await buildElevator(db, org.orgId, site.id, { unit_number: "P1" });
    const base = {
      organizationId: org.orgId,
      siteId: site.id,
      elevatorId: lift.id,
      createdBy: org.userId,
    };
    const low = await buildWorkOrder(db, { ...base, status: "pending", priority: "low" });
    const emergency = await buildWorkOrder(db, {
      ...base,
      status: "pending",
      priority: "emergency",
    });
    const scheduled = await buildWorkOrder(db, { ...base, status: "scheduled" });
    await buildWorkOrder(db, { ...base, status: "draft" });
    await buildWorkOrder(db, { ...base, status: "completed" });
    await buildWorkOrder(db, { ...base, status: "cancelled" });
    const tech = await buildContractor(db, org.orgId);
    await db.query(sql.unsafe`
      UPDATE work_orders SET assigned_contractor_id = ${tech.id}, due_date = '2030-05-01T08:00:00Z'
       WHERE id = ${emergency.id}`);

    const res = await board(org.token);
    expect(res.status).toBe(200);
    expect(res.body.columns.map((c: { status: string }) => c.status)).toEqual([
      "pending",
      "scheduled",
      "in_progress",
      "on_hold",
    ]);
    const [pending, sched, inProgress, onHold] = res.body.columns;
    expect(pending.count).toBe(2);
    expect(pending.work_orders.map((w: { id: string }) => w.id)).toEqual([emergency.id, low.id]);
    expect(pending.work_orders[0]).toEqual({
      id: emergency.id,
      work_order_number: emergency.work_order_number,
      title: "Lift stuck between floors",
      status: "pending",
      priority: "emergency",
      type: "breakdown",
      due_date: "2030-05-01T08:00:00.000Z",
      scheduled_start: null,
      site: { id: site.id, name: "Harbour Plaza" },
      elevator: { id: lift.id, unit_number: "P1" },
      assignee: { id: tech.id, contact_name: expect.any(String) },
    });
    expect(pending.work_orders[1].assignee).toBeNull();
    expect(sched).toMatchObject({ count: 1, work_orders: [{ id: scheduled.id }] });
    expect(inProgress).toEqual({ status: "in_progress", count: 0, work_orders: [] });
    expect(onHold.count).toBe(0);

    const limited = await board(org.token, "?limit_per_status=1");
    expect(limited.body.columns[0]).toMatchObject({
      count: 2,
      work_orders: [{ id: emergency.id }],
    });
    const lowOnly = await board(org.token, "?priority=low");
    expect(lowOnly.body.columns[0].work_orders.map((w: { id: string }) => w.id)).toEqual([low.id]);
    const otherSite = await buildSite(db, org.orgId);
    const empty = await board(org.token, `?site_id=${otherSite.id}`);
    expect(empty.body.columns.every((c: { count: number }) => c.count === 0)).toBe(true);
    const bySite = await board(org.token, `?site_id=${site.id}`);
    expect(bySite.body.columns[0].count).toBe(2);
  });

  it("never shows another organisation's work orders", async () => {
    const db = server.runtime.serviceDb;
    const a = await buildOrgWithUser(db, "admin");
    const b = await buildOrgWithUser(db, "admin");
    const site = await buildSite(db, a.orgId);
    const lift = await buildElevator(db, a.orgId, site.id);
    await buildWorkOrder(db, {
      organizationId: a.orgId,
      siteId: site.id,
      elevatorId: lift.id,
      createdBy: a.userId,
    });
    const res = await board(b.token);
    expect(res.status).toBe(200);
    expect(
      res.body.columns.every(
        (c: { count: number; work_orders: unknown[] }) =>
          c.count === 0 && c.work_orders.length === 0,
      ),
    ).toBe(true);
    // Another organisation's site id simply matches nothing.
    const cross = await board(b.token, `?site_id=${site.id}`);
    expect(cross.body.columns[0].count).toBe(0);
    expect((await board(a.token)).body.columns[0].count).toBe(1);
  });

  it("validates its query and needs dispatch:read", async () => {
    const db = server.runtime.serviceDb;
    const org = await buildOrgWithUser(db, "readonly");
    expect((await board(org.token, "?site_id=nope")).status).toBe(400);
    expect((await board(org.token, "?priority=urgent")).status).toBe(400);
    expect((await board(org.token, "?limit_per_status=0")).status).toBe(400);
    expect((await board(org.token, "?limit_per_status=201")).status).toBe(400);
    expect((await board(org.token, "?colour=red")).status).toBe(400);
    const guest = await buildOrgWithUser(db, "guest");
    expect((await board(guest.token)).status).toBe(403);
  });

  it("plans with indexes, not sequential scans on work_orders, on 20,000 work orders under RLS", async () => {
    const env = server.runtime.env;
    await loadDispatchDataset(env.MIGRATION_DATABASE_URL, { orgs: 2, perOrg: 10_000 });
    const orgId = (await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT id FROM organizations WHERE slug = 'bench-org-1'`,
    )) as string;
    const siteId = (await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT id FROM sites WHERE organization_id = ${orgId} LIMIT 1`,
    )) as string;
    for (const mode of ["generic", "custom"] as const) {
      for (const filters of [
        {},
        { siteId },
        { priority: "high" },
        { siteId, priority: "emergency" },
      ]) {
        const { plan } = await explainDispatch(env.DATABASE_URL, {
          organizationId: orgId,
          mode,
          ...filters,
        });
        const onWorkOrders = planNodes(plan).filter((n) => n["Relation Name"] === "work_orders");
        expect(onWorkOrders.length, JSON.stringify(filters)).toBe(8);
        expect(
          onWorkOrders.filter((n) => n["Node Type"] === "Seq Scan"),
          `${mode} ${JSON.stringify(filters)}: ${scanSummary(plan).join("; ")}`,
        ).toEqual([]);
        expect(
          onWorkOrders.every((n) => n["Index Name"]?.startsWith("idx_work_orders_board_") ?? true),
        ).toBe(true);
      }
    }
    // And the board over that data is right: counts match a direct count.
    const token = (
      await (
        await import("./factories.ts")
      ).sessionFor(server.runtime.serviceDb, {
        id: (await server.runtime.serviceDb.oneFirst(
          sql.unsafe`SELECT id FROM users WHERE organization_id = ${orgId}`,
        )) as string,
        organizationId: orgId,
      })
    ).token;
    const res = await board(token);
    const expected = (await server.runtime.serviceDb.any(sql.unsafe`
      SELECT status::text, count(*)::int AS n FROM work_orders
       WHERE organization_id = ${orgId} AND status IN ('pending','scheduled','in_progress','on_hold')
       GROUP BY status`)) as Array<{ status: string; n: number }>;
    for (const column of res.body.columns) {
      expect(column.count).toBe(expected.find((e) => e.status === column.status)?.n ?? 0);
      expect(column.work_orders).toHaveLength(Math.min(50, column.count));
    }
  });
});
