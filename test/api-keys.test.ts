import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { buildOrgWithUser, sessionFor } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;
let admin: Awaited<ReturnType<typeof buildOrgWithUser>>;

async function createKey(body: Record<string, unknown>, token = admin.token) {
  return api(server.url, "POST", "/api/v1/api-keys", {
    token,
    body: { name: "ERP sync", ...body },
  });
}

beforeAll(async () => {
  server = await testServer();
  admin = await buildOrgWithUser(server.runtime.serviceDb, "admin");
});

describe("API keys", () => {
  it("shows the secret once, stores only a hash, and works as a Bearer credential", async () => {
    const created = await createKey({ scopes: ["users:read", "org:read"] });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^ssk_[A-Za-z0-9]{8}_/);
    expect(created.body).not.toHaveProperty("key_hash");
    expect(created.body.rate_limit_per_hour).toBe(1000);
    const stored = (await server.runtime.serviceDb.one(
      sql.unsafe`SELECT key_hash FROM api_keys WHERE id = ${created.body.id}`,
    )) as { key_hash: string };
    expect(stored.key_hash).not.toContain(created.body.key);

    const listed = await api(server.url, "GET", "/api/v1/api-keys", { token: admin.token });
    expect(listed.status).toBe(200);
    const mine = listed.body.data.find((k: { id: string }) => k.id === created.body.id);
    expect(mine).toBeDefined();
    expect(mine).not.toHaveProperty("key");
    expect(mine).not.toHaveProperty("key_hash");
    const one = await api(server.url, "GET", `/api/v1/api-keys/${created.body.id}`, {
      token: admin.token,
    });
    expect(one.body).not.toHaveProperty("key");

    const users = await api(server.url, "GET", "/api/v1/users", { token: created.body.key });
    expect(users.status).toBe(200);
    expect(users.headers.get("x-ratelimit-limit")).toBe("1000");
    const me = await api(server.url, "GET", "/api/v1/me", { token: created.body.key });
    expect(me.body.permissions.sort()).toEqual(["org:read", "users:read"]);
    expect(me.body.credential.kind).toBe("api_key");
  });

  it("a key without the needed scope gets 403", async () => {
    const created = await createKey({ scopes: ["org:read"] });
    const users = await api(server.url, "GET", "/api/v1/users", { token: created.body.key });
    expect(users.status).toBe(403);
    expect(users.body.code).toBe("forbidden");
  });

  it("acts only within its scopes on its creator's own record too (issue 12, hole 1)", async () => {
    const sitesOnly = await createKey({ scopes: ["sites:read"] });
    const key = sitesOnly.body.key;
    expect((await api(server.url, "GET", "/api/v1/sites", { token: key })).status).toBe(200);
    for (const [method, path, body] of [
      ["GET", "/api/v1/me", undefined],
      ["GET", `/api/v1/users/${admin.userId}`, undefined],
      ["PATCH", `/api/v1/users/${admin.userId}`, { first_name: "Mallory" }],
    ] as const) {
      const res = await api(server.url, method, path, { token: key, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.code).toBe("forbidden");
    }
    const row = (await server.runtime.serviceDb.one(
      sql.unsafe`SELECT first_name FROM users WHERE id = ${admin.userId}`,
    )) as { first_name: string | null };
    expect(row.first_name).not.toBe("Mallory");

    // With the matching scopes the key may: users:read to read, profiles:write to edit.
    const reader = await createKey({ scopes: ["users:read", "profiles:write"] });
    const me = await api(server.url, "GET", "/api/v1/me", { token: reader.body.key });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(admin.userId);
    const own = await api(server.url, "GET", `/api/v1/users/${admin.userId}`, {
      token: reader.body.key,
    });
    expect(own.status).toBe(200);
    const edit = await api(server.url, "PATCH", `/api/v1/users/${admin.userId}`, {
      token: reader.body.key,
      body: { first_name: "Integration" },
    });
    expect(edit.status).toBe(200);
    expect(edit.body.first_name).toBe("Integration");
  });

  it("scopes must be within the creator's permissions (422) and valid names (400)", async () => {
    const keyMaker = await createKey({ scopes: ["api_keys:manage", "users:read"] });
    const wider = await createKey({ scopes: ["users:manage"] }, keyMaker.body.key);
    expect(wider.status).toBe(422);
    const narrower = await createKey({ scopes: ["users:read"] }, keyMaker.body.key);
    expect(narrower.status).toBe(201);
    expect((await createKey({ scopes: ["root"] })).status).toBe(400);
    const past = await createKey({ scopes: ["org:read"], expires_at: "2020-01-01T00:00:00Z" });
    expect(past.status).toBe(422);
  });

  it("roles without api_keys:manage cannot create keys", async () => {
    const manager = await buildOrgWithUser(server.runtime.serviceDb, "manager");
    expect((await createKey({ scopes: ["org:read"] }, manager.token)).status).toBe(403);
  });

  it("a revoked key gets 401 at once", async () => {
    const created = await createKey({ scopes: ["org:read"] });
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: created.body.key })).status,
    ).toBe(200);
    const revoked = await api(server.url, "POST", `/api/v1/api-keys/${created.body.id}/revoke`, {
      token: admin.token,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.is_active).toBe(false);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: created.body.key })).status,
    ).toBe(401);

    const other = await createKey({ scopes: ["org:read"] });
    expect(
      (await api(server.url, "DELETE", `/api/v1/api-keys/${other.body.id}`, { token: admin.token }))
        .status,
    ).toBe(204);
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: other.body.key })).status,
    ).toBe(401);
  });

  it("an expired key gets 401", async () => {
    const created = await createKey({
      scopes: ["org:read"],
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: created.body.key })).status,
    ).toBe(200);
    await server.runtime.serviceDb.query(
      sql.unsafe`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = ${created.body.id}`,
    );
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: created.body.key })).status,
    ).toBe(401);
  });

  it("a tampered key gets 401", async () => {
    const created = await createKey({ scopes: ["org:read"] });
    const key: string = created.body.key;
    const tampered = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: tampered })).status,
    ).toBe(401);
  });

  it("enforces rate_limit_per_hour with 429 and Retry-After", async () => {
    const created = await createKey({ scopes: ["org:read"], rate_limit_per_hour: 3 });
    for (let i = 0; i < 3; i++) {
      const ok = await api(server.url, "GET", "/api/v1/organizations", { token: created.body.key });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-ratelimit-remaining")).toBe(String(2 - i));
    }
    const limited = await api(server.url, "GET", "/api/v1/organizations", {
      token: created.body.key,
    });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // Other keys have their own budget.
    const another = await createKey({ scopes: ["org:read"], rate_limit_per_hour: 3 });
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: another.body.key })).status,
    ).toBe(200);
  });

  it("a deactivated creator's keys stop working", async () => {
    const owner = await buildOrgWithUser(server.runtime.serviceDb, "owner");
    const second = await buildOrgWithUser(server.runtime.serviceDb, "admin");
    // Move the admin into the owner's organisation so the owner can deactivate them.
    await server.runtime.serviceDb.query(
      sql.unsafe`UPDATE users SET organization_id = ${owner.orgId} WHERE id = ${second.userId}`,
    );
    const session = await sessionFor(server.runtime.serviceDb, {
      id: second.userId,
      organizationId: owner.orgId,
    });
    const created = await createKey({ scopes: ["org:read"] }, session.token);
    expect(created.status).toBe(201);
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: created.body.key })).status,
    ).toBe(200);
    const off = await api(server.url, "POST", `/api/v1/users/${second.userId}/deactivate`, {
      token: owner.token,
    });
    expect(off.status).toBe(200);
    expect(
      (await api(server.url, "GET", "/api/v1/organizations", { token: created.body.key })).status,
    ).toBe(401);
  });

  it("another organisation's keys are 404", async () => {
    const created = await createKey({ scopes: ["org:read"] });
    const stranger = await buildOrgWithUser(server.runtime.serviceDb, "owner");
    const got = await api(server.url, "GET", `/api/v1/api-keys/${created.body.id}`, {
      token: stranger.token,
    });
    expect(got.status).toBe(404);
    const revoke = await api(server.url, "POST", `/api/v1/api-keys/${created.body.id}/revoke`, {
      token: stranger.token,
    });
    expect(revoke.status).toBe(404);
    const list = await api(server.url, "GET", "/api/v1/api-keys", { token: stranger.token });
    expect(list.body.data).toEqual([]);
  });
});
