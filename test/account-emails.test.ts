import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../server/auth/passwords.ts";
import { PASSWORD_RESET_PENDING } from "../server/commands/auth/password.ts";
import { ACCOUNT_MAIL_LIMITS } from "../server/http/rate-limit.ts";
import { buildOrganization, buildUser, sessionFor } from "./factories.ts";
import { tokenIn } from "./helpers/mailbox.ts";
import { connected, rawSocket, startHub } from "./helpers/realtime.ts";
import { freshClient, OWNER_PASSWORD, registerOwner, uniq } from "./helpers/register.ts";
import { api } from "./helpers/runtime.ts";

/**
 * The account e-mails and self-service: password reset, password change, e-mail
 * verification, one's own sessions. Mails go over real SMTP to the test's SMTP server
 * (test/helpers/mailbox.ts); session ends reach real sockets through the hub.
 */
const hub = await startHub();
const db = hub.runtime.serviceDb;
const NEW_PASSWORD = "a brand new passphrase";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

async function login(email: string, password: string, userAgent = FIREFOX) {
  const res = await api(hub.url, "POST", "/api/v1/auth/login", {
    body: { email, password },
    headers: { "user-agent": userAgent },
  });
  return res;
}

async function signedIn(email: string, password: string, userAgent = FIREFOX) {
  const res = await login(email, password, userAgent);
  expect(res.status).toBe(200);
  return {
    token: res.body.access_token as string,
    refreshToken: res.body.refresh_token as string,
    sessionId: (res.body.refresh_token as string).split(".")[0] as string,
  };
}

/**
 * A connected socket and a promise of its session.ended reason and arrival time. Tests
 * compare the arrival with the moment the HTTP response came back (the revocation had
 * committed by then); the event often wins the race.
 */
async function watchedSocket(token: string) {
  const socket = rawSocket(hub.url, { token });
  await connected(socket);
  const ended = new Promise<{ reason: string; at: number }>((resolve) => {
    socket.on("session.ended", (p: { reason: string }) =>
      resolve({ reason: p.reason, at: Date.now() }),
    );
  });
  return { socket, ended };
}

const status = async (token: string) => (await api(hub.url, "GET", "/api/v1/me", { token })).status;

let owner: Awaited<ReturnType<typeof registerOwner>>;
beforeAll(async () => {
  owner = await registerOwner(hub);
});

