import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { buildElevator, buildOrgWithUser, buildSite } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;
let a: Awaited<ReturnType<typeof buildOrgWithUser>>;
let b: Awaited<ReturnType<typeof buildOrgWithUser>>;
let siteA: { id: string };

const call = (method: string, path: string, token: string, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });

const isoDaysFromToday = (days: number) => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

beforeAll(async () => {
  server = await testServer();
  a = await buildOrgWithUser(server.runtime.serviceDb, "admin");
  b = await buildOrgWithUser(server.runtime.serviceDb, "admin");
  siteA = await buildSite(server.runtime.serviceDb, a.orgId);
});

describe("elevators", () => {
  it("creates, reads, updates and soft-deletes an elevator", async () => {
    const created = await call("POST", "/elevators", a.token, {
      site_id: siteA.id,
      unit_number: "L1",
      manufacturer: "Schindler",
      speed_mps: "2.50",
      capacity_kg: 1600,
      installation_date: "2012-03-01",
      known_quirks: ["door reopens on floor 3"],
      v2_document_ids: [4, 8],
      specifications: { drive: "gearless" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      organization_id: a.orgId,
      site_id: siteA.id,
      status: "operational",
      speed_mps: "2.50",
      installation_date: "2012-03-01",
      known_quirks: ["door reopens on floor 3"],
      v2_document_ids: [4, 8],
      specifications: { drive: "gearless" },
    });
    const id = created.body.id;
    const patched = await call("PATCH", `/elevators/${id}`, a.token, { model: "5500" });
    expect(patched.status).toBe(200);
    expect(patched.body.model).toBe("5500");
    expect(patched.body.status_changed_at).toBe(created.body.status_changed_at);
    expect((await call("DELETE", `/elevators/${id}`, a.token)).status).toBe(204);
    expect((await call("GET", `/elevators/${id}`, a.token)).status).toBe(404);
    const list = await call("GET", `/elevators?site_id=${siteA.id}`, a.token);
    expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain(id);
  });

  it("records status_changed_at and status_reason on a status change, audited as elevator_status_changed", async () => {
    const lift = await buildElevator(server.runtime.serviceDb, a.orgId, siteA.id);
    const before = await call("GET", `/elevators/${lift.id}`, a.token);
    const res = await call("PATCH", `/elevators/${lift.id}`, a.token, {
      status: "out_of_service",
      status_reason: "Rope inspection failed",
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("out_of_service");
    expect(res.body.status_reason).toBe("Rope inspection failed");
    expect(Date.parse(res.body.status_changed_at)).toBeGreaterThan(
      Date.parse(before.body.status_changed_at),
    );
    // Back in service without a reason: the old reason does not linger.
    const back = await call("PATCH", `/elevators/${lift.id}`, a.token, { status: "operational" });
    expect(back.body.status_reason).toBeNull();
    const events = (await server.runtime.serviceDb.any(sql.unsafe`
      SELECT event_type, event_data FROM audit_events WHERE entity_id = ${lift.id}
       ORDER BY created_at`)) as Array<{ event_type: string; event_data: Record<string, unknown> }>;
    expect(events.map((e) => e.event_type)).toEqual([
      "elevator_status_changed",
      "elevator_status_changed",
    ]);
    expect(events[0]?.event_data).toMatchObject({
      from: "operational",
      to: "out_of_service",
      reason: "Rope inspection failed",
    });
    expect(
      (await call("PATCH", `/elevators/${lift.id}`, a.token, { status: "broken" })).status,
    ).toBe(400);
  });

  it("keeps unit numbers unique per site (409) but allows the same number at another site", async () => {
    await call("POST", "/elevators", a.token, { site_id: siteA.id, unit_number: "DUP" });
    const dup = await call("POST", "/elevators", a.token, {
      site_id: siteA.id,
      unit_number: "DUP",
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe("conflict");
    const other = await buildSite(server.runtime.serviceDb, a.orgId);
    const ok = await call("POST", "/elevators", a.token, { site_id: other.id, unit_number: "DUP" });
    expect(ok.status).toBe(201);
    const rename = await buildElevator(server.runtime.serviceDb, a.orgId, siteA.id);
    expect(
      (await call("PATCH", `/elevators/${rename.id}`, a.token, { unit_number: "DUP" })).status,
    ).toBe(409);
  });

  it("lists elevators whose inspection is due within N days, with other filters", async () => {
    const site = await buildSite(server.runtime.serviceDb, a.orgId);
    const mk = (unit: string, due: string | null, manufacturer = "KONE") =>
      call("POST", "/elevators", a.token, {
        site_id: site.id,
        unit_number: unit,
        next_inspection_due: due,
        manufacturer,
      });
    const soon = await mk("S1", isoDaysFromToday(10));
    const today = await mk("S2", isoDaysFromToday(0), "Otis");
    await mk("S3", isoDaysFromToday(45));
    await mk("S4", isoDaysFromToday(-3));
    await mk("S5", null);
    const due = await call(
      "GET",
      `/elevators?site_id=${site.id}&inspection_due_within_days=30`,
      a.token,
    );
    expect(due.status).toBe(200);
    expect(due.body.data.map((e: { id: string }) => e.id).sort()).toEqual(
      [soon.body.id, today.body.id].sort(),
    );
    const otis = await call(
      "GET",
      `/elevators?site_id=${site.id}&inspection_due_within_days=30&manufacturer=Otis`,
      a.token,
    );
    expect(otis.body.data.map((e: { id: string }) => e.id)).toEqual([today.body.id]);
    const byStatus = await call("GET", `/elevators?site_id=${site.id}&status=degraded`, a.token);
    expect(byStatus.body.data).toEqual([]);
    expect((await call("GET", "/elevators?inspection_due_within_days=-1", a.token)).status).toBe(
      400,
    );

    const page1 = await call("GET", `/elevators?site_id=${site.id}&limit=2`, a.token);
    expect(page1.body.data).toHaveLength(2);
    const page2 = await call(
      "GET",
      `/elevators?site_id=${site.id}&limit=2&cursor=${page1.body.next_cursor}`,
      a.token,
    );
    const page3 = await call(
      "GET",
      `/elevators?site_id=${site.id}&limit=2&cursor=${page2.body.next_cursor}`,
      a.token,
    );
    expect(page3.body.next_cursor).toBeNull();
    const ids = [...page1.body.data, ...page2.body.data, ...page3.body.data].map(
      (e: { id: string }) => e.id,
    );
    expect(new Set(ids).size).toBe(5);
  });

  it("refuses a site of another organisation (422) and hides elevators across organisations (404)", async () => {
    const siteB = await buildSite(server.runtime.serviceDb, b.orgId);
    const res = await call("POST", "/elevators", a.token, { site_id: siteB.id, unit_number: "X1" });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("unprocessable");

    const lift = await buildElevator(server.runtime.serviceDb, a.orgId, siteA.id);
    expect((await call("GET", `/elevators/${lift.id}`, b.token)).status).toBe(404);
    expect(
      (await call("PATCH", `/elevators/${lift.id}`, b.token, { status: "degraded" })).status,
    ).toBe(404);
    expect((await call("DELETE", `/elevators/${lift.id}`, b.token)).status).toBe(404);
    const list = await call("GET", `/elevators?site_id=${siteA.id}`, b.token);
    expect(list.body.data).toEqual([]);
    expect((await call("GET", "/elevators/123", a.token)).status).toBe(400);
    expect(
      (await call("PATCH", `/elevators/${lift.id}`, a.token, { site_id: siteA.id })).status,
    ).toBe(400);
  });
});
