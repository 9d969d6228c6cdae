import { randomUUID } from "node:crypto";
import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { buildElevator, buildOrgWithUser, buildSite } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;
let a: Awaited<ReturnType<typeof buildOrgWithUser>>;
let b: Awaited<ReturnType<typeof buildOrgWithUser>>;

const call = (method: string, path: string, token: string, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });

async function auditTypes(entityId: string): Promise<string[]> {
  const rows = (await server.runtime.serviceDb.any(sql.unsafe`
    SELECT event_type, event_data FROM audit_events WHERE entity_id = ${entityId} ORDER BY created_at`)) as Array<{
    event_type: string;
    event_data: { action?: string };
  }>;
  return rows.map((r) => r.event_data.action ?? r.event_type);
}

beforeAll(async () => {
  server = await testServer();
  a = await buildOrgWithUser(server.runtime.serviceDb, "admin");
  b = await buildOrgWithUser(server.runtime.serviceDb, "admin");
});

describe("sites", () => {
  it("creates, reads, updates and soft-deletes a site, auditing each change", async () => {
    const created = await call("POST", "/sites", a.token, {
      name: "Collins Tower",
      code: "COL-1",
      site_type: "commercial",
      city: "Melbourne",
      state: "VIC",
      latitude: "-37.81360000",
      total_area_sqm: "12500.50",
      metadata: { owner: "ACME" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Collins Tower",
      organization_id: a.orgId,
      country: "Australia",
      latitude: "-37.81360000",
      total_area_sqm: "12500.50",
      metadata: { owner: "ACME" },
      deleted_at: null,
    });
    expect(created.body).not.toHaveProperty("access_codes");
    const id = created.body.id;

    const got = await call("GET", `/sites/${id}`, a.token);
    expect(got.status).toBe(200);
    expect(got.body.code).toBe("COL-1");

    const patched = await call("PATCH", `/sites/${id}`, a.token, { floors_count: 40, code: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ floors_count: 40, code: null, name: "Collins Tower" });

    const elevator = await buildElevator(server.runtime.serviceDb, a.orgId, id);
    const deleted = await call("DELETE", `/sites/${id}`, a.token);
    expect(deleted.status).toBe(204);
    expect((await call("GET", `/sites/${id}`, a.token)).status).toBe(404);
    expect((await call("PATCH", `/sites/${id}`, a.token, { name: "x" })).status).toBe(404);
    expect((await call("DELETE", `/sites/${id}`, a.token)).status).toBe(404);
    // The site's elevators go with it.
    expect((await call("GET", `/elevators/${elevator.id}`, a.token)).status).toBe(404);
    const list = await call("GET", "/sites?limit=200", a.token);
    expect(list.body.data.map((s: { id: string }) => s.id)).not.toContain(id);

    expect(await auditTypes(id)).toEqual(["site_created", "site_updated", "site_deleted"]);
  });

  it("rejects unknown fields, bad values and bad ids with 400", async () => {
    const unknown = await call("POST", "/sites", a.token, { name: "X", organization_id: b.orgId });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe("invalid_request");
    expect((await call("POST", "/sites", a.token, { name: "X", site_type: "castle" })).status).toBe(
      400,
    );
    expect((await call("POST", "/sites", a.token, {})).status).toBe(400);
    expect((await call("GET", "/sites/not-a-uuid", a.token)).status).toBe(400);
    expect((await call("PATCH", "/sites/not-a-uuid", a.token, { name: "x" })).status).toBe(400);
    expect((await call("GET", "/sites?cursor=garbage", a.token)).status).toBe(400);
    expect((await call("GET", "/sites?limit=500", a.token)).status).toBe(400);
  });

  it("filters and pages with a cursor, without repeats or gaps", async () => {
    const org = await buildOrgWithUser(server.runtime.serviceDb, "manager");
    for (let i = 0; i < 7; i++) {
      await buildSite(server.runtime.serviceDb, org.orgId, { state: i % 2 === 0 ? "NSW" : "QLD" });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const qs: string = cursor ? `&cursor=${cursor}` : "";
      const page = await call("GET", `/sites?limit=3${qs}`, org.token);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((s: { id: string }) => s.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);

    const qld = await call("GET", "/sites?state=QLD", org.token);
    expect(qld.body.data).toHaveLength(3);
    expect(qld.body.data.every((s: { state: string }) => s.state === "QLD")).toBe(true);
  });

  it("answers 404 to another organisation for every route", async () => {
    const site = await buildSite(server.runtime.serviceDb, a.orgId);
    expect((await call("GET", `/sites/${site.id}`, b.token)).status).toBe(404);
    expect((await call("PATCH", `/sites/${site.id}`, b.token, { name: "mine" })).status).toBe(404);
    expect((await call("DELETE", `/sites/${site.id}`, b.token)).status).toBe(404);
    const list = await call("GET", "/sites?limit=200", b.token);
    expect(list.body.data.map((s: { id: string }) => s.id)).not.toContain(site.id);
    expect((await call("GET", `/sites/${randomUUID()}`, a.token)).status).toBe(404);
    expect((await call("GET", `/sites/${site.id}`, a.token)).status).toBe(200);
  });

  it("needs sites:write to change and sites:read to see", async () => {
    const readonly = await buildOrgWithUser(server.runtime.serviceDb, "readonly");
    expect((await call("GET", "/sites", readonly.token)).status).toBe(200);
    expect((await call("POST", "/sites", readonly.token, { name: "Nope" })).status).toBe(403);
    const guest = await buildOrgWithUser(server.runtime.serviceDb, "guest");
    expect((await call("GET", "/sites", guest.token)).status).toBe(403);
    expect((await api(server.url, "GET", "/api/v1/sites")).status).toBe(401);
  });
});
