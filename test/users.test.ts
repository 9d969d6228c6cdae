import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { tokenIn } from "./helpers/mailbox.ts";
import { OWNER_PASSWORD, registerOwner, uniq } from "./helpers/register.ts";
import { api, testServer } from "./helpers/runtime.ts";

let server: Awaited<ReturnType<typeof testServer>>;
const PASSWORD = OWNER_PASSWORD;
const registerOrg = () => registerOwner(server);

async function member(
  orgId: string,
  role: "admin" | "manager" | "user" | "technician" | "readonly" | "owner",
) {
  const user = await buildUser(server.runtime.serviceDb, { organizationId: orgId, role });
  const { token } = await sessionFor(server.runtime.serviceDb, user);
  return { ...user, token };
}

beforeAll(async () => {
  server = await testServer();
});

describe("users", () => {
  it("lists the organisation's users with filters and cursor pagination", async () => {
    const org = await registerOrg();
    for (let i = 0; i < 4; i++) await member(org.orgId, "technician");
    await member(org.orgId, "manager");
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(
        server.url,
        "GET",
        `/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        {
          token: org.token,
        },
      );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      for (const u of page.body.data) expect(u).not.toHaveProperty("password_hash");
      all.push(...page.body.data.map((u: { id: string }) => u.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(all.length).toBe(6);
    expect(new Set(all).size).toBe(6);

    const techs = await api(server.url, "GET", "/api/v1/users?role=technician", {
      token: org.token,
    });
    expect(techs.body.data.length).toBe(4);
    const q = await api(server.url, "GET", "/api/v1/users?q=OWNER-", { token: org.token });
    expect(q.body.data.map((u: { id: string }) => u.id)).toEqual([org.userId]);
    expect(
      (await api(server.url, "GET", "/api/v1/users?cursor=garbage", { token: org.token })).status,
    ).toBe(400);
    expect(
      (await api(server.url, "GET", "/api/v1/users?limit=500", { token: org.token })).status,
    ).toBe(400);
  });

  it("another organisation's users are invisible and untouchable (404)", async () => {
    const a = await registerOrg();
    const b = await registerOrg();
    const aUser = await member(a.orgId, "user");
    expect(
      (await api(server.url, "GET", `/api/v1/users/${aUser.id}`, { token: b.token })).status,
    ).toBe(404);
    expect(
      (
        await api(server.url, "PATCH", `/api/v1/users/${aUser.id}`, {
          token: b.token,
          body: { first_name: "X" },
        })
      ).status,
    ).toBe(404);
    expect(
      (await api(server.url, "POST", `/api/v1/users/${aUser.id}/deactivate`, { token: b.token }))
        .status,
    ).toBe(404);
    expect(
      (await api(server.url, "DELETE", `/api/v1/users/${aUser.id}`, { token: b.token })).status,
    ).toBe(404);
    const list = await api(server.url, "GET", "/api/v1/users", { token: b.token });
    expect(list.body.data.map((u: { id: string }) => u.id)).toEqual([b.userId]);
  });

  it("users edit their own profile; editing others needs users:manage", async () => {
    const org = await registerOrg();
    const tech = await member(org.orgId, "technician");
    const other = await member(org.orgId, "user");
    const own = await api(server.url, "PATCH", `/api/v1/users/${tech.id}`, {
      token: tech.token,
      body: { display_name: "Sparky", preferences: { theme: "dark" } },
    });
    expect(own.status).toBe(200);
    expect(own.body.display_name).toBe("Sparky");
    expect(own.body.preferences).toEqual({ theme: "dark" });
    const others = await api(server.url, "PATCH", `/api/v1/users/${other.id}`, {
      token: tech.token,
      body: { bio: "x" },
    });
    expect(others.status).toBe(403);
    const selfPromote = await api(server.url, "PATCH", `/api/v1/users/${tech.id}`, {
      token: tech.token,
      body: { role: "admin" },
    });
    expect(selfPromote.status).toBe(403);
    const byOwner = await api(server.url, "PATCH", `/api/v1/users/${other.id}`, {
      token: org.token,
      body: { role: "manager" },
    });
    expect(byOwner.status).toBe(200);
    expect(byOwner.body.role).toBe("manager");
    const audit = await server.runtime.serviceDb.anyFirst(
      sql.unsafe`SELECT event_type FROM audit_events WHERE entity_id = ${other.id} ORDER BY created_at`,
    );
    expect(audit).toContain("permission_changed");
    expect(
      (
        await api(server.url, "PATCH", `/api/v1/users/${tech.id}`, {
          token: tech.token,
          body: { email: "x@y.z" },
        })
      ).status,
    ).toBe(400);
  });

  it("a deactivated user's existing token stops working at once; reactivation restores login", async () => {
    const org = await registerOrg();
    const tech = await member(org.orgId, "technician");
    expect((await api(server.url, "GET", "/api/v1/me", { token: tech.token })).status).toBe(200);
    const off = await api(server.url, "POST", `/api/v1/users/${tech.id}/deactivate`, {
      token: org.token,
    });
    expect(off.status).toBe(200);
    expect(off.body.is_active).toBe(false);
    expect((await api(server.url, "GET", "/api/v1/me", { token: tech.token })).status).toBe(401);
    const live = await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT count(*) FROM user_sessions WHERE user_id = ${tech.id} AND is_active`,
    );
    expect(Number(live)).toBe(0);
    const on = await api(server.url, "POST", `/api/v1/users/${tech.id}/reactivate`, {
      token: org.token,
    });
    expect(on.body.is_active).toBe(true);
    // Old sessions stay revoked; a new one works.
    expect((await api(server.url, "GET", "/api/v1/me", { token: tech.token })).status).toBe(401);
    const fresh = await sessionFor(server.runtime.serviceDb, {
      id: tech.id,
      organizationId: org.orgId,
    });
    expect((await api(server.url, "GET", "/api/v1/me", { token: fresh.token })).status).toBe(200);
  });

  it("non-admins cannot deactivate, invite or delete", async () => {
    const org = await registerOrg();
    const manager = await member(org.orgId, "manager");
    const tech = await member(org.orgId, "technician");
    expect(
      (
        await api(server.url, "POST", `/api/v1/users/${tech.id}/deactivate`, {
          token: manager.token,
        })
      ).status,
    ).toBe(403);
    expect(
      (await api(server.url, "DELETE", `/api/v1/users/${tech.id}`, { token: manager.token }))
        .status,
    ).toBe(403);
    const inv = await api(server.url, "POST", "/api/v1/users/invite", {
      token: manager.token,
      body: { email: `x-${uniq()}@example.test`, role: "user" },
    });
    expect(inv.status).toBe(403);
  });

  it("soft delete: 204, then 404, and the user's tokens fail", async () => {
    const org = await registerOrg();
    const tech = await member(org.orgId, "technician");
    expect(
      (await api(server.url, "DELETE", `/api/v1/users/${tech.id}`, { token: org.token })).status,
    ).toBe(204);
    expect(
      (await api(server.url, "GET", `/api/v1/users/${tech.id}`, { token: org.token })).status,
    ).toBe(404);
    expect((await api(server.url, "GET", "/api/v1/me", { token: tech.token })).status).toBe(401);
    const row = (await server.runtime.serviceDb.one(
      sql.unsafe`SELECT deleted_at, is_active FROM users WHERE id = ${tech.id}`,
    )) as { deleted_at: string | null; is_active: boolean };
    expect(row.deleted_at).not.toBeNull();
    expect(row.is_active).toBe(false);
  });
});

