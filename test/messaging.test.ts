import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { withTenant } from "../server/db/tenant-context.ts";
import { renderMessageHtml } from "../server/messages/render.ts";
import { attachRealtime } from "../server/realtime/hub.ts";
import { isUserOnline } from "../server/realtime/presence.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { buildOrganization, buildUser, sessionFor } from "./factories.ts";
import {
  connectClient,
  connected,
  emitAck,
  rawSocket,
  sleep,
  waitFor,
} from "./helpers/realtime.ts";
import { api, testRuntime, testServer } from "./helpers/runtime.ts";

/**
 * Direct messages end to end (docs/messaging.md): REST and the socket through one command,
 * conversations and history, who may message whom, read receipts, unread counts under
 * concurrent sends and reads, limits, attachments, rendering, and the notification of an
 * offline recipient. Real Postgres (RLS as the app role), Redis and sockets.
 */
const runtime = await testRuntime({ MESSAGES_PER_MINUTE: "1000" });
const hub = await testServer(runtime, [attachRealtime]);
const db = runtime.serviceDb;
const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
  api(hub.url, method, `/api/v1${path}`, { token, body });

type Person = { id: string; token: string; orgId: string | null };

async function person(
  orgId: string | null,
  role: "admin" | "technician" | "guest" | "manager" = "technician",
): Promise<Person> {
  const u = await buildUser(db, { organizationId: orgId, role });
  return { id: u.id, orgId, token: (await sessionFor(db, u)).token };
}

const send = (from: Person, to: Person, content: string, extra: Record<string, unknown> = {}) =>
  call("POST", "/messages", from.token, { recipient_id: to.id, content, ...extra });

let orgA: string;
let orgB: string;

beforeAll(async () => {
  orgA = (await buildOrganization(db)).id;
  orgB = (await buildOrganization(db)).id;
});