describe("password reset by e-mail", () => {
  it("answers the same for any address; the mailed link works once and ends every session", async () => {
    const user = await registerOwner(hub);
    const a = await signedIn(user.email, OWNER_PASSWORD);
    const b = await signedIn(user.email, OWNER_PASSWORD, IPHONE);
    const watched = await watchedSocket(b.token);

    const unknown = await api(hub.url, "POST", "/api/v1/auth/password-reset", {
      body: { email: `nobody-${uniq()}@example.test` },
      headers: freshClient(),
    });
    const known = await api(hub.url, "POST", "/api/v1/auth/password-reset", {
      body: { email: user.email.toUpperCase() },
      headers: freshClient(),
    });
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(known.body).toEqual(PASSWORD_RESET_PENDING);
    expect(unknown.body).toEqual(known.body);

    const mail = await hub.mailbox.waitFor(user.email, (m) => m.subject.includes("Reset"));
    expect(mail.text).toContain("expires in 1 hour");
    const token = tokenIn(mail);
    expect(token).toMatch(/^ssp_/);
    const stored = await db.oneFirst(
      sql.unsafe`SELECT token_hash FROM user_account_tokens WHERE user_id = ${user.userId}`,
    );
    expect(stored).not.toContain(token.slice(4));

    const weak = await api(hub.url, "POST", "/api/v1/auth/password-reset/confirm", {
      body: { token, password: "short" },
    });
    expect(weak.status).toBe(400);
    const done = await api(hub.url, "POST", "/api/v1/auth/password-reset/confirm", {
      body: { token, password: NEW_PASSWORD },
    });
    const respondedAt = Date.now();
    expect(done.status).toBe(204);
    // Every session ended, its socket told within a second.
    const ended = await watched.ended;
    expect(ended.reason).toBe("session_revoked");
    expect(ended.at - respondedAt).toBeLessThan(1000);
    expect(await status(a.token)).toBe(401);
    expect(await status(b.token)).toBe(401);
    expect(await status(user.token)).toBe(401);
    const refreshed = await api(hub.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: a.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    // The new password works, the old one does not, and the link is spent.
    expect((await login(user.email, OWNER_PASSWORD)).status).toBe(401);
    const fresh = await login(user.email, NEW_PASSWORD);
    expect(fresh.status).toBe(200);
    expect(fresh.body.user.email_verified).toBe(true);
    const again = await api(hub.url, "POST", "/api/v1/auth/password-reset/confirm", {
      body: { token, password: "yet another passphrase" },
    });
    expect(again.status).toBe(401);
    const audit = await db.oneFirst(
      sql.unsafe`SELECT event_data->>'via' FROM audit_events WHERE event_type = 'password_changed' AND entity_id = ${user.userId}`,
    );
    expect(audit).toBe("reset");
    // Nothing was mailed for the unknown address.
    expect(hub.mailbox.mails.filter((m) => m.to.some((t) => t.startsWith("nobody-")))).toEqual([]);
  });

  it("an expired link is 401 and changes nothing", async () => {
    const user = await registerOwner(hub);
    await api(hub.url, "POST", "/api/v1/auth/password-reset", {
      body: { email: user.email },
      headers: freshClient(),
    });
    const token = tokenIn(
      await hub.mailbox.waitFor(user.email, (m) => m.subject.includes("Reset")),
    );
    await db.query(
      sql.unsafe`UPDATE user_account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = ${user.userId}`,
    );
    const res = await api(hub.url, "POST", "/api/v1/auth/password-reset/confirm", {
      body: { token, password: NEW_PASSWORD },
    });
    expect(res.status).toBe(401);
    expect(await status(user.token)).toBe(200);
    expect((await login(user.email, OWNER_PASSWORD)).status).toBe(200);
  });

  it("limits reset requests per address, known or not (429 + Retry-After)", async () => {
    for (const email of [owner.email, `ghost-${uniq()}@example.test`]) {
      const codes: number[] = [];
      for (let i = 0; i <= ACCOUNT_MAIL_LIMITS["password-reset-email"]; i++) {
        const res = await api(hub.url, "POST", "/api/v1/auth/password-reset", {
          body: { email },
          headers: freshClient(),
        });
        codes.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      expect(codes).toEqual([202, 202, 202, 429]);
    }
  });
});

describe("password change", () => {
  it("needs the current password, ends the other sessions (sockets told) and mails the user", async () => {
    const user = await registerOwner(hub);
    const keep = await signedIn(user.email, OWNER_PASSWORD);
    const other = await signedIn(user.email, OWNER_PASSWORD, IPHONE);
    const watched = await watchedSocket(other.token);

    const wrong = await api(hub.url, "POST", "/api/v1/me/password", {
      token: keep.token,
      body: { current_password: "not my password", new_password: NEW_PASSWORD },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.detail).toBe("The current password is not correct");
    expect(await status(other.token)).toBe(200);

    const changed = await api(hub.url, "POST", "/api/v1/me/password", {
      token: keep.token,
      body: { current_password: OWNER_PASSWORD, new_password: NEW_PASSWORD },
    });
    const respondedAt = Date.now();
    expect(changed.status).toBe(204);
    const ended = await watched.ended;
    expect(ended.reason).toBe("session_revoked");
    expect(ended.at - respondedAt).toBeLessThan(1000);
    expect(await status(other.token)).toBe(401);
    expect(await status(user.token)).toBe(401);
    expect(await status(keep.token)).toBe(200);
    expect((await login(user.email, OWNER_PASSWORD)).status).toBe(401);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
    const notice = await hub.mailbox.waitFor(user.email, (m) => m.subject.includes("changed"));
    expect(notice.subject).toBe("Your SiteSync password was changed");
  });

  it("wrong current passwords count towards the login limit; API keys cannot change passwords", async () => {
    const user = await registerOwner(hub);
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await api(hub.url, "POST", "/api/v1/me/password", {
        token: user.token,
        body: { current_password: `guess ${i}`, new_password: NEW_PASSWORD },
      });
      codes.push(res.status);
    }
    expect(codes).toEqual([403, 403, 403, 403, 403, 429]);
    const key = await api(hub.url, "POST", "/api/v1/api-keys", {
      token: owner.token,
      body: { name: "k", scopes: ["users:read", "profiles:write"] },
    });
    const byKey = await api(hub.url, "POST", "/api/v1/me/password", {
      token: key.body.key,
      body: { current_password: OWNER_PASSWORD, new_password: NEW_PASSWORD },
    });
    expect(byKey.status).toBe(403);
  });
});

describe("e-mail verification", () => {
  it("mails a link that verifies the address once; a verified address needs none", async () => {
    const org = await buildOrganization(db);
    const email = `unverified-${uniq()}@example.test`;
    const user = await buildUser(db, {
      organizationId: org.id,
      role: "user",
      email,
      passwordHash: await hashPassword(OWNER_PASSWORD),
    });
    const session = await sessionFor(db, { id: user.id, organizationId: org.id });
    const asked = await api(hub.url, "POST", "/api/v1/me/email-verification", {
      token: session.token,
    });
    expect(asked.status).toBe(202);
    const mail = await hub.mailbox.waitFor(email);
    expect(mail.subject).toBe("Confirm your e-mail address");
    const token = tokenIn(mail);
    expect(token).toMatch(/^ssv_/);
    // The link needs no sign-in: it may be opened on another device.
    const verified = await api(hub.url, "POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(verified.status).toBe(200);
    expect(verified.body.user.email_verified).toBe(true);
    expect(verified.body.user.email_verified_at).not.toBeNull();
    const again = await api(hub.url, "POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(again.status).toBe(401);
    const already = await api(hub.url, "POST", "/api/v1/me/email-verification", {
      token: session.token,
    });
    expect(already.status).toBe(409);
  });

  it("a link is void once the address has changed, and requests are rate-limited", async () => {
    const org = await buildOrganization(db);
    const email = `moving-${uniq()}@example.test`;
    const user = await buildUser(db, { organizationId: org.id, role: "user", email });
    const session = await sessionFor(db, { id: user.id, organizationId: org.id });
    await api(hub.url, "POST", "/api/v1/me/email-verification", { token: session.token });
    const token = tokenIn(await hub.mailbox.waitFor(email));
    await db.query(
      sql.unsafe`UPDATE users SET email = ${`moved-${uniq()}@example.test`} WHERE id = ${user.id}`,
    );
    const res = await api(hub.url, "POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(res.status).toBe(401);
    const codes: number[] = [];
    for (let i = 1; i <= ACCOUNT_MAIL_LIMITS["email-verification-user"]; i++) {
      codes.push(
        (await api(hub.url, "POST", "/api/v1/me/email-verification", { token: session.token }))
          .status,
      );
    }
    // One was used above: the budget is spent one request earlier.
    expect(codes).toEqual([202, 202, 429]);
  });
});

describe("one's own sessions", () => {
  it("lists live sessions with device, IP and last use, marking the current one", async () => {
    const user = await registerOwner(hub);
    const laptop = await signedIn(user.email, OWNER_PASSWORD, FIREFOX);
    const phone = await signedIn(user.email, OWNER_PASSWORD, IPHONE);
    await api(hub.url, "POST", "/api/v1/auth/logout", { token: user.token });
    const res = await api(hub.url, "GET", "/api/v1/me/sessions", { token: laptop.token });
    expect(res.status).toBe(200);
    expect(res.body.next_cursor).toBeNull();
    const byId = new Map(res.body.data.map((s: { id: string }) => [s.id, s]));
    expect([...byId.keys()].sort()).toEqual([laptop.sessionId, phone.sessionId].sort());
    expect(byId.get(laptop.sessionId)).toMatchObject({
      current: true,
      browser: "Firefox 128",
      os: "Linux",
      device_type: "desktop",
      device_name: "Firefox on Linux",
      ip_address: "127.0.0.1",
    });
    expect(byId.get(phone.sessionId)).toMatchObject({
      current: false,
      device_type: "mobile",
      device_name: "Safari on iOS",
    });
    for (const s of res.body.data) {
      expect(s.last_activity_at).toEqual(expect.any(String));
      expect(s).not.toHaveProperty("refresh_token_hash");
      expect(s).not.toHaveProperty("session_token_hash");
    }
    const page = await api(hub.url, "GET", "/api/v1/me/sessions?limit=1", { token: laptop.token });
    expect(page.body.data).toHaveLength(1);
    expect(page.body.next_cursor).toEqual(expect.any(String));
  });

  it("ending one revokes its tokens and its sockets get session.ended within 1 s", async () => {
    const user = await registerOwner(hub);
    const laptop = await signedIn(user.email, OWNER_PASSWORD);
    const phone = await signedIn(user.email, OWNER_PASSWORD, IPHONE);
    const watched = await watchedSocket(phone.token);
    const res = await api(hub.url, "DELETE", `/api/v1/me/sessions/${phone.sessionId}`, {
      token: laptop.token,
    });
    const respondedAt = Date.now();
    expect(res.status).toBe(204);
    const ended = await watched.ended;
    expect(ended.reason).toBe("session_revoked");
    expect(ended.at - respondedAt).toBeLessThan(1000);
    expect(await status(phone.token)).toBe(401);
    expect(await status(laptop.token)).toBe(200);
    const refreshed = await api(hub.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: phone.refreshToken },
    });
    expect(refreshed.status).toBe(401);
    const again = await api(hub.url, "DELETE", `/api/v1/me/sessions/${phone.sessionId}`, {
      token: laptop.token,
    });
    expect(again.status).toBe(404);
    const audit = await db.oneFirst(
      sql.unsafe`SELECT event_data->>'reason' FROM audit_events WHERE event_type = 'user_logout' AND entity_id = ${phone.sessionId}`,
    );
    expect(audit).toBe("ended_by_user");
  });

  it("another user's session is 404, even for their organisation's owner; API keys get 403", async () => {
    const org = await registerOwner(hub);
    const colleague = await buildUser(db, { organizationId: org.orgId, role: "user" });
    const theirs = await sessionFor(db, { id: colleague.id, organizationId: org.orgId });
    const res = await api(hub.url, "DELETE", `/api/v1/me/sessions/${theirs.sessionId}`, {
      token: org.token,
    });
    expect(res.status).toBe(404);
    expect(await status(theirs.token)).toBe(200);
    const list = await api(hub.url, "GET", "/api/v1/me/sessions", { token: org.token });
    expect(list.body.data.map((s: { id: string }) => s.id)).not.toContain(theirs.sessionId);
    const key = await api(hub.url, "POST", "/api/v1/api-keys", {
      token: org.token,
      body: { name: "k", scopes: ["users:read"] },
    });
    const byKey = await api(hub.url, "GET", "/api/v1/me/sessions", { token: key.body.key });
    expect(byKey.status).toBe(403);
  });
});
