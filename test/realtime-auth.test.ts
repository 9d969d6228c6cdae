import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { newApiKey, sha256, signAccessToken } from "../server/auth/tokens.ts";
import { encodeCursor } from "../shared/realtime/cursor.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { buildOrganization, buildUser, sessionFor } from "./factories.ts";
import {
  buildWorld,
  connectClient,
  connectError,
  connected,
  emitAck,
  rawSocket,
  sleep,
  startHub,
  titleOf,
  waitFor,
} from "./helpers/realtime.ts";

/** Handshake, admission on subscribe, error codes, and revocation ending sockets. */
const hub = await startHub();
const db = hub.runtime.serviceDb;
const secret = hub.runtime.env.JWT_SECRET;
let world: Awaited<ReturnType<typeof buildWorld>>;
let other: Awaited<ReturnType<typeof buildWorld>>;

beforeAll(async () => {
  world = await buildWorld(db);
  other = await buildWorld(db);
});

async function apiKey(orgId: string, createdBy: string, scopes: string[]) {
  const { key, prefix } = newApiKey();
  const row = await db.one(sql.unsafe`
    INSERT INTO api_keys (organization_id, created_by, key_prefix, key_hash, name, scopes)
    VALUES (${orgId}, ${createdBy}, ${prefix}, ${sha256(key)}, 'integration', ${sql.array(scopes, "text")})
    RETURNING id`);
  return { key, id: (row as { id: string }).id };
}

/** Resolves with the session.ended reason and the time until the disconnect. */
function endOf(socket: ReturnType<typeof rawSocket>) {
  const started = Date.now();
  return new Promise<{ reason: string; ms: number }>((resolve) => {
    let reason = "";
    socket.on("session.ended", (p: { reason: string }) => {
      reason = p.reason;
    });
    socket.on("disconnect", () => resolve({ reason, ms: Date.now() - started }));
  });
}

describe("handshake", () => {
  it("refuses missing, malformed, expired and revoked credentials with the right code", async () => {
    const codes = async (auth: Record<string, unknown>) =>
      (await connectError(rawSocket(hub.url, auth))).data?.code;
    expect(await codes({})).toBe("unauthorized");
    expect(await codes({ token: "not-a-jwt" })).toBe("unauthorized");
    expect(await codes({ token: 42 })).toBe("unauthorized");
    const user = { id: world.userId, organizationId: world.orgId };
    const expired = await signAccessToken(
      secret,
      { userId: user.id, organizationId: user.organizationId, sessionId: world.sessionId },
      -10,
    );
    expect(await codes({ token: expired })).toBe("token_expired");
    const revoked = await sessionFor(db, user);
    await db.query(
      sql.unsafe`UPDATE user_sessions SET revoked_at = now() WHERE id = ${revoked.sessionId}`,
    );
    expect(await codes({ token: revoked.token })).toBe("session_revoked");
    const err = await connectError(rawSocket(hub.url, {}));
    expect(err.message).toBe("unauthorized");
  });

  it("accepts an API key, limited by its scopes", async () => {
    const { key } = await apiKey(world.orgId, world.userId, ["realtime:org"]);
    const socket = rawSocket(hub.url, { token: key });
    await connected(socket);
    expect((await emitAck(socket, "subscribe", { topic: topicName("org", world.orgId) })).ok).toBe(
      true,
    );
    const site = await emitAck(socket, "subscribe", { topic: topicName("site", world.siteId) });
    expect(site.error.code).toBe("forbidden");
    const user = await emitAck(socket, "subscribe", { topic: topicName("user", world.userId) });
    expect(user.ok).toBe(false);
  });
});