describe("sending", () => {
  it("REST and message.send write through one command; both users' rooms get message.created, the sender's other devices too", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const annPhone = rawSocket(hub.url, { token: ann.token });
    const annLaptop = rawSocket(hub.url, { token: ann.token });
    const bobSocket = rawSocket(hub.url, { token: bob.token });
    await Promise.all([connected(annPhone), connected(annLaptop), connected(bobSocket)]);

    const rest = await send(ann, bob, "Lift 3 is back <b>up</b>");
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({
      sender_id: ann.id,
      recipient_id: bob.id,
      content: "Lift 3 is back <b>up</b>",
      content_html: "Lift 3 is back &lt;b&gt;up&lt;/b&gt;",
      is_read: false,
    });
    const ack = await emitAck(annPhone, "message.send", {
      recipient_id: bob.id,
      content: "see https://example.com/wo",
    });
    expect(ack.ok).toBe(true);
    expect(ack.message.thread_id).toBe(rest.body.thread_id);
    expect(ack.message.content_html).toContain('<a href="https://example.com/wo"');

    for (const socket of [annPhone, annLaptop, bobSocket]) {
      await waitFor(() => socket.events.filter((e) => e.type === "message.created").length === 2);
      expect(socket.events.map((e) => e.data.id)).toEqual([rest.body.id, ack.message.id]);
    }
    expect(bobSocket.events[0]!.topic).toBe(topicName("user", bob.id));
    const fetched = await call("GET", `/messages/${rest.body.id}`, bob.token);
    expect(fetched.body).toEqual(rest.body);
  });

  it("refuses bad content and input with 400 / invalid_request and stores nothing", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const socket = rawSocket(hub.url, { token: ann.token });
    await connected(socket);
    const bad = [
      { content: "" },
      { content: "   " },
      { content: "x".repeat(20_001) },
      { content: "a\u0000b" },
      { content: "hi", context_type: "work_order" },
      { content: "hi", thread_id: "00000000-0000-4000-8000-000000000000", new_conversation: true },
      { content: "hi", attachment_document_ids: [] },
      { content: "hi", extra: 1 },
    ];
    for (const body of bad) {
      const res = await send(ann, bob, "", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const ack = await emitAck(socket, "message.send", { recipient_id: bob.id, ...body });
      expect(ack.error.code).toBe("invalid_request");
    }
    expect(await messageCount(ann.id)).toBe(0);
    // 20,000 characters is the limit, and it is stored as sent.
    const long = "é".repeat(20_000);
    expect((await send(ann, bob, long)).body.content).toBe(long);
  });

  it("content_html lets no markup of the sender's through: only its own links and line breaks", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const hostile = [
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      '<a href="javascript:alert(1)">x</a>',
      "javascript:alert(1)",
      "data:text/html;base64,PHNjcmlwdD4=",
      'http://evil.test/"onmouseover="alert(1)',
      "http://evil.test/<script>alert(1)</script>",
      "vbscript:msgbox(1) //evil.test/x",
      "<svg/onload=alert(1)>\n<iframe src=//evil.test>",
      "&lt;script&gt; stays text",
    ];
    // The only tags that may appear: a link (http, https, mailto) with fixed rel/target, its
    // end, and a line break.
    const allowed =
      /^(<a href="(https?:\/\/|mailto:)[^"<>]*" rel="noopener noreferrer nofollow ugc" target="_blank">|<\/a>|<br \/>)$/;
    for (const content of hostile) {
      const html = renderMessageHtml(content);
      for (const tag of html.match(/<[^>]*>/g) ?? []) expect(tag, content).toMatch(allowed);
    }
    expect(renderMessageHtml("&lt;script&gt; stays text")).toBe(
      "&amp;lt;script&amp;gt; stays text",
    );
    expect(renderMessageHtml("javascript:alert(1)")).toBe("javascript:alert(1)");
    // The same text over REST and in the send ack; the row itself keeps what was sent.
    const sent = await send(ann, bob, hostile[6]!);
    expect(sent.body.content).toBe(hostile[6]);
    expect(sent.body.content_html).toBe(renderMessageHtml(hostile[6]!));
    const one = await call("GET", `/messages/${sent.body.id}`, bob.token);
    expect(one.body.content_html).toBe(sent.body.content_html);
  });

  it("is a person's: API keys are refused", async () => {
    const owner = await person(orgA, "admin");
    await db.query(sql.unsafe`UPDATE users SET role = 'owner' WHERE id = ${owner.id}`);
    const bob = await person(orgA);
    const key = await call("POST", "/api-keys", owner.token, { name: "k", scopes: ["org:read"] });
    expect(key.status).toBe(201);
    expect((await send({ ...owner, token: key.body.key }, bob, "hi")).status).toBe(403);
    expect((await call("GET", "/conversations", key.body.key)).status).toBe(403);
  });
});

const onlineNow = (userId: string) =>
  isUserOnline(runtime.redis, runtime.env.REDIS_KEY_PREFIX, userId);

async function until(read: () => Promise<boolean>, wanted: boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await read()) !== wanted) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${wanted}`);
    await sleep(25);
  }
}

async function messageCount(senderId: string) {
  return db.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM messages WHERE sender_id = ${senderId}`);
}