describe("owners", () => {
  it("the last owner cannot be demoted, deactivated or deleted (409)", async () => {
    const org = await registerOrg();
    const patch = await api(server.url, "PATCH", `/api/v1/users/${org.userId}`, {
      token: org.token,
      body: { role: "admin" },
    });
    expect(patch.status).toBe(409);
    expect(
      (
        await api(server.url, "POST", `/api/v1/users/${org.userId}/deactivate`, {
          token: org.token,
        })
      ).status,
    ).toBe(409);
    expect(
      (await api(server.url, "DELETE", `/api/v1/users/${org.userId}`, { token: org.token })).status,
    ).toBe(409);
    // With a second owner, the first may step down.
    const second = await member(org.orgId, "owner");
    const stepDown = await api(server.url, "PATCH", `/api/v1/users/${org.userId}`, {
      token: org.token,
      body: { role: "admin" },
    });
    expect(stepDown.status).toBe(200);
    const back = await api(server.url, "PATCH", `/api/v1/users/${second.id}`, {
      token: second.token,
      body: { role: "user" },
    });
    expect(back.status).toBe(409);
  });

  it("an admin can neither grant owner nor change an owner", async () => {
    const org = await registerOrg();
    const admin = await member(org.orgId, "admin");
    const user = await member(org.orgId, "user");
    const grant = await api(server.url, "PATCH", `/api/v1/users/${user.id}`, {
      token: admin.token,
      body: { role: "owner" },
    });
    expect(grant.status).toBe(403);
    const touch = await api(server.url, "POST", `/api/v1/users/${org.userId}/deactivate`, {
      token: admin.token,
    });
    expect(touch.status).toBe(403);
    const invite = await api(server.url, "POST", "/api/v1/users/invite", {
      token: admin.token,
      body: { email: `o-${uniq()}@example.test`, role: "owner" },
    });
    expect(invite.status).toBe(403);
  });
});