describe("subscribe", () => {
  it("answers malformed payloads with invalid_request and issues, without disconnecting", async () => {
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    for (const payload of [
      "org",
      42,
      null,
      {},
      { topic: 5 },
      { topic: topicName("org", world.orgId), extra: 1 },
      [],
    ]) {
      const ack = await emitAck(socket, "subscribe", payload);
      expect(ack.ok).toBe(false);
      expect(ack.error.code).toBe("invalid_request");
      expect(Array.isArray(ack.error.issues)).toBe(true);
    }
    const badSince = await emitAck(socket, "subscribe", {
      topic: topicName("org", world.orgId),
      since: "yesterday",
    });
    expect(badSince.error.code).toBe("invalid_request");
    // Well-formed but beyond what the outbox can hold (xid8 < 2^64, id < 2^63): a cursor
    // this server never issued, not a failed replay.
    for (const since of [
      "zzzzzzzzzzzzz-zzzzzzzzzzzzz",
      "0000000000001-zzzzzzzzzzzzz",
      `${(2n ** 64n).toString(36).padStart(13, "0")}-0000000000001`,
      `0000000000001-${(2n ** 63n).toString(36).padStart(13, "0")}`,
    ]) {
      const ack = await emitAck(socket, "subscribe", {
        topic: topicName("org", world.orgId),
        since,
      });
      expect({ since, ack }).toMatchObject({ since, ack: { error: { code: "invalid_request" } } });
    }
    // An emit without a callback is ignored, not fatal.
    socket.emit("subscribe", { topic: "nonsense" });
    socket.emit("message.send", "garbage");
    expect((await emitAck(socket, "subscribe", { topic: topicName("org", world.orgId) })).ok).toBe(
      true,
    );
    expect(socket.connected).toBe(true);
  });

  it("answers unknown topics with invalid_topic", async () => {
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    for (const topic of [
      `galaxy:${world.orgId}`,
      "org:not-a-uuid",
      "org",
      `${topicName("org", world.orgId)}:x`,
      "",
    ]) {
      const ack = await emitAck(socket, "subscribe", { topic });
      expect(ack.ok).toBe(false);
      expect(["invalid_topic", "invalid_request"]).toContain(ack.error.code);
      if (topic !== "") expect(ack.error.code).toBe("invalid_topic");
    }
  });

  it("answers other organisations' ids and missing ids alike with not_found", async () => {
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const topic of [
      topicName("org", other.orgId),
      topicName("site", other.siteId),
      topicName("elevator", other.elevatorId),
      topicName("work_order", other.workOrderId),
      topicName("user", other.userId),
      topicName("site", missing),
      topicName("work_order", missing),
      topicName("service_request", missing),
      topicName("tenant", missing),
      topicName("forum_thread", missing),
      topicName("forum_category", missing),
    ]) {
      const ack = await emitAck(socket, "subscribe", { topic });
      expect(ack, topic).toMatchObject({ ok: false, error: { code: "not_found" } });
    }
  });

  it("gives forbidden only for a visible entity the role may not watch", async () => {
    const guest = await buildUser(db, { organizationId: world.orgId, role: "guest" });
    const { token } = await sessionFor(db, guest);
    const socket = rawSocket(hub.url, { token });
    await connected(socket);
    expect(
      (await emitAck(socket, "subscribe", { topic: topicName("org", world.orgId) })).error.code,
    ).toBe("forbidden");
    expect(
      (await emitAck(socket, "subscribe", { topic: topicName("work_order", world.workOrderId) }))
        .error.code,
    ).toBe("forbidden");
    expect(
      (await emitAck(socket, "subscribe", { topic: topicName("org", other.orgId) })).error.code,
    ).toBe("not_found");
  });

  it("admits forum topics by the category's visibility", async () => {
    const rows = (await db.any(sql.unsafe`
      INSERT INTO forum_categories (name, slug, scope_type, scope_value, visibility)
      VALUES ('Ours', 'ours', 'organization', ${world.orgId}, 'organization'),
             ('Theirs', 'theirs', 'organization', ${other.orgId}, 'organization')
      RETURNING id`)) as Array<{ id: string }>;
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    expect(
      (await emitAck(socket, "subscribe", { topic: topicName("forum_category", rows[0]!.id) })).ok,
    ).toBe(true);
    expect(
      (await emitAck(socket, "subscribe", { topic: topicName("forum_category", rows[1]!.id) }))
        .error.code,
    ).toBe("not_found");
  });

  it("rate-limits a subscribe flood, and the socket keeps working", async () => {
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    const acks = await Promise.all(
      Array.from({ length: 60 }, () =>
        emitAck(socket, "subscribe", { topic: topicName("org", world.orgId) }),
      ),
    );
    const limited = acks.filter((a) => !a.ok && a.error.code === "rate_limited").length;
    expect(limited).toBeGreaterThan(30);
    expect(socket.connected).toBe(true);
    await sleep(1_100);
    expect(
      (await emitAck(socket, "subscribe", { topic: topicName("site", world.siteId) })).ok,
    ).toBe(true);
    await db.query(sql.unsafe`UPDATE sites SET name = 'after flood' WHERE id = ${world.siteId}`);
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'after flood' WHERE id = ${world.workOrderId}`,
    );
    await waitFor(() => socket.events.some((e) => titleOf(e) === "after flood"));
  });

  it("unsubscribe stops delivery", async () => {
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    await emitAck(socket, "subscribe", { topic: topicName("work_order", world.workOrderId) });
    expect(
      await emitAck(socket, "unsubscribe", { topic: topicName("work_order", world.workOrderId) }),
    ).toEqual({ ok: true });
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'unheard' WHERE id = ${world.workOrderId}`,
    );
    await sleep(300);
    expect(socket.events).toEqual([]);
  });
});