describe("conversations", () => {
  it("groups a pair's messages, lists conversations newest first with the last message and unread count, and pages history backwards", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const cat = await person(orgA);
    await db.query(sql.unsafe`UPDATE users SET display_name = 'Bob Builder' WHERE id = ${bob.id}`);
    const first = (await send(ann, bob, "m1")).body;
    for (let i = 2; i <= 7; i++) {
      const from = i % 2 ? ann : bob;
      const res = await send(from, from === ann ? bob : ann, `m${i}`);
      expect(res.body.thread_id).toBe(first.thread_id);
    }
    const withCat = (await send(cat, ann, "hello from cat")).body;
    const separate = (await send(ann, bob, "about the other job", { new_conversation: true })).body;
    expect(separate.thread_id).not.toBe(first.thread_id);

    const list = await call("GET", "/conversations", ann.token);
    expect(list.status).toBe(200);
    expect(list.body.data.map((c: { thread_id: string }) => c.thread_id)).toEqual([
      separate.thread_id,
      withCat.thread_id,
      first.thread_id,
    ]);
    const main = list.body.data[2];
    expect(main.other_user).toMatchObject({ id: bob.id, display_name: "Bob Builder" });
    expect(main.last_message.content).toBe("m7");
    // m2, m4, m6 came from Bob.
    expect(main.unread_count).toBe(3);
    expect(list.body.data[1].unread_count).toBe(1);
    const paged = await call("GET", "/conversations?limit=2", ann.token);
    expect(paged.body.data).toHaveLength(2);
    const rest = await call(
      "GET",
      `/conversations?limit=2&cursor=${paged.body.next_cursor}`,
      ann.token,
    );
    expect(rest.body.data.map((c: { thread_id: string }) => c.thread_id)).toEqual([
      first.thread_id,
    ]);
    expect(rest.body.next_cursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = cursor ? `&cursor=${cursor}` : "";
      const page = await call(
        "GET",
        `/conversations/${first.thread_id}/messages?limit=3${qs}`,
        bob.token,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((m: { content: string }) => m.content));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(["m7", "m6", "m5", "m4", "m3", "m2", "m1"]);

    // Not a participant, a cursor of another conversation, a made-up cursor.
    expect(
      (await call("GET", `/conversations/${first.thread_id}/messages`, cat.token)).status,
    ).toBe(404);
    const page1 = await call(
      "GET",
      `/conversations/${first.thread_id}/messages?limit=1`,
      ann.token,
    );
    expect(
      (
        await call(
          "GET",
          `/conversations/${withCat.thread_id}/messages?cursor=${page1.body.next_cursor}`,
          ann.token,
        )
      ).status,
    ).toBe(400);
    expect((await call("GET", "/conversations?cursor=bm9wZQ", ann.token)).status).toBe(400);
    // Someone else's conversation cannot be continued, or even named.
    const intrude = await send(cat, bob, "hi", { thread_id: first.thread_id });
    expect(intrude.status).toBe(404);
    // A conversation is between two people for every writer, plain SQL included: a
    // message of two others cannot join this thread, and no message can move into it.
    const dan = await person(orgA);
    const eve = await person(orgA);
    await expect(
      db.query(sql.unsafe`
        INSERT INTO messages (sender_id, recipient_id, thread_id, content)
        VALUES (${eve.id}, ${dan.id}, ${first.thread_id}, 'not for Ann or Bob')`),
    ).rejects.toMatchObject({ constraint: "messages_thread_pair" });
    await expect(
      db.query(sql.unsafe`
        INSERT INTO messages (sender_id, recipient_id, thread_id, content)
        VALUES (${ann.id}, ${cat.id}, ${first.thread_id}, 'not for Bob')`),
    ).rejects.toMatchObject({ constraint: "messages_thread_pair" });
    const elsewhere = (await send(dan, eve, "ours")).body;
    await expect(
      db.query(
        sql.unsafe`UPDATE messages SET thread_id = ${first.thread_id} WHERE id = ${elsewhere.id}`,
      ),
    ).rejects.toMatchObject({ constraint: "messages_thread_pair" });
    await expect(
      db.query(sql.unsafe`UPDATE messages SET recipient_id = ${ann.id} WHERE id = ${elsewhere.id}`),
    ).rejects.toMatchObject({ constraint: "messages_thread_pair" });
    const all = await call(
      "GET",
      `/conversations/${first.thread_id}/messages?limit=200`,
      bob.token,
    );
    expect(all.body.data.map((m: { content: string }) => m.content)).toEqual([
      "m7",
      "m6",
      "m5",
      "m4",
      "m3",
      "m2",
      "m1",
    ]);
  });

  it("a page's ids (conversation_page_ids, SECURITY DEFINER) go to the conversation's participants only, as the app role", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const cat = await person(orgA, "admin");
    const outsider = await person(orgB, "admin");
    const freelancer = await person(null, "guest");
    await db.query(sql.unsafe`
      INSERT INTO technician_profiles (user_id, availability_status, profile_visibility)
      VALUES (${freelancer.id}, 'open_to_opportunities', 'public')`);
    const inside = (await send(ann, bob, "inside")).body;
    await send(bob, ann, "inside 2");
    // Across organisations: Ann's organisation and a freelancer of none.
    const across = (await send(ann, freelancer, "across")).body;

    const pageIds = (as: Person | null, threadId: string) =>
      withTenant(runtime.db, { organizationId: as?.orgId ?? null, userId: as?.id ?? null }, (tx) =>
        tx.anyFirst(sql.type(z.object({ id: z.string() }))`
            SELECT id FROM conversation_page_ids(${threadId}, NULL, NULL, 1000)`),
      );
    expect(await pageIds(ann, inside.thread_id)).toHaveLength(2);
    expect(await pageIds(bob, inside.thread_id)).toHaveLength(2);
    expect(await pageIds(freelancer, across.thread_id)).toEqual([across.id]);
    // A colleague (even an admin), another organisation's admin, the freelancer for a
    // conversation not theirs, Bob for Ann's other conversation, and no user at all.
    for (const [who, thread] of [
      [cat, inside.thread_id],
      [outsider, inside.thread_id],
      [outsider, across.thread_id],
      [freelancer, inside.thread_id],
      [bob, across.thread_id],
      [null, inside.thread_id],
    ] as const) {
      expect(await pageIds(who, thread)).toEqual([]);
    }
    // message_notification_pending() (0106) answers a participant about the other one only.
    const pending = (as: Person, threadId: string, recipient: Person) =>
      withTenant(runtime.db, { organizationId: as.orgId, userId: as.id }, (tx) =>
        tx.oneFirst(sql.type(z.object({ p: z.boolean() }))`
          SELECT message_notification_pending(${threadId}, ${recipient.id}) AS p`),
      );
    expect(await pending(bob, inside.thread_id, ann)).toBe(true);
    expect(await pending(ann, across.thread_id, freelancer)).toBe(true);
    for (const [who, thread, about] of [
      [cat, inside.thread_id, ann],
      [outsider, inside.thread_id, bob],
      [freelancer, inside.thread_id, ann],
      [bob, across.thread_id, freelancer],
    ] as const) {
      expect(await pending(who, thread, about)).toBe(false);
    }
    for (const who of [cat, outsider, freelancer]) {
      const res = await call("GET", `/conversations/${inside.thread_id}/messages`, who.token);
      expect(res.status).toBe(404);
    }
  });

  it("two first messages racing in opposite directions land in one conversation", async () => {
    for (let round = 0; round < 5; round++) {
      const ann = await person(orgA);
      const bob = await person(orgA);
      const [x, y] = await Promise.all([send(ann, bob, "hi Bob"), send(bob, ann, "hi Ann")]);
      expect(x.body.thread_id).toBe(y.body.thread_id);
    }
  });
});

