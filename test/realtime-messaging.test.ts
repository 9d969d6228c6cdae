import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { topicName } from "../shared/realtime/topics.ts";
import { buildUser, sessionFor } from "./factories.ts";
import {
  buildWorld,
  connectClient,
  connected,
  emitAck,
  rawSocket,
  sleep,
  startHub,
  waitFor,
} from "./helpers/realtime.ts";

/** Client -> server writes (through RLS; events from the outbox) and presence on one node. */
const hub = await startHub();
const db = hub.runtime.serviceDb;
let world: Awaited<ReturnType<typeof buildWorld>>;
let other: Awaited<ReturnType<typeof buildWorld>>;
let colleague: { id: string; token: string };

beforeAll(async () => {
  world = await buildWorld(db);
  other = await buildWorld(db);
  const user = await buildUser(db, { organizationId: world.orgId, role: "technician" });
  colleague = { id: user.id, token: (await sessionFor(db, user)).token };
});

describe("messages", () => {
  it("message.send stores the row and both participants get message.created on their user topic", async () => {
    const sender = rawSocket(hub.url, { token: world.token });
    const recipient = rawSocket(hub.url, { token: colleague.token });
    const outsider = rawSocket(hub.url, { token: other.token });
    await Promise.all([connected(sender), connected(recipient), connected(outsider)]);
    const ack = await emitAck(sender, "message.send", {
      recipient_id: colleague.id,
      content: "Lift 3 is back",
    });
    expect(ack.ok).toBe(true);
    expect(ack.message).toMatchObject({
      sender_id: world.userId,
      recipient_id: colleague.id,
      content: "Lift 3 is back",
    });
    await waitFor(() => recipient.events.length === 1 && sender.events.length === 1);
    expect(recipient.events[0]).toMatchObject({
      topic: topicName("user", colleague.id),
      type: "message.created",
      actor_id: world.userId,
      data: { id: ack.message.id, content: "Lift 3 is back" },
    });

    const read = await emitAck(recipient, "message.read", { message_ids: [ack.message.id] });
    expect(read).toEqual({ ok: true, updated: 1 });
    // Reading it again changes nothing; the sender cannot mark it read.
    expect(await emitAck(recipient, "message.read", { message_ids: [ack.message.id] })).toEqual({
      ok: true,
      updated: 0,
    });
    expect(await emitAck(sender, "message.read", { message_ids: [ack.message.id] })).toEqual({
      ok: true,
      updated: 0,
    });
    await waitFor(() => sender.events.some((e) => e.type === "message.read"));
    await sleep(200);
    expect(outsider.events).toEqual([]);
  });

  it("refuses recipients outside reach and malformed payloads", async () => {
    const sender = rawSocket(hub.url, { token: world.token });
    await connected(sender);
    const far = await emitAck(sender, "message.send", {
      recipient_id: other.userId,
      content: "hi",
    });
    expect(far.error.code).toBe("not_found");
    for (const payload of [
      {},
      { recipient_id: "x", content: "hi" },
      { recipient_id: colleague.id, content: "" },
      "x",
    ]) {
      expect((await emitAck(sender, "message.send", payload)).error.code).toBe("invalid_request");
    }
    expect((await emitAck(sender, "message.read", { message_ids: "all" })).error.code).toBe(
      "invalid_request",
    );
    expect(sender.connected).toBe(true);
  });

  it("refuses content Postgres cannot store (a NUL byte) as invalid_request, storing nothing", async () => {
    const sender = rawSocket(hub.url, { token: world.token });
    await connected(sender);
    const ack = await emitAck(sender, "message.send", {
      recipient_id: colleague.id,
      content: "before\u0000after",
    });
    expect(ack).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    expect(await messagesTo(colleague.id, "before%")).toBe(0);
  });

  it("links a message only to a context the sender can see", async () => {
    const sender = rawSocket(hub.url, { token: world.token });
    await connected(sender);
    const send = (context: Record<string, unknown>) =>
      emitAck(sender, "message.send", { recipient_id: colleague.id, content: "ctx", ...context });
    // The sender's own work order, site and elevator are fine.
    for (const [context_type, context_id] of [
      ["work_order", world.workOrderId],
      ["site", world.siteId],
      ["elevator", world.elevatorId],
    ]) {
      const ack = await send({ context_type, context_id });
      expect({ context_type, ack }).toMatchObject({ context_type, ack: { ok: true } });
      expect(ack.message).toMatchObject({ context_type, context_id });
    }
    // Another organisation's rows, or missing ones, are not_found alike.
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const [context_type, context_id] of [
      ["work_order", other.workOrderId],
      ["site", other.siteId],
      ["elevator", other.elevatorId],
      ["work_order", missing],
      ["service_request", missing],
    ]) {
      const ack = await send({ context_type, context_id });
      expect({ context_type, context_id, ack }).toMatchObject({
        context_type,
        context_id,
        ack: { ok: false, error: { code: "not_found" } },
      });
    }
    // A context type nobody can check, or half a link, is a malformed payload.
    for (const context of [
      { context_type: "spaceship", context_id: world.workOrderId },
      { context_type: "work_order" },
      { context_id: world.workOrderId },
    ]) {
      expect((await send(context)).error.code).toBe("invalid_request");
    }
    expect(await messagesTo(colleague.id, "ctx")).toBe(3);
  });
});