describe("revocation ends sockets within 1 second", () => {
  async function freshSocket() {
    const user = await buildUser(db, { organizationId: world.orgId, role: "manager" });
    const session = await sessionFor(db, user);
    const socket = rawSocket(hub.url, { token: session.token });
    await connected(socket);
    expect((await emitAck(socket, "subscribe", { topic: topicName("org", world.orgId) })).ok).toBe(
      true,
    );
    return { user, session, socket, ended: endOf(socket) };
  }

  it("logout / session revocation", async () => {
    const { session, ended } = await freshSocket();
    await db.query(
      sql.unsafe`UPDATE user_sessions SET is_active = false, revoked_at = now() WHERE id = ${session.sessionId}`,
    );
    const { reason, ms } = await ended;
    expect(reason).toBe("session_revoked");
    expect(ms).toBeLessThan(1_000);
  });

  it("user deactivation", async () => {
    const { user, ended } = await freshSocket();
    await db.query(sql.unsafe`UPDATE users SET is_active = false WHERE id = ${user.id}`);
    const { reason, ms } = await ended;
    expect(reason).toBe("user_deactivated");
    expect(ms).toBeLessThan(1_000);
  });

  it("removal from the organisation", async () => {
    const { user, ended } = await freshSocket();
    const elsewhere = await buildOrganization(db);
    await db.query(
      sql.unsafe`UPDATE users SET organization_id = ${elsewhere.id} WHERE id = ${user.id}`,
    );
    const { reason, ms } = await ended;
    expect(reason).toBe("removed_from_organization");
    expect(ms).toBeLessThan(1_000);
  });

  it("API key revocation", async () => {
    const { key, id } = await apiKey(world.orgId, world.userId, ["realtime:org"]);
    const socket = rawSocket(hub.url, { token: key });
    await connected(socket);
    const ended = endOf(socket);
    await db.query(
      sql.unsafe`UPDATE api_keys SET revoked_at = now(), is_active = false WHERE id = ${id}`,
    );
    const { reason, ms } = await ended;
    expect(reason).toBe("api_key_revoked");
    expect(ms).toBeLessThan(1_000);
  });

  it("a tenant portal user's access change (request re-linked) ends the socket; re-admission is decided again", async () => {
    const portalUser = await buildUser(db, { organizationId: null, role: "guest" });
    const { token } = await sessionFor(db, portalUser);
    const tenant = (await db.one(sql.unsafe`
      INSERT INTO tenants (site_id, name, portal_enabled, portal_user_id)
      VALUES (${world.siteId}, 'Level 5 Legal', true, ${portalUser.id}) RETURNING id`)) as {
      id: string;
    };
    const request = (await db.one(sql.unsafe`
      INSERT INTO service_requests (site_id, tenant_id, request_type, subject, assigned_work_order_id)
      VALUES (${world.siteId}, ${tenant.id}, 'issue_report', 'Doors slow', ${world.workOrderId})
      RETURNING id`)) as { id: string };
    const socket = rawSocket(hub.url, { token });
    await connected(socket);
    const topic = topicName("work_order", world.workOrderId);
    expect((await emitAck(socket, "subscribe", { topic })).ok).toBe(true);
    const ended = endOf(socket);
    await db.query(
      sql.unsafe`UPDATE service_requests SET assigned_work_order_id = NULL WHERE id = ${request.id}`,
    );
    const { reason, ms } = await ended;
    expect(reason).toBe("access_changed");
    expect(ms).toBeLessThan(1_000);
    const again = rawSocket(hub.url, { token });
    await connected(again);
    expect((await emitAck(again, "subscribe", { topic })).error.code).toBe("not_found");
    expect((await emitAck(again, "subscribe", { topic: topicName("tenant", tenant.id) })).ok).toBe(
      true,
    );
    again.disconnect();
  });

  it("a member who becomes a tenant's portal user has their sockets ended and may not watch the dispatch board; losing it lets them again", async () => {
    // The principal carries "is a tenant portal user" from the handshake's credential read
    // (migrations/0110), so gaining portal access must end the socket (0110's trigger), or
    // a socket connected before it could still be admitted to `org:` afterwards.
    const member = await buildUser(db, { organizationId: world.orgId, role: "manager" });
    const { token } = await sessionFor(db, member);
    const org = topicName("org", world.orgId);
    const socket = rawSocket(hub.url, { token });
    await connected(socket);
    expect((await emitAck(socket, "subscribe", { topic: org })).ok).toBe(true);
    const ended = endOf(socket);
    const tenant = (await db.one(sql.unsafe`
      INSERT INTO tenants (site_id, name, portal_enabled, portal_user_id)
      VALUES (${world.siteId}, 'Level 9 Dental', true, ${member.id}) RETURNING id`)) as {
      id: string;
    };
    const { reason, ms } = await ended;
    expect(reason).toBe("access_changed");
    expect(ms).toBeLessThan(1_000);

    const again = rawSocket(hub.url, { token });
    await connected(again);
    expect((await emitAck(again, "subscribe", { topic: org })).error.code).toBe("forbidden");
    // An API key's creator is asked at subscribe (its principal carries no portal flag).
    const { key } = await apiKey(world.orgId, member.id, ["realtime:org"]);
    const viaKey = rawSocket(hub.url, { token: key });
    await connected(viaKey);
    expect((await emitAck(viaKey, "subscribe", { topic: org })).error.code).toBe("forbidden");
    viaKey.disconnect();

    const endedAgain = endOf(again);
    await db.query(sql.unsafe`UPDATE tenants SET portal_user_id = NULL WHERE id = ${tenant.id}`);
    expect((await endedAgain).reason).toBe("access_changed");
    const third = rawSocket(hub.url, { token });
    await connected(third);
    expect((await emitAck(third, "subscribe", { topic: org })).ok).toBe(true);
    third.disconnect();
  });

  it("a rolled-back revocation ends nothing", async () => {
    const { session, socket } = await freshSocket();
    await db
      .transaction(async (tx) => {
        await tx.query(
          sql.unsafe`UPDATE user_sessions SET revoked_at = now() WHERE id = ${session.sessionId}`,
        );
        throw new Error("abort");
      })
      .catch(() => {});
    await sleep(500);
    expect(socket.connected).toBe(true);
  });

  it("access-token expiry", async () => {
    const user = await buildUser(db, { organizationId: world.orgId, role: "manager" });
    const { token } = await sessionFor(db, user, { ttlSeconds: 2 });
    const socket = rawSocket(hub.url, { token });
    await connected(socket);
    const ended = endOf(socket);
    const { reason, ms } = await ended;
    expect(reason).toBe("token_expired");
    expect(ms).toBeLessThan(3_000);
  });

  it("the typed client refreshes its token on session.ended and loses nothing", async () => {
    const user = await buildUser(db, { organizationId: world.orgId, role: "manager" });
    const first = await sessionFor(db, user, { ttlSeconds: 2 });
    let refreshed = 0;
    const client = await connectClient(hub.url, first.token, {
      getToken: async () => {
        refreshed++;
        return (await sessionFor(db, user)).token;
      },
    });
    const reasons: string[] = [];
    client.on("session.ended", ({ reason }) => reasons.push(reason));
    const topic = topicName("work_order", world.workOrderId);
    expect((await client.subscribe(topic)).ok).toBe(true);
    const titles: string[] = [];
    for (let i = 0; i < 40; i++) {
      const title = `through expiry ${i}`;
      titles.push(title);
      await db.query(
        sql.unsafe`UPDATE work_orders SET title = ${title} WHERE id = ${world.workOrderId}`,
      );
      await sleep(75);
    }
    await waitFor(() => titleOf(client.events.at(-1)) === titles.at(-1), 10_000, "last title");
    expect(reasons).toContain("token_expired");
    expect(refreshed).toBeGreaterThanOrEqual(1);
    expect(client.events.map((e) => titleOf(e))).toEqual(titles);
    expect(client.cursor(topic)).toBe(client.events.at(-1)?.id);
    expect(encodeCursor({ xid: 0n, id: 0n }) < client.events[0]!.id).toBe(true);
  });
});
