import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { buildOrgWithUser } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;

beforeAll(async () => {
  server = await testServer();
});

describe("organizations", () => {
  it("lists and reads only the caller's own organisation", async () => {
    const a = await buildOrgWithUser(server.runtime.serviceDb, "readonly");
    const b = await buildOrgWithUser(server.runtime.serviceDb, "owner");
    const list = await api(server.url, "GET", "/api/v1/organizations", { token: a.token });
    expect(list.status).toBe(200);
    expect(list.body.data.map((o: { id: string }) => o.id)).toEqual([a.orgId]);
    expect(list.body.next_cursor).toBeNull();
    expect(
      (await api(server.url, "GET", `/api/v1/organizations/${a.orgId}`, { token: a.token })).status,
    ).toBe(200);
    expect(
      (await api(server.url, "GET", `/api/v1/organizations/${a.orgId}`, { token: b.token })).status,
    ).toBe(404);
  });

  it("PATCH needs org:update, writes an audit event, and other organisations are 404", async () => {
    const owner = await buildOrgWithUser(server.runtime.serviceDb, "owner");
    const patched = await api(server.url, "PATCH", `/api/v1/organizations/${owner.orgId}`, {
      token: owner.token,
      body: {
        name: "Vertical Transport Co",
        abn: "51 824 753 556",
        settings: { timezone: "Australia/Perth" },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.name).toBe("Vertical Transport Co");
    expect(patched.body.settings).toEqual({ timezone: "Australia/Perth" });
    // The reminders' day is read from it: a name that is not a zone is refused.
    for (const timezone of ["Perth", "australia/perth", 8]) {
      const bad = await api(server.url, "PATCH", `/api/v1/organizations/${owner.orgId}`, {
        token: owner.token,
        body: { settings: { timezone } },
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toContain("timezone");
    }
    const audit = await server.runtime.serviceDb.anyFirst(
      sql.unsafe`SELECT event_type FROM audit_events WHERE entity_id = ${owner.orgId}`,
    );
    expect(audit).toContain("settings_changed");

    const readonly = await buildOrgWithUser(server.runtime.serviceDb, "readonly");
    const denied = await api(server.url, "PATCH", `/api/v1/organizations/${readonly.orgId}`, {
      token: readonly.token,
      body: { name: "Nope" },
    });
    expect(denied.status).toBe(403);
    const other = await api(server.url, "PATCH", `/api/v1/organizations/${readonly.orgId}`, {
      token: owner.token,
      body: { name: "Hijacked" },
    });
    expect(other.status).toBe(404);
    const untouched = await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT name FROM organizations WHERE id = ${readonly.orgId}`,
    );
    expect(untouched).not.toBe("Hijacked");
  });

  it("rejects platform-managed fields and duplicate slugs", async () => {
    const owner = await buildOrgWithUser(server.runtime.serviceDb, "owner");
    const other = await buildOrgWithUser(server.runtime.serviceDb, "owner");
    const tier = await api(server.url, "PATCH", `/api/v1/organizations/${owner.orgId}`, {
      token: owner.token,
      body: { subscription_tier: "enterprise" },
    });
    expect(tier.status).toBe(400);
    const otherSlug = await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT slug FROM organizations WHERE id = ${other.orgId}`,
    );
    const dup = await api(server.url, "PATCH", `/api/v1/organizations/${owner.orgId}`, {
      token: owner.token,
      body: { slug: otherSlug },
    });
    expect(dup.status).toBe(409);
  });
});