describe("invitations", () => {
  it("an admin invites, the invitee accepts once with a password and can log in", async () => {
    const org = await registerOrg();
    const email = `Invitee-${uniq()}@Example.test`;
    const inv = await api(server.url, "POST", "/api/v1/users/invite", {
      token: org.token,
      body: { email, role: "technician", first_name: "Tess" },
    });
    expect(inv.status).toBe(201);
    expect(inv.body.user.role).toBe("technician");
    // The token goes to the invitee's mailbox only, never to the inviter.
    expect(JSON.stringify(inv.body)).not.toMatch(/ssi_/);
    const mail = await server.mailbox.waitFor(email);
    expect(mail.subject).toMatch(/^You are invited to Acme /);
    expect(mail.text).toContain("expires in 7 days");
    const inviteToken = tokenIn(mail);
    expect(inviteToken).toMatch(/^ssi_/);
    expect(mail.text).toContain(`${server.runtime.env.APP_URL}/accept-invite?token=`);
    const stored = await server.runtime.serviceDb.oneFirst(
      sql.unsafe`SELECT token_hash FROM user_invitations WHERE user_id = ${inv.body.user.id}`,
    );
    expect(stored).not.toBe(inviteToken);

    // No password yet: login fails like any other failure.
    expect(
      (await api(server.url, "POST", "/api/v1/auth/login", { body: { email, password: PASSWORD } }))
        .status,
    ).toBe(401);
    const weak = await api(server.url, "POST", "/api/v1/auth/accept-invite", {
      body: { token: inviteToken, password: "short" },
    });
    expect(weak.status).toBe(400);
    const accepted = await api(server.url, "POST", "/api/v1/auth/accept-invite", {
      body: { token: inviteToken, password: PASSWORD },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.user.id).toBe(inv.body.user.id);
    expect(accepted.body.user.email_verified).toBe(true);
    expect(
      (await api(server.url, "GET", "/api/v1/me", { token: accepted.body.access_token })).body.role,
    ).toBe("technician");
    const again = await api(server.url, "POST", "/api/v1/auth/accept-invite", {
      body: { token: inviteToken, password: "another password!" },
    });
    expect(again.status).toBe(401);
    const login = await api(server.url, "POST", "/api/v1/auth/login", {
      body: { email: email.toLowerCase(), password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const dup = await api(server.url, "POST", "/api/v1/users/invite", {
      token: org.token,
      body: { email, role: "user" },
    });
    expect(dup.status).toBe(409);
    // The refused invitation mailed nothing.
    await server.runtime.mail.flush();
    expect(server.mailbox.to(email)).toHaveLength(1);
  });

  it("an unknown or expired invitation token is 401; a resent invitation works and voids the old link", async () => {
    const org = await registerOrg();
    const email = `late-${uniq()}@example.test`;
    const inv = await api(server.url, "POST", "/api/v1/users/invite", {
      token: org.token,
      body: { email, role: "user" },
    });
    const first = tokenIn(await server.mailbox.waitFor(email));
    await server.runtime.serviceDb.query(
      sql.unsafe`UPDATE user_invitations SET expires_at = now() - interval '1 minute' WHERE user_id = ${inv.body.user.id}`,
    );
    const late = await api(server.url, "POST", "/api/v1/auth/accept-invite", {
      body: { token: first, password: PASSWORD },
    });
    expect(late.status).toBe(401);

    const resent = await api(
      server.url,
      "POST",
      `/api/v1/users/${inv.body.user.id}/resend-invite`,
      {
        token: org.token,
      },
    );
    expect(resent.status).toBe(200);
    expect(JSON.stringify(resent.body)).not.toMatch(/ssi_/);
    const second = tokenIn(await server.mailbox.waitFor(email, (m) => !m.text.includes(first)));
    expect(second).not.toBe(first);
    const accepted = await api(server.url, "POST", "/api/v1/auth/accept-invite", {
      body: { token: second, password: PASSWORD },
    });
    expect(accepted.status).toBe(200);
    // Accepted: nothing left to resend.
    const again = await api(server.url, "POST", `/api/v1/users/${inv.body.user.id}/resend-invite`, {
      token: org.token,
    });
    expect(again.status).toBe(409);
    const unknown = await api(server.url, "POST", "/api/v1/auth/accept-invite", {
      body: { token: "ssi_nope", password: PASSWORD },
    });
    expect(unknown.status).toBe(401);
  });
});

describe("guests", () => {
  it("a guest reads their own row but not colleagues", async () => {
    const { orgId } = await buildOrgWithUser(server.runtime.serviceDb, "owner");
    const guest = await buildUser(server.runtime.serviceDb, {
      organizationId: orgId,
      role: "guest",
    });
    const { token } = await sessionFor(server.runtime.serviceDb, guest);
    expect((await api(server.url, "GET", `/api/v1/users/${guest.id}`, { token })).status).toBe(200);
    expect((await api(server.url, "GET", "/api/v1/users", { token })).status).toBe(403);
  });
});