describe("who may message whom", () => {
  it("colleagues yes; another organisation's user no, unless open to opportunities (to staff) or on an open job application; a conversation lets them answer", async () => {
    const staff = await person(orgA, "manager");
    const guest = await person(orgA, "guest");
    const outsider = await person(orgB);
    const colleague = await person(orgA);
    expect((await send(staff, colleague, "hi")).status).toBe(201);
    expect((await send(staff, outsider, "hi")).status).toBe(404);

    // A freelance technician open to opportunities: staff may reach them, a guest may not.
    const freelancer = await person(null, "guest");
    await db.query(sql.unsafe`
      INSERT INTO technician_profiles (user_id, availability_status, profile_visibility)
      VALUES (${freelancer.id}, 'open_to_opportunities', 'public')`);
    expect((await send(guest, freelancer, "hi")).status).toBe(404);
    const offer = await send(staff, freelancer, "Interested in a contract?");
    expect(offer.status).toBe(201);
    // The freelancer answers in that conversation (they have no organisation at all).
    expect((await send(freelancer, staff, "Yes please")).status).toBe(201);
    const names = await call("GET", "/conversations", freelancer.token);
    expect(names.body.data[0].other_user.id).toBe(staff.id);

    // Job applications: the employer's staff and the applicant, while it is open.
    const applicant = await person(orgB);
    const listing = await db.oneFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO job_listings (organization_id, posted_by, title, slug, description, employment_type, trade, status)
      VALUES (${orgA}, ${staff.id}, 'Lift tech', ${`lift-tech-${applicant.id}`}, 'Sydney CBD', 'full_time', 'elevators', 'active')
      RETURNING id`);
    const application = await db.oneFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO job_applications (job_listing_id, applicant_id) VALUES (${listing}, ${applicant.id})
      RETURNING id`);
    expect((await send(applicant, staff, "About my application")).status).toBe(201);
    expect((await send(colleague, applicant, "We would like to meet")).status).toBe(201);
    // Another applicant whose application was rejected cannot start a conversation.
    const rejected = await person(orgB);
    await db.query(sql.unsafe`
      INSERT INTO job_applications (job_listing_id, applicant_id, status)
      VALUES (${listing}, ${rejected.id}, 'rejected')`);
    expect((await send(rejected, staff, "Why?")).status).toBe(404);
    expect(application).toBeTruthy();

    // A tenant portal user (no organisation, no messages permission) is reached by no rule,
    // not even by staff of the organisation whose site the tenant is on.
    const portal = await buildUser(db, { organizationId: null, role: "tenant" });
    const asPortal = { id: portal.id, token: (await sessionFor(db, portal)).token, orgId: null };
    expect((await send(staff, asPortal, "hi")).status).toBe(404);
    expect((await send(asPortal, staff, "hi")).status).toBe(403);

    // Deactivated users and oneself are out of reach.
    const gone = await person(orgA);
    await db.query(sql.unsafe`UPDATE users SET is_active = false WHERE id = ${gone.id}`);
    expect((await send(staff, gone, "hi")).status).toBe(404);
    expect((await send(staff, staff, "hi")).status).toBe(404);
  });

  it("attachments are documents both participants may see", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const outsider = await person(orgB);
    await send(outsider, ann, "x").then((r) => expect(r.status).toBe(404));
    const doc = async (owner: Person, visibility: string) =>
      db.oneFirst(sql.type(z.object({ id: z.string() }))`
        INSERT INTO documents (organization_id, uploaded_by, filename, original_filename, file_type,
                               file_size_bytes, storage_path, visibility)
        VALUES (${owner.orgId}, ${owner.id}, 'manual.pdf', 'manual.pdf', 'pdf', 1024, '/m.pdf', ${visibility})
        RETURNING id`);
    const shared = await doc(ann, "organization");
    const mine = await doc(ann, "private");
    const theirs = await doc(outsider, "organization");
    const ok = await send(ann, bob, "the manual", { attachment_document_ids: [shared] });
    expect(ok.status).toBe(201);
    expect(ok.body.attachment_document_ids).toEqual([shared]);
    // Bob's private document: Bob may see it, Ann (the sender) may not.
    const bobs = await doc(bob, "private");
    for (const ids of [
      [mine],
      [theirs],
      [bobs],
      [shared, "00000000-0000-4000-8000-000000000000"],
    ]) {
      const res = await send(ann, bob, "nope", { attachment_document_ids: ids });
      expect(res.status).toBe(422);
    }
    // Across organisations (a freelancer of none): the recipient's own RLS context decides,
    // so Ann's organisation's document is refused, a platform-wide one is fine.
    const freelancer = await person(null, "guest");
    await db.query(sql.unsafe`
      INSERT INTO technician_profiles (user_id, availability_status, profile_visibility)
      VALUES (${freelancer.id}, 'actively_looking', 'public')`);
    const platform = await doc(ann, "platform");
    expect(
      (await send(ann, freelancer, "org only", { attachment_document_ids: [shared] })).status,
    ).toBe(422);
    const across = await send(ann, freelancer, "for everyone", {
      attachment_document_ids: [platform, platform],
    });
    expect(across.status).toBe(201);
    // A refused send stored nothing.
    expect(
      await db.oneFirst(sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int AS n FROM messages WHERE sender_id = ${ann.id} AND content IN ('nope', 'org only')`),
    ).toBe(0);
  });
});

describe("sending to a connected recipient (one statement, send_direct_message())", () => {
  it("applies every rule in the one-round-trip path and leaves no RLS context on its connections", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const cat = await person(orgA);
    const outsider = await person(orgB);
    const sockets = await Promise.all(
      [bob, cat, outsider].map((p) => connectClient(hub.url, p.token)),
    );
    for (const p of [bob, cat, outsider]) await until(() => onlineNow(p.id), true);
    try {
      const first = await send(ann, bob, "hello");
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ sender_id: ann.id, recipient_id: bob.id });
      // Someone she may not reach, online or not.
      const unreachable = await send(ann, outsider, "hi");
      expect(unreachable.status).toBe(404);
      expect(unreachable.body.detail).toBe("Recipient not found");
      // A conversation of hers, but with someone else.
      const withCat = (await send(ann, cat, "hi cat")).body.thread_id;
      const wrong = await send(ann, bob, "wrong thread", { thread_id: withCat });
      expect(wrong.status).toBe(404);
      expect(wrong.body.detail).toBe("Conversation not found");
      expect(
        (await send(ann, bob, "same thread", { thread_id: first.body.thread_id })).body.thread_id,
      ).toBe(first.body.thread_id);
      const fresh = await send(ann, bob, "new one", { new_conversation: true });
      expect(fresh.status).toBe(201);
      expect(fresh.body.thread_id).not.toBe(first.body.thread_id);
      // A document the sender may not see (another organisation's).
      const theirs = await db.oneFirst(sql.type(z.object({ id: z.string() }))`
        INSERT INTO documents (organization_id, uploaded_by, filename, original_filename, file_type,
                               file_size_bytes, storage_path, visibility)
        VALUES (${orgB}, ${outsider.id}, 'x.pdf', 'x.pdf', 'pdf', 1, '/x.pdf', 'organization')
        RETURNING id`);
      const attached = await send(ann, bob, "nope", { attachment_document_ids: [theirs] });
      expect(attached.status).toBe(422);
      // Over the socket the same refusals come back as acks.
      const annSocket = rawSocket(hub.url, { token: ann.token });
      await connected(annSocket);
      const ack = await emitAck(annSocket, "message.send", {
        recipient_id: bob.id,
        content: "wrong thread",
        thread_id: withCat,
      });
      expect(ack).toMatchObject({ ok: false, error: { code: "not_found" } });
      annSocket.close();
      expect(
        await db.oneFirst(sql.type(z.object({ n: z.number() }))`
          SELECT count(*)::int AS n FROM messages
           WHERE sender_id = ${ann.id} AND content IN ('hi', 'wrong thread', 'nope')`),
      ).toBe(0);
      // Each statement set the sender's context transaction-locally: no connection of the
      // pool (no DISCARD ALL on it) carries it on.
      const settings = await Promise.all(
        Array.from({ length: runtime.env.DB_POOL_SIZE }, () =>
          runtime.commandDb.oneFirst(sql.type(z.object({ u: z.string() }))`
            SELECT coalesce(current_setting('app.current_user', true), '') AS u
              FROM pg_sleep(0.05)`),
        ),
      );
      expect(settings.every((u) => u === "")).toBe(true);
    } finally {
      for (const s of sockets) s.close();
    }
  });
});

describe("idempotency keys", () => {
  it("a retried send with the sender's key returns the stored message and writes nothing twice, over REST and the socket", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const key = "ann-device-1:0001";
    const first = await send(ann, bob, "on my way", { idempotency_key: key });
    expect(first.status).toBe(201);
    const again = await send(ann, bob, "on my way", { idempotency_key: key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    const annSocket = rawSocket(hub.url, { token: ann.token });
    await connected(annSocket);
    const ack = await emitAck(annSocket, "message.send", {
      recipient_id: bob.id,
      content: "on my way",
      idempotency_key: key,
    });
    expect(ack).toMatchObject({ ok: true, message: { id: first.body.id } });
    // The same key for another message is refused, not silently answered with the first.
    const other = await send(ann, bob, "something else", { idempotency_key: key });
    expect(other.status).toBe(409);
    const otherAck = await emitAck(annSocket, "message.send", {
      recipient_id: bob.id,
      content: "something else",
      idempotency_key: key,
    });
    expect(otherAck).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    annSocket.close();
    // Keys are per sender: Bob may use the same one.
    expect((await send(bob, ann, "thanks", { idempotency_key: key })).status).toBe(201);
    expect(await messageCount(ann.id)).toBe(1);
    // Bob was offline: one notification, not one per retry.
    const notes = await call("GET", "/notifications?notification_type=message_received", bob.token);
    expect(notes.body.data).toHaveLength(1);
    expect((await send(ann, bob, "bad key", { idempotency_key: "" })).status).toBe(400);
  });

  it("concurrent retries (recipient online) store one message and stream it once", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const bobSocket = rawSocket(hub.url, { token: bob.token });
    await connected(bobSocket);
    await until(() => onlineNow(bob.id), true);
    const sends = await Promise.all(
      Array.from({ length: 6 }, () => send(ann, bob, "once", { idempotency_key: "k-1" })),
    );
    expect(sends.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(sends.map((r) => r.body.id)).size).toBe(1);
    expect(await messageCount(ann.id)).toBe(1);
    await waitFor(() => bobSocket.events.some((e) => e.type === "message.created"));
    await sleep(300);
    expect(bobSocket.events.filter((e) => e.type === "message.created")).toHaveLength(1);
    bobSocket.close();
  });
});

describe("read receipts and unread counts", () => {
  it("message.read reaches the sender live with read_at; counts follow", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const annSocket = rawSocket(hub.url, { token: ann.token });
    const bobSocket = rawSocket(hub.url, { token: bob.token });
    await Promise.all([connected(annSocket), connected(bobSocket)]);
    const ids: string[] = [];
    for (const text of ["one", "two", "three"]) ids.push((await send(ann, bob, text)).body.id);
    expect((await call("GET", "/messages/unread-count", bob.token)).body).toEqual({ unread: 3 });
    expect(await emitAck(bobSocket, "message.read", { message_ids: [ids[0]] })).toEqual({
      ok: true,
      updated: 1,
    });
    await waitFor(() => annSocket.events.some((e) => e.type === "message.read"));
    const receipt = annSocket.events.find((e) => e.type === "message.read")!;
    expect(receipt.data).toMatchObject({ id: ids[0], is_read: true });
    expect(receipt.data.read_at).toBeTruthy();
    const thread = (await call("GET", `/messages/${ids[0]}`, ann.token)).body.thread_id;
    expect((await call("POST", `/conversations/${thread}/read`, bob.token)).body).toEqual({
      updated: 2,
    });
    expect((await call("GET", "/messages/unread-count", bob.token)).body).toEqual({ unread: 0 });
    // The sender cannot mark their own messages read.
    expect((await call("POST", "/messages/read", ann.token, { message_ids: ids })).body).toEqual({
      updated: 0,
    });
    await waitFor(() => annSocket.events.filter((e) => e.type === "message.read").length === 3);
  });

  it("stay exact under concurrent sends (REST and socket, both directions) and reads", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    const annSocket = rawSocket(hub.url, { token: ann.token });
    const bobSocket = rawSocket(hub.url, { token: bob.token });
    await Promise.all([connected(annSocket), connected(bobSocket)]);
    const toBob: string[] = [];
    const reads: Promise<unknown>[] = [];
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 24; i++) {
      sends.push(
        (i % 2
          ? send(ann, bob, `rest ${i}`).then((r) => r.body.id as string)
          : emitAck(annSocket, "message.send", { recipient_id: bob.id, content: `ws ${i}` }).then(
              (a) => a.message.id as string,
            )
        ).then((id) => {
          toBob.push(id);
          // Bob reads every third message as soon as it exists, while others are still sent.
          if (toBob.length % 3 === 0) {
            reads.push(call("POST", "/messages/read", bob.token, { message_ids: [id] }));
          }
        }),
      );
      if (i % 4 === 0) sends.push(send(bob, ann, `back ${i}`));
    }
    await Promise.all(sends);
    await Promise.all(reads);
    const readIds = await db.anyFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM messages WHERE recipient_id = ${bob.id} AND is_read`);
    expect(readIds).toHaveLength(8);
    expect((await call("GET", "/messages/unread-count", bob.token)).body).toEqual({ unread: 16 });
    const convs = (await call("GET", "/conversations", bob.token)).body.data;
    expect(convs).toHaveLength(1);
    expect(convs[0].unread_count).toBe(16);
    expect((await call("GET", "/conversations", ann.token)).body.data[0].unread_count).toBe(6);
    const lastSent = await db.oneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM messages WHERE thread_id = ${convs[0].thread_id}
       ORDER BY created_at DESC, id DESC LIMIT 1`);
    expect(convs[0].last_message.id).toBe(lastSent);
  });
});

describe("an offline recipient", () => {
  it("is notified once per run of unread messages; a connected one is not; reading clears it", async () => {
    const ann = await person(orgA);
    const bob = await person(orgA);
    for (const text of ["are you there?", "call me", "urgent"]) await send(ann, bob, text);
    const notes = async () =>
      (await call("GET", "/notifications?notification_type=message_received", bob.token)).body.data;
    expect(await notes()).toHaveLength(1);
    expect((await notes())[0]).toMatchObject({ link_type: "conversation", is_read: false });
    const thread = (await notes())[0].link_id;
    await call("POST", `/conversations/${thread}/read`, bob.token);
    expect((await notes())[0].is_read).toBe(true);
    await send(ann, bob, "one more");
    expect(await notes()).toHaveLength(2);

    // Bob reads, so a new run would be notified if he were away; with a socket connected
    // it is not.
    await call("POST", `/conversations/${thread}/read`, bob.token);
    const online = await connectClient(hub.url, bob.token);
    await until(() => onlineNow(bob.id), true);
    const whileOnline = (await send(ann, bob, "you are online now")).body;
    expect(await notes()).toHaveLength(2);
    // The last socket gone, the run he has not read (begun while he was online) is.
    online.close();
    await until(() => onlineNow(bob.id), false);
    await send(ann, bob, "and gone again");
    const after = await notes();
    expect(after).toHaveLength(3);
    expect(after.filter((n: { is_read: boolean }) => !n.is_read)).toHaveLength(1);
    expect(
      await db.oneFirst(sql.type(z.object({ k: z.string() }))`
        SELECT dedupe_key AS k FROM notifications
         WHERE user_id = ${bob.id} AND notification_type = 'message_received' AND is_read = false`),
    ).toBe(`message_received:${thread}:${whileOnline.id}`);
  });
});

describe("an offline recipient, concurrently", () => {
  it("messages sent at the same moment (REST and socket) still notify once per run", async () => {
    for (let round = 0; round < 5; round++) {
      const ann = await person(orgA);
      const bob = await person(orgA);
      const socket = rawSocket(hub.url, { token: ann.token });
      await connected(socket);
      await send(ann, bob, "first");
      await call("POST", "/messages/read", bob.token, {
        message_ids: (await call("GET", "/conversations", bob.token)).body.data.map(
          (c: { last_message: { id: string } }) => c.last_message.id,
        ),
      });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          i % 2
            ? send(ann, bob, `rest ${i}`).then((r) => r.status === 201)
            : emitAck(socket, "message.send", {
                recipient_id: bob.id,
                content: `socket ${i}`,
              }).then((a) => a.ok === true),
        ),
      );
      expect(results.every(Boolean)).toBe(true);
      const unread = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
        SELECT count(*)::int AS n FROM notifications
         WHERE user_id = ${bob.id} AND notification_type = 'message_received' AND is_read = false`);
      expect(unread, `round ${round}`).toBe(1);
      socket.close();
    }
  });
});

