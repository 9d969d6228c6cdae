import { beforeAll, describe, expect, it } from "vitest";
import { buildContractor, buildOrgWithUser, buildUser } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;
let a: Awaited<ReturnType<typeof buildOrgWithUser>>;
let b: Awaited<ReturnType<typeof buildOrgWithUser>>;

const call = (method: string, path: string, token: string, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });

beforeAll(async () => {
  server = await testServer();
  a = await buildOrgWithUser(server.runtime.serviceDb, "admin");
  b = await buildOrgWithUser(server.runtime.serviceDb, "admin");
});

describe("contractors", () => {
  it("creates, reads, updates and soft-deletes a contractor with exact rates", async () => {
    const created = await call("POST", "/contractors", a.token, {
      contractor_type: "subcontractor",
      contact_name: "Priya Lift Services",
      hourly_rate: "145.50",
      callout_fee: "90",
      specializations: ["hydraulic", "KONE"],
      license_expiry: "2027-06-30",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      organization_id: a.orgId,
      hourly_rate: "145.50",
      callout_fee: "90.00",
      is_active: true,
      specializations: ["hydraulic", "KONE"],
      license_expiry: "2027-06-30",
    });
    const id = created.body.id;
    const patched = await call("PATCH", `/contractors/${id}`, a.token, { is_preferred: true });
    expect(patched.body.is_preferred).toBe(true);
    expect((await call("DELETE", `/contractors/${id}`, a.token)).status).toBe(204);
    expect((await call("GET", `/contractors/${id}`, a.token)).status).toBe(404);
  });

  it("validates money, types, links to users of the same organisation only", async () => {
    const base = { contractor_type: "employee", contact_name: "Sam" };
    expect(
      (await call("POST", "/contractors", a.token, { ...base, hourly_rate: "-1" })).status,
    ).toBe(400);
    expect(
      (await call("POST", "/contractors", a.token, { ...base, hourly_rate: 12.5 })).status,
    ).toBe(400);
    expect(
      (await call("POST", "/contractors", a.token, { ...base, contractor_type: "x" })).status,
    ).toBe(400);
    expect((await call("POST", "/contractors", a.token, { ...base, rating: "5" })).status).toBe(
      400,
    );
    const other = await call("POST", "/contractors", a.token, { ...base, user_id: b.userId });
    expect(other.status).toBe(422);
    const colleague = await buildUser(server.runtime.serviceDb, {
      organizationId: a.orgId,
      role: "technician",
    });
    const linked = await call("POST", "/contractors", a.token, { ...base, user_id: colleague.id });
    expect(linked.status).toBe(201);
    expect(linked.body.user_id).toBe(colleague.id);
  });

  it("filters by active, type and specialization, and pages", async () => {
    const org = await buildOrgWithUser(server.runtime.serviceDb, "manager");
    await buildContractor(server.runtime.serviceDb, org.orgId, { is_active: false });
    await buildContractor(server.runtime.serviceDb, org.orgId);
    await buildContractor(server.runtime.serviceDb, org.orgId);
    const hydraulic = await call("POST", "/contractors", org.token, {
      contractor_type: "vendor",
      contact_name: "Hydra",
      specializations: ["hydraulic"],
    });
    const active = await call("GET", "/contractors?is_active=true", org.token);
    expect(active.body.data).toHaveLength(3);
    const inactive = await call("GET", "/contractors?is_active=false", org.token);
    expect(inactive.body.data).toHaveLength(1);
    const vendors = await call("GET", "/contractors?contractor_type=vendor", org.token);
    expect(vendors.body.data.map((c: { id: string }) => c.id)).toEqual([hydraulic.body.id]);
    const spec = await call("GET", "/contractors?specialization=hydraulic", org.token);
    expect(spec.body.data.map((c: { id: string }) => c.id)).toEqual([hydraulic.body.id]);
    const page = await call("GET", "/contractors?limit=3", org.token);
    expect(page.body.data).toHaveLength(3);
    const rest = await call(
      "GET",
      `/contractors?limit=3&cursor=${page.body.next_cursor}`,
      org.token,
    );
    expect(rest.body.data).toHaveLength(1);
    expect(rest.body.next_cursor).toBeNull();
    expect((await call("GET", "/contractors?is_active=yes", org.token)).status).toBe(400);
  });

  it("answers 404 to another organisation", async () => {
    const c = await buildContractor(server.runtime.serviceDb, a.orgId);
    expect((await call("GET", `/contractors/${c.id}`, b.token)).status).toBe(404);
    expect((await call("PATCH", `/contractors/${c.id}`, b.token, { phone: "1" })).status).toBe(404);
    expect((await call("DELETE", `/contractors/${c.id}`, b.token)).status).toBe(404);
    const list = await call("GET", "/contractors?limit=200", b.token);
    expect(list.body.data.map((x: { id: string }) => x.id)).not.toContain(c.id);
  });
});
