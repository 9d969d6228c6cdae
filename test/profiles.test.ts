import { beforeAll, describe, expect, it } from "vitest";
import { buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;

beforeAll(async () => {
  server = await testServer();
});

describe("technician profiles", () => {
  it("create own (one per user), patch own, others' are 404 to write", async () => {
    const tech = await buildOrgWithUser(server.runtime.serviceDb, "technician");
    const created = await api(server.url, "POST", "/api/v1/technician-profiles", {
      token: tech.token,
      body: {
        headline: "KONE specialist",
        specializations: ["KONE", "door_systems"],
        years_experience: 12,
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.user_id).toBe(tech.userId);
    expect(created.body.specializations).toEqual(["KONE", "door_systems"]);
    expect(created.body.expertise_score).toBe(0);
    const again = await api(server.url, "POST", "/api/v1/technician-profiles", {
      token: tech.token,
      body: {},
    });
    expect(again.status).toBe(409);
    const computed = await api(server.url, "POST", "/api/v1/technician-profiles", {
      token: tech.token,
      body: { expertise_score: 100 },
    });
    expect(computed.status).toBe(400);

    const patched = await api(
      server.url,
      "PATCH",
      `/api/v1/technician-profiles/${created.body.id}`,
      {
        token: tech.token,
        body: { availability_status: "open_to_opportunities", profile_visibility: "private" },
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.availability_status).toBe("open_to_opportunities");

    const colleague = await buildUser(server.runtime.serviceDb, {
      organizationId: tech.orgId,
      role: "admin",
    });
    const { token } = await sessionFor(server.runtime.serviceDb, colleague);
    // A colleague sees it (same organisation) but may not write it.
    expect(
      (await api(server.url, "GET", `/api/v1/technician-profiles/${created.body.id}`, { token }))
        .status,
    ).toBe(200);
    const write = await api(server.url, "PATCH", `/api/v1/technician-profiles/${created.body.id}`, {
      token,
      body: { headline: "x" },
    });
    expect(write.status).toBe(404);
  });

  it("visibility follows profile_visibility across organisations", async () => {
    const a = await buildOrgWithUser(server.runtime.serviceDb, "technician");
    const b = await buildOrgWithUser(server.runtime.serviceDb, "technician");
    const priv = await api(server.url, "POST", "/api/v1/technician-profiles", {
      token: a.token,
      body: { profile_visibility: "private" },
    });
    const pub = await api(server.url, "POST", "/api/v1/technician-profiles", {
      token: b.token,
      body: { profile_visibility: "public", primary_trade: "elevators" },
    });
    expect(
      (
        await api(server.url, "GET", `/api/v1/technician-profiles/${priv.body.id}`, {
          token: b.token,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await api(server.url, "GET", `/api/v1/technician-profiles/${pub.body.id}`, {
          token: a.token,
        })
      ).status,
    ).toBe(200);
    const list = await api(
      server.url,
      "GET",
      "/api/v1/technician-profiles?primary_trade=elevators",
      { token: a.token },
    );
    expect(list.status).toBe(200);
    const ids = list.body.data.map((p: { id: string }) => p.id);
    expect(ids).toContain(pub.body.id);
    expect(ids).not.toContain(priv.body.id);
  });
});

describe("manager profiles", () => {
  it("create, list, patch own; other organisations cannot see them", async () => {
    const mgr = await buildOrgWithUser(server.runtime.serviceDb, "manager");
    const missingType = await api(server.url, "POST", "/api/v1/manager-profiles", {
      token: mgr.token,
      body: {},
    });
    expect(missingType.status).toBe(400);
    const created = await api(server.url, "POST", "/api/v1/manager-profiles", {
      token: mgr.token,
      body: {
        manager_type: "strata_manager",
        total_sqm_managed: "1250.50",
        property_types: ["residential"],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.total_sqm_managed).toBe("1250.50");
    const list = await api(server.url, "GET", "/api/v1/manager-profiles", { token: mgr.token });
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([created.body.id]);
    const patched = await api(server.url, "PATCH", `/api/v1/manager-profiles/${created.body.id}`, {
      token: mgr.token,
      body: { portfolio_size: 14 },
    });
    expect(patched.body.portfolio_size).toBe(14);
    const stranger = await buildOrgWithUser(server.runtime.serviceDb, "owner");
    expect(
      (
        await api(server.url, "GET", `/api/v1/manager-profiles/${created.body.id}`, {
          token: stranger.token,
        })
      ).status,
    ).toBe(404);
    const theirs = await api(server.url, "GET", "/api/v1/manager-profiles", {
      token: stranger.token,
    });
    expect(theirs.body.data).toEqual([]);
  });
});