describe("limits", () => {
  it("caps messages per user per minute across REST and the socket", async () => {
    const limited = await testServer(await testRuntime({ MESSAGES_PER_MINUTE: "3" }), [
      attachRealtime,
    ]);
    const ann = await person(orgA);
    const bob = await person(orgA);
    const post = () =>
      api(limited.url, "POST", "/api/v1/messages", {
        token: ann.token,
        body: { recipient_id: bob.id, content: "hi" },
      });
    const socket = rawSocket(limited.url, { token: ann.token });
    await connected(socket);
    expect((await post()).status).toBe(201);
    expect(
      (await emitAck(socket, "message.send", { recipient_id: bob.id, content: "hi" })).ok,
    ).toBe(true);
    expect((await post()).status).toBe(201);
    const over = await post();
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBeTruthy();
    expect(
      (await emitAck(socket, "message.send", { recipient_id: bob.id, content: "hi" })).error.code,
    ).toBe("rate_limited");
    expect(await messageCount(ann.id)).toBe(3);
    // Per user: Bob, on the same server, is not held back by Ann's limit.
    const bobSends = await api(limited.url, "POST", "/api/v1/messages", {
      token: bob.token,
      body: { recipient_id: ann.id, content: "go ahead" },
    });
    expect(bobSends.status).toBe(201);
  });
});
