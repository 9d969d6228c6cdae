import { randomBytes, randomUUID } from "node:crypto";
import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { newRefreshToken, signAccessToken } from "../server/auth/tokens.ts";
import { REGISTRATION_PENDING } from "../server/commands/auth/register.ts";
import { ACCOUNT_MAIL_LIMITS } from "../server/http/rate-limit.ts";
import { tokenIn } from "./helpers/mailbox.ts";
import { freshClient, registerThroughEmail } from "./helpers/register.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;
let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;
const PASSWORD = "correct horse battery";

async function registerOrg(email = `owner-${uniq()}@example.test`) {
  const slug = `acme-${uniq()}`;
  const body = await registerThroughEmail(server, {
    organization: { name: `Acme Lifts ${slug}`, slug },
    user: { email, password: PASSWORD, first_name: "Ada" },
  });
  return { ...body, email, slug };
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

  it("registration waits for the e-mailed link, which works once", async () => {
    const email = `first-${uniq()}@example.test`;
    const slug = `first-${uniq()}`;
    const res = await api(server.url, "POST", "/api/v1/auth/register", {
      body: { organization: { name: "First Lifts", slug }, user: { email, password: PASSWORD } },
      headers: freshClient(),
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual(REGISTRATION_PENDING);
    // Nothing exists until the link is used.
    const orgs = await server.runtime.serviceDb.anyFirst(
      sql.unsafe`SELECT id FROM organizations WHERE slug = ${slug}`,
    );
    expect(orgs).toEqual([]);
    const mail = await server.mailbox.waitFor(email);
    expect(mail.subject).toBe("Confirm your e-mail to finish registering");
    expect(mail.text).toContain("First Lifts");
    const token = tokenIn(mail);
    expect(token).toMatch(/^ssr_/);
    const stored = await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT token_hash FROM pending_registrations WHERE lower(email) = ${email}`,
    );
    expect(stored).not.toContain(token.slice(4));

    const done = await api(server.url, "POST", "/api/v1/auth/register/verify", { body: { token } });
    expect(done.status).toBe(201);
    expect(done.body.user.email_verified).toBe(true);
    expect(done.body.organization.slug).toBe(slug);
    const me = await api(server.url, "GET", "/api/v1/me", { token: done.body.access_token });
    expect(me.status).toBe(200);
    const again = await api(server.url, "POST", "/api/v1/auth/register/verify", {
      body: { token },
    });
    expect(again.status).toBe(401);
    const unknown = await api(server.url, "POST", "/api/v1/auth/register/verify", {
      body: { token: `ssr_${randomBytes(32).toString("base64url")}` },
    });
    expect(unknown.status).toBe(401);
  });

  it("an expired registration link is 401 and creates nothing", async () => {
    const email = `late-${uniq()}@example.test`;
    const slug = `late-${uniq()}`;
    await api(server.url, "POST", "/api/v1/auth/register", {
      body: { organization: { name: "Late Lifts", slug }, user: { email, password: PASSWORD } },
      headers: freshClient(),
    });
    const token = tokenIn(await server.mailbox.waitFor(email));
    await server.runtime.serviceDb.query(
      sql.unsafe`UPDATE pending_registrations SET expires_at = now() - interval '1 second' WHERE lower(email) = ${email}`,
    );
    const res = await api(server.url, "POST", "/api/v1/auth/register/verify", { body: { token } });
    expect(res.status).toBe(401);
    const orgs = await server.runtime.serviceDb.anyFirst(
      sql.unsafe`SELECT id FROM organizations WHERE slug = ${slug}`,
    );
    expect(orgs).toEqual([]);
  });

  it("answers the same whether or not the email has an account (issue 12, hole 8)", async () => {
    const reg = await registerOrg();
    const attempt = (email: string) =>
      api(server.url, "POST", "/api/v1/auth/register", {
        body: {
          organization: { name: "Copycat", slug: `copy-${uniq()}` },
          user: { email, password: PASSWORD },
        },
        headers: freshClient(),
      });
    const taken = await attempt(reg.email.toUpperCase());
    const fresh = await attempt(`new-${uniq()}@example.test`);
    expect(taken.status).toBe(202);
    expect(fresh.status).toBe(202);
    expect(taken.body).toEqual(fresh.body);
    expect([...taken.headers.keys()].sort()).toEqual([...fresh.headers.keys()].sort());
    // The account's owner hears about it, with no link that creates anything.
    const warning = await server.mailbox.waitFor(reg.email, (m) => m.subject.includes("tried"));
    expect(warning.subject).toBe("Someone tried to register with your e-mail");
    expect(warning.text).not.toMatch(/token=/);
    const pending = await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT count(*) FROM pending_registrations WHERE lower(email) = lower(${reg.email})`,
    );
    expect(Number(pending)).toBe(0);
    // A taken slug is still 409: slugs are public names, and it says nothing about people.
    const sameSlug = await api(server.url, "POST", "/api/v1/auth/register", {
      body: {
        organization: { name: "X", slug: reg.slug },
        user: { email: `o-${uniq()}@example.test`, password: PASSWORD },
      },
      headers: freshClient(),
    });
    expect(sameSlug.status).toBe(409);
  });

  it("limits registration requests per address and per client (429 + Retry-After)", async () => {
    const email = `limited-${uniq()}@example.test`;
    const register = (address: string, client: Record<string, string>) =>
      api(server.url, "POST", "/api/v1/auth/register", {
        body: {
          organization: { name: "Spam", slug: `spam-${uniq()}` },
          user: { email: address, password: PASSWORD },
        },
        headers: client,
      });
    const statuses: number[] = [];
    for (let i = 0; i < ACCOUNT_MAIL_LIMITS["register-email"] + 1; i++)
      statuses.push((await register(email, freshClient())).status);
    expect(statuses.slice(0, -1).every((s) => s === 202)).toBe(true);
    const over = await register(email, freshClient());
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);

    const client = freshClient();
    const perIp: number[] = [];
    for (let i = 0; i < ACCOUNT_MAIL_LIMITS["register-ip"] + 1; i++)
      perIp.push((await register(`ip-${uniq()}@example.test`, client)).status);
    expect(perIp.slice(0, -1).every((s) => s === 202)).toBe(true);
    expect(perIp.at(-1)).toBe(429);
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