async function messagesTo(recipientId: string, like: string): Promise<number> {
  return db.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM messages WHERE recipient_id = ${recipientId} AND content LIKE ${like}`);
}

describe("notifications", () => {
  it("notification.read marks the user's own notifications and emits notification.read", async () => {
    const client = await connectClient(hub.url, colleague.token);
    await db.query(sql.unsafe`
      INSERT INTO notifications (user_id, notification_type, title)
      VALUES (${colleague.id}, 'assignment', 'WO assigned'), (${colleague.id}, 'assignment', 'Another'),
             (${world.userId}, 'assignment', 'Not yours')`);
    await waitFor(
      () => client.events.filter((e) => e.type === "notification.created").length === 2,
    );
    const ack = await client.readNotifications("all");
    expect(ack).toEqual({ ok: true, updated: 2 });
    await waitFor(() => client.events.filter((e) => e.type === "notification.read").length === 2);
    expect(client.events.every((e) => e.topic === topicName("user", colleague.id))).toBe(true);
  });
});

describe("typing and presence", () => {
  it("typing reaches only the recipient; another organisation's user is not_found", async () => {
    const sender = rawSocket(hub.url, { token: world.token });
    const recipient = rawSocket(hub.url, { token: colleague.token });
    const outsider = rawSocket(hub.url, { token: other.token });
    await Promise.all([connected(sender), connected(recipient), connected(outsider)]);
    const got: unknown[] = [];
    const stray: unknown[] = [];
    recipient.on("typing", (t: unknown) => got.push(t));
    outsider.on("typing", (t: unknown) => stray.push(t));
    expect(await emitAck(sender, "typing", { to_user_id: colleague.id })).toEqual({ ok: true });
    expect((await emitAck(sender, "typing", { to_user_id: other.userId })).error.code).toBe(
      "not_found",
    );
    await waitFor(() => got.length === 1);
    await sleep(200);
    expect(stray).toEqual([]);
  });

  it("presence goes online on the first socket and offline after the last, to the org only", async () => {
    const watcher = rawSocket(hub.url, { token: world.token });
    const outsider = rawSocket(hub.url, { token: other.token });
    await Promise.all([connected(watcher), connected(outsider)]);
    await emitAck(watcher, "subscribe", { topic: topicName("org", world.orgId) });
    await emitAck(outsider, "subscribe", { topic: topicName("org", other.orgId) });
    const seen: Array<{ user_id: string; status: string }> = [];
    const stray: unknown[] = [];
    watcher.on("presence", (p: { user_id: string; status: string }) => seen.push(p));
    outsider.on("presence", (p: unknown) => stray.push(p));
    const user = await buildUser(db, { organizationId: world.orgId, role: "technician" });
    const { token } = await sessionFor(db, user);
    const a = rawSocket(hub.url, { token });
    await connected(a);
    const b = rawSocket(hub.url, { token });
    await connected(b);
    await waitFor(() => seen.some((p) => p.user_id === user.id));
    a.close();
    await sleep(300);
    expect(seen.filter((p) => p.user_id === user.id)).toEqual([
      { user_id: user.id, status: "online" },
    ]);
    b.close();
    await waitFor(() => seen.some((p) => p.user_id === user.id && p.status === "offline"));
    expect(stray).toEqual([]);
  });
});
