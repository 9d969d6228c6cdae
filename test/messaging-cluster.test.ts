import { beforeAll, describe, expect, it } from "vitest";
import type { TypingIndicator } from "../shared/realtime/events.ts";
import { buildOrganization, buildUser, sessionFor } from "./factories.ts";
import { connectClient, type HubProcess, spawnHub, waitFor } from "./helpers/realtime.ts";
import { api, testRuntime } from "./helpers/runtime.ts";

/**
 * Issue 13's end-to-end chat: two users on two different hub processes (real
 * `node server/main.ts`), talking through the typed client: typing indicators cross nodes
 * through the Redis adapter, messages and read receipts through the database outbox that
 * each node reads, and REST on either node sees the same conversation.
 */
const runtime = await testRuntime();
const db = runtime.serviceDb;
let hubA: HubProcess;
let hubB: HubProcess;

beforeAll(async () => {
  [hubA, hubB] = await Promise.all([spawnHub(), spawnHub()]);
}, 60_000);

describe("two users chat across two hub processes", () => {
  it("typing, messages both ways and read receipts reach the other party live, once", async () => {
    const org = await buildOrganization(db);
    const annUser = await buildUser(db, { organizationId: org.id, role: "manager" });
    const bobUser = await buildUser(db, { organizationId: org.id, role: "technician" });
    const annToken = (await sessionFor(db, annUser)).token;
    const bobToken = (await sessionFor(db, bobUser)).token;
    const ann = await connectClient(hubA.url, annToken);
    const bob = await connectClient(hubB.url, bobToken);
    const typingAtBob: TypingIndicator[] = [];
    const typingAtAnn: TypingIndicator[] = [];
    bob.on("typing", (t) => typingAtBob.push(t));
    ann.on("typing", (t) => typingAtAnn.push(t));

    // Ann (hub A) starts typing, then sends; Bob (hub B) sees both.
    expect(await ann.typing(bobUser.id)).toEqual({ ok: true });
    await waitFor(() => typingAtBob.length === 1, 5_000, "typing at Bob");
    expect(typingAtBob[0]).toMatchObject({ from_user_id: annUser.id });
    const sent = await ann.sendMessage({
      recipient_id: bobUser.id,
      content: "Lift 4 is stuck at L7",
    });
    if (!sent.ok) throw new Error(JSON.stringify(sent));
    await waitFor(() => bob.events.some((e) => e.type === "message.created"), 5_000, "message");
    const created = bob.events.find((e) => e.type === "message.created")!;
    expect(created.data).toMatchObject({ id: sent.message.id, sender_id: annUser.id });

    // Bob types back and answers over REST on hub A (any node serves REST).
    expect(await bob.typing(annUser.id)).toEqual({ ok: true });
    await waitFor(() => typingAtAnn.length === 1, 5_000, "typing at Ann");
    const reply = await api(hubA.url, "POST", "/api/v1/messages", {
      token: bobToken,
      body: { recipient_id: annUser.id, content: "On my way" },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.thread_id).toBe(sent.message.thread_id);
    await waitFor(
      () => ann.events.some((e) => e.type === "message.created" && e.data.id === reply.body.id),
      5_000,
      "reply",
    );

    // Read receipts: Bob reads on hub B; Ann on hub A sees read_at. Ann reads the reply.
    expect(await bob.readMessages([sent.message.id])).toEqual({ ok: true, updated: 1 });
    await waitFor(() => ann.events.some((e) => e.type === "message.read"), 5_000, "receipt");
    const receipt = ann.events.find((e) => e.type === "message.read")!;
    expect(receipt.data).toMatchObject({ id: sent.message.id, is_read: true });
    expect(typeof receipt.data.read_at).toBe("string");
    expect(await ann.readMessages([reply.body.id])).toEqual({ ok: true, updated: 1 });
    // Both participants get each read mark (Ann's own devices too), on their own schedules.
    await waitFor(
      () =>
        [ann, bob].every((c) =>
          c.events.some((e) => e.type === "message.read" && e.data.id === reply.body.id),
        ),
      5_000,
      "receipt at Bob, read mark at Ann",
    );

    // Each socket got each event once, and the conversation looks the same from both nodes.
    for (const client of [ann, bob]) {
      const ids = client.events.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(client.events.filter((e) => e.type === "message.created")).toHaveLength(2);
      expect(client.events.filter((e) => e.type === "message.read")).toHaveLength(2);
    }
    expect(typingAtBob).toHaveLength(1);
    expect(typingAtAnn).toHaveLength(1);
    const fromB = await api(hubB.url, "GET", "/api/v1/conversations", { token: annToken });
    const fromA = await api(hubA.url, "GET", "/api/v1/conversations", { token: bobToken });
    expect(fromB.body.data[0]).toMatchObject({
      thread_id: sent.message.thread_id,
      unread_count: 0,
    });
    expect(fromA.body.data[0].last_message.id).toBe(reply.body.id);

    // Presence is the cluster's: each was connected on some node, so neither was told of
    // a message by notification (Ann wrote on hub A to Bob on hub B, and back over REST).
    for (const [token, hub] of [
      [annToken, hubB],
      [bobToken, hubA],
    ] as const) {
      const notes = await api(
        hub.url,
        "GET",
        "/api/v1/notifications?notification_type=message_received",
        { token },
      );
      expect(notes.status).toBe(200);
      expect(notes.body.data).toEqual([]);
    }
  });
});
