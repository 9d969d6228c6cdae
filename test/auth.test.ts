import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { newRefreshToken, signAccessToken } from "../server/auth/tokens.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;
let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;
const PASSWORD = "correct horse battery";

async function registerOrg(email = `owner-${uniq()}@example.test`) {
  const slug = `acme-${uniq()}`;
  const res = await api(server.url, "POST", "/api/v1/auth/register", {
    body: {
      organization: { name: "Acme Lifts", slug },
      user: { email, password: PASSWORD, first_name: "Ada" },
    },
  });
  expect(res.status).toBe(201);
  return { ...res.body, email, slug };
}

beforeAll(async () => {
  server = await testServer();
});

describe("register → login → me → refresh → logout", () => {
  it("registers an organisation with its owner and signs them in", async () => {
    const reg = await registerOrg();
    expect(reg.user.role).toBe("owner");
    expect(reg.user).not.toHaveProperty("password_hash");
    expect(reg.organization.slug).toBe(reg.slug);
    expect(reg.expires_in).toBe(900);
    const me = await api(server.url, "GET", "/api/v1/me", { token: reg.access_token });
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(reg.user.id);
    expect(me.body.organization.id).toBe(reg.organization.id);
    expect(me.body.role).toBe("owner");
    expect(me.body.permissions).toContain("users:manage");
    expect(JSON.stringify(me.body)).not.toContain("password_hash");
    // The registration is audited in the new organisation.
    const events = await server.runtime.serviceDb.anyFirst(
      sql.unsafe`SELECT event_type FROM audit_events WHERE organization_id = ${reg.organization.id}`,
    );
    expect(events).toEqual(expect.arrayContaining(["user_created", "settings_changed"]));
  });

  it("rejects a duplicate slug or a duplicate email (any case) with 409", async () => {
    const reg = await registerOrg();
    const sameSlug = await api(server.url, "POST", "/api/v1/auth/register", {
      body: {
        organization: { name: "X", slug: reg.slug },
        user: { email: `o-${uniq()}@example.test`, password: PASSWORD },
      },
    });
    expect(sameSlug.status).toBe(409);
    const sameEmail = await api(server.url, "POST", "/api/v1/auth/register", {
      body: {
        organization: { name: "X", slug: `s-${uniq()}` },
        user: { email: reg.email.toUpperCase(), password: PASSWORD },
      },
    });
    expect(sameEmail.status).toBe(409);
  });

  it("enforces the password policy and rejects unknown fields", async () => {
    const short = await api(server.url, "POST", "/api/v1/auth/register", {
      body: {
        organization: { name: "X", slug: `s-${uniq()}` },
        user: { email: `a-${uniq()}@example.test`, password: "short" },
      },
    });
    expect(short.status).toBe(400);
    expect(short.body.errors[0].path).toBe("body.user.password");
    const extra = await api(server.url, "POST", "/api/v1/auth/login", {
      body: { email: "a@b.c", password: "x", admin: true },
    });
    expect(extra.status).toBe(400);
  });

  it("logs in case-insensitively, records the session and a user_login audit", async () => {
    const reg = await registerOrg(`Mixed.Case-${uniq()}@Example.test`);
    const res = await api(server.url, "POST", "/api/v1/auth/login", {
      body: { email: reg.email.toLowerCase(), password: PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(reg.user.id);
    expect(res.body.user).not.toHaveProperty("password_hash");
    const sessionId = res.body.refresh_token.split(".")[0];
    const session = (await server.runtime.serviceDb.one(
      sql.unsafe`SELECT session_token_hash, refresh_token_hash, is_active, expires_at > now() + interval '29 days' AS long
                   FROM user_sessions WHERE id = ${sessionId}`,
    )) as { refresh_token_hash: string; is_active: boolean; long: boolean };
    expect(session.is_active).toBe(true);
    expect(session.long).toBe(true);
    expect(session.refresh_token_hash).not.toContain(res.body.refresh_token.split(".")[1]);
    const audit = await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT count(*) FROM audit_events WHERE event_type = 'user_login' AND entity_id = ${sessionId}`,
    );
    expect(Number(audit)).toBe(1);
  });

  it("gives identical 401 bodies for a wrong password and an unknown email", async () => {
    const reg = await registerOrg();
    const wrong = await api(server.url, "POST", "/api/v1/auth/login", {
      body: { email: reg.email, password: "not the password" },
    });
    const unknown = await api(server.url, "POST", "/api/v1/auth/login", {
      body: { email: `nobody-${uniq()}@example.test`, password: "not the password" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, request_id: undefined });
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
  });

  it("logout revokes the session: its access and refresh tokens stop working", async () => {
    const reg = await registerOrg();
    expect(
      (await api(server.url, "POST", "/api/v1/auth/logout", { token: reg.access_token })).status,
    ).toBe(204);
    const me = await api(server.url, "GET", "/api/v1/me", { token: reg.access_token });
    expect(me.status).toBe(401);
    expect(me.body.code).toBe("unauthorized");
    const refreshed = await api(server.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: reg.refresh_token },
    });
    expect(refreshed.status).toBe(401);
  });
});

describe("access tokens", () => {
  it("rejects an expired token", async () => {
    const reg = await registerOrg();
    const sessionId = reg.refresh_token.split(".")[0];
    const expired = await signAccessToken(
      server.runtime.env.JWT_SECRET,
      { userId: reg.user.id, organizationId: reg.organization.id, sessionId },
      -10,
    );
    const res = await api(server.url, "GET", "/api/v1/me", { token: expired });
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/expired/);
  });

  it("rejects a tampered token", async () => {
    const reg = await registerOrg();
    const token: string = reg.access_token;
    const last = token.at(-2) === "A" ? "B" : "A";
    const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    expect((await api(server.url, "GET", "/api/v1/me", { token: tampered })).status).toBe(401);
    // A payload edited to another organisation fails the signature too.
    const [h, p, s] = token.split(".");
    const payload = JSON.parse(Buffer.from(p as string, "base64url").toString());
    payload.org = randomUUID();
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
    expect((await api(server.url, "GET", "/api/v1/me", { token: forged })).status).toBe(401);
  });

  it("rejects a token signed with another secret", async () => {
    const reg = await registerOrg();
    const sessionId = reg.refresh_token.split(".")[0];
    const other = await signAccessToken(
      "another-secret-another-secret-0123456789",
      { userId: reg.user.id, organizationId: reg.organization.id, sessionId },
      900,
    );
    expect((await api(server.url, "GET", "/api/v1/me", { token: other })).status).toBe(401);
  });
});

describe("refresh tokens", () => {
  it("rotate on every use; reusing an old one revokes the whole session", async () => {
    const reg = await registerOrg();
    const first = await api(server.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: reg.refresh_token },
    });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(reg.refresh_token);
    expect(
      (await api(server.url, "GET", "/api/v1/me", { token: first.body.access_token })).status,
    ).toBe(200);

    // The original token is presented again: reuse.
    const reuse = await api(server.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: reg.refresh_token },
    });
    expect(reuse.status).toBe(401);
    // Now the newer refresh token and every access token of the session are dead too.
    const newer = await api(server.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: first.body.refresh_token },
    });
    expect(newer.status).toBe(401);
    expect(
      (await api(server.url, "GET", "/api/v1/me", { token: first.body.access_token })).status,
    ).toBe(401);
    const sessionId = reg.refresh_token.split(".")[0];
    const row = (await server.runtime.serviceDb.one(
      sql.unsafe`SELECT is_active, revoked_at FROM user_sessions WHERE id = ${sessionId}`,
    )) as { is_active: boolean; revoked_at: string | null };
    expect(row.is_active).toBe(false);
    expect(row.revoked_at).not.toBeNull();
  });

  it("only one of two concurrent refreshes with the same token succeeds", async () => {
    const reg = await registerOrg();
    const results = await Promise.all(
      [0, 1].map(() =>
        api(server.url, "POST", "/api/v1/auth/refresh", {
          body: { refresh_token: reg.refresh_token },
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("a guessed token for a known session id is just 401, not reuse (issue 12, hole 2)", async () => {
    const reg = await registerOrg();
    const sessionId = reg.refresh_token.split(".")[0];
    const random = () => randomBytes(32).toString("base64url");
    const forged = [
      `${sessionId}.${random()}`, // the old format: sid + random
      `${sessionId}.${random()}.${random()}`, // a made-up MAC
      // A valid-looking token signed with another secret.
      newRefreshToken("another-secret-another-secret-another-secret", sessionId),
      // The real token with its random part swapped: the MAC no longer matches.
      `${sessionId}.${random()}.${reg.refresh_token.split(".")[2]}`,
    ];
    for (const refresh_token of forged) {
      const res = await api(server.url, "POST", "/api/v1/auth/refresh", {
        body: { refresh_token },
      });
      expect(res.status).toBe(401);
    }
    // The victim's session is untouched: the real token still rotates.
    const me = await api(server.url, "GET", "/api/v1/me", { token: reg.access_token });
    expect(me.status).toBe(200);
    const real = await api(server.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: reg.refresh_token },
    });
    expect(real.status).toBe(200);
  });

  it("rejects malformed and unknown tokens", async () => {
    expect(
      (await api(server.url, "POST", "/api/v1/auth/refresh", { body: { refresh_token: "nope" } }))
        .status,
    ).toBe(401);
    const unknown = newRefreshToken(server.runtime.env.JWT_SECRET, randomUUID());
    expect(
      (await api(server.url, "POST", "/api/v1/auth/refresh", { body: { refresh_token: unknown } }))
        .status,
    ).toBe(401);
  });
});
