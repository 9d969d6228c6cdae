import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { topicName } from "../shared/realtime/topics.ts";
import { buildOrganization, buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { connectClient, startHub, waitFor } from "./helpers/realtime.ts";
import { api } from "./helpers/runtime.ts";

/**
 * Live forum threads over real sockets (docs/forums.md#live-events): a reply in a moderated
 * category is not streamed while held and appears live once approved; admission to forum
 * topics follows the category's visibility; anonymous authors stay off the wire.
 */
const hub = await startHub();
const db = hub.runtime.serviceDb;
const call = (method: string, path: string, token: string, body?: unknown) =>
  api(hub.url, method, `/api/v1${path}`, { token, body });

let moderator: { token: string; userId: string };
let author: { token: string; id: string };
let watcher: { token: string; id: string };
let tech: { token: string; id: string };
let colleague: { token: string; id: string }; // a member of the moderator's organisation

async function member(orgId: string, role: "user" | "technician", userType = "standard") {
  const user = await buildUser(db, { organizationId: orgId, role, userType });
  return { id: user.id, token: (await sessionFor(db, user)).token };
}

beforeAll(async () => {
  const a = await buildOrgWithUser(db, "owner");
  moderator = { token: a.token, userId: a.userId };
  const b = await buildOrganization(db);
  author = await member(b.id, "user");
  watcher = await member(b.id, "user");
  tech = await member(b.id, "technician", "technician");
  colleague = await member(a.orgId, "user");
});

async function created(res: { status: number; body: any }) {
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body;
}

describe("live forum threads", () => {
  it("a reply on a moderated category stays invisible until it is approved, and then appears live", async () => {
    const category = await created(
      await call("POST", "/forum-categories", moderator.token, {
        name: "Moderated live",
        scope_type: "organization",
        visibility: "authenticated",
        requires_moderation: true,
      }),
    );
    const thread = await created(
      await call("POST", "/forum-threads", moderator.token, {
        category_id: category.id,
        title: "Live moderated",
        content: "Go",
      }),
    );
    const topic = topicName("forum_thread", thread.id);
    const others = await connectClient(hub.url, watcher.token);
    const mod = await connectClient(hub.url, moderator.token);
    const own = await connectClient(hub.url, author.token);
    for (const c of [others, mod, own]) expect((await c.subscribe(topic)).ok).toBe(true);

    const held = await created(
      await call("POST", "/forum-posts", author.token, { thread_id: thread.id, content: "held" }),
    );
    expect(held.is_approved).toBe(false);
    // A visible reply written after it arrives; the held one never did, nor its edit.
    await created(
      await call("PATCH", `/forum-posts/${held.id}`, author.token, { content: "held, edited" }),
    );
    const marker = await created(
      await call("POST", "/forum-posts", moderator.token, {
        thread_id: thread.id,
        content: "marker",
      }),
    );
    for (const c of [others, mod, own]) {
      await waitFor(() => c.events.some((e) => e.entity.id === marker.id), 5_000, "marker");
      expect(c.events.some((e) => e.entity.id === held.id)).toBe(false);
    }
    // Nothing of it is in the outbox either: a replay cannot leak it.
    const outbox = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM realtime_events WHERE entity_id = ${held.id}`);
    expect(outbox).toBe(0);
    // Nor over REST: the watcher reads the thread without it.
    expect((await call("GET", `/forum-posts/${held.id}`, watcher.token)).status).toBe(404);
    const page = await call("GET", `/forum-posts?thread_id=${thread.id}`, watcher.token);
    expect(page.body.data.map((p: { id: string }) => p.id)).toEqual([marker.id]);

    await created(await call("POST", `/forum-posts/${held.id}/approve`, moderator.token));
    for (const c of [others, mod, own]) {
      await waitFor(() => c.events.some((e) => e.entity.id === held.id), 5_000, "approved post");
      const event = c.events.find((e) => e.entity.id === held.id)!;
      expect(event.type).toBe("forum_post.created");
      expect(event.topic).toBe(topic);
      expect(event.data).toMatchObject({ id: held.id, content: "held, edited", is_approved: true });
    }
    expect((await call("GET", `/forum-posts/${held.id}`, watcher.token)).status).toBe(200);
    // The thread's counters moved with the approval, live.
    await waitFor(
      () =>
        others.events.some((e) => e.type === "forum_thread.updated" && e.data.reply_count === 2),
      5_000,
      "reply_count 2",
    );
  });

  it("admits forum topics by the category's visibility, required_user_type and moderation", async () => {
    const forTechs = await created(
      await call("POST", "/forum-categories", moderator.token, {
        name: "Techs only",
        scope_type: "organization",
        visibility: "role_based",
        required_user_type: "technician",
      }),
    );
    const moderated = await created(
      await call("POST", "/forum-categories", moderator.token, {
        name: "Moderated topics",
        scope_type: "organization",
        visibility: "authenticated",
        requires_moderation: true,
      }),
    );
    const heldThread = await created(
      await call("POST", "/forum-threads", author.token, {
        category_id: moderated.id,
        title: "Held",
        content: "x",
      }),
    );
    const plain = await connectClient(hub.url, watcher.token);
    const techie = await connectClient(hub.url, tech.token);
    const own = await connectClient(hub.url, author.token);
    const techTopic = topicName("forum_category", forTechs.id);
    const heldTopic = topicName("forum_thread", heldThread.id);
    expect(await plain.subscribe(techTopic)).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect((await techie.subscribe(techTopic)).ok).toBe(true);
    expect(await plain.subscribe(heldTopic)).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect((await own.subscribe(heldTopic)).ok).toBe(true);
  });

  it("streams an anonymous reply without its author", async () => {
    const category = await created(
      await call("POST", "/forum-categories", moderator.token, {
        name: "Anonymous live",
        scope_type: "organization",
        visibility: "authenticated",
        allow_anonymous: true,
      }),
    );
    const thread = await created(
      await call("POST", "/forum-threads", moderator.token, {
        category_id: category.id,
        title: "Anon",
        content: "x",
      }),
    );
    const client = await connectClient(hub.url, watcher.token);
    expect((await client.subscribe(topicName("forum_thread", thread.id))).ok).toBe(true);
    const post = await created(
      await call("POST", "/forum-posts", author.token, {
        thread_id: thread.id,
        content: "secret",
        is_anonymous: true,
      }),
    );
    await waitFor(
      () => client.events.some((e) => e.entity.id === post.id),
      5_000,
      "anonymous post",
    );
    const wire = JSON.stringify(client.events);
    expect(wire).not.toContain(author.id);
  });

  it("admits forum topics by organisation visibility, public reads and retirement", async () => {
    const orgOnly = await created(
      await call("POST", "/forum-categories", moderator.token, {
        name: "Org only live",
        scope_type: "organization",
        visibility: "organization",
      }),
    );
    const orgThread = await created(
      await call("POST", "/forum-threads", colleague.token, {
        category_id: orgOnly.id,
        title: "Inside",
        content: "x",
      }),
    );
    const authTechs = await created(
      await call("POST", "/forum-categories", moderator.token, {
        name: "Signed-in techs live",
        scope_type: "organization",
        visibility: "authenticated",
        required_user_type: "technician",
      }),
    );
    const outsider = await connectClient(hub.url, watcher.token);
    const insider = await connectClient(hub.url, colleague.token);
    const techie = await connectClient(hub.url, tech.token);
    for (const topic of [
      topicName("forum_category", orgOnly.id),
      topicName("forum_thread", orgThread.id),
    ]) {
      // Another organisation's member: not found, as if it did not exist.
      expect(await outsider.subscribe(topic)).toMatchObject({
        ok: false,
        error: { code: "not_found" },
      });
      expect((await insider.subscribe(topic)).ok).toBe(true);
    }
    const authTopic = topicName("forum_category", authTechs.id);
    expect((await outsider.subscribe(authTopic)).ok).toBe(false); // a standard user
    expect((await insider.subscribe(authTopic)).ok).toBe(false); // the org's, but not a tech
    expect((await techie.subscribe(authTopic)).ok).toBe(true); // another org's technician
    // A retired category is its moderators' only, from the next subscription on.
    await created(
      await call("PATCH", `/forum-categories/${orgOnly.id}`, moderator.token, { is_active: false }),
    );
    const later = await connectClient(hub.url, colleague.token);
    expect((await later.subscribe(topicName("forum_category", orgOnly.id))).ok).toBe(false);
    const mod = await connectClient(hub.url, moderator.token);
    expect((await mod.subscribe(topicName("forum_category", orgOnly.id))).ok).toBe(true);
  });

  it("streams new threads on forum_category, held ones only once approved; edits, status and deletes on forum_thread", async () => {
    const moderated = await created(
      await call("POST", "/forum-categories", moderator.token, {
        name: "Category stream",
        scope_type: "organization",
        visibility: "authenticated",
        requires_moderation: true,
      }),
    );
    const categoryTopic = topicName("forum_category", moderated.id);
    const board = await connectClient(hub.url, watcher.token);
    expect((await board.subscribe(categoryTopic)).ok).toBe(true);
    const held = await created(
      await call("POST", "/forum-threads", author.token, {
        category_id: moderated.id,
        title: "Held thread",
        content: "x",
      }),
    );
    const open = await created(
      await call("POST", "/forum-threads", moderator.token, {
        category_id: moderated.id,
        title: "Moderator's thread",
        content: "x",
      }),
    );
    await waitFor(() => board.events.some((e) => e.entity.id === open.id), 5_000, "new thread");
    const first = board.events.find((e) => e.entity.id === open.id)!;
    expect(first).toMatchObject({ type: "forum_thread.created", topic: categoryTopic });
    expect(board.events.some((e) => e.entity.id === held.id)).toBe(false);
    await created(await call("POST", `/forum-threads/${held.id}/approve`, moderator.token));
    await waitFor(() => board.events.some((e) => e.entity.id === held.id), 5_000, "approved");
    expect(board.events.find((e) => e.entity.id === held.id)).toMatchObject({
      type: "forum_thread.created",
      data: { title: "Held thread", is_approved: true },
    });

    // On the thread's own topic: a post's edit and deletion, the thread's status.
    const threadTopic = topicName("forum_thread", open.id);
    const reader = await connectClient(hub.url, watcher.token);
    expect((await reader.subscribe(threadTopic)).ok).toBe(true);
    const post = await created(
      await call("POST", "/forum-posts", moderator.token, { thread_id: open.id, content: "v1" }),
    );
    await created(
      await call("PATCH", `/forum-posts/${post.id}`, moderator.token, { content: "v2" }),
    );
    expect((await call("DELETE", `/forum-posts/${post.id}`, moderator.token)).status).toBe(204);
    await created(
      await call("POST", `/forum-threads/${open.id}/status`, moderator.token, { status: "locked" }),
    );
    const seen = (type: string, pred: (e: (typeof reader.events)[number]) => boolean) =>
      waitFor(() => reader.events.some((e) => e.type === type && pred(e)), 5_000, type);
    await seen("forum_post.created", (e) => e.entity.id === post.id);
    await seen(
      "forum_post.updated",
      (e) => e.entity.id === post.id && "content" in e.data && e.data.content === "v2",
    );
    await seen("forum_post.deleted", (e) => e.entity.id === post.id);
    await seen(
      "forum_thread.updated",
      (e) => e.entity.id === open.id && "status" in e.data && e.data.status === "locked",
    );
    expect(reader.events.every((e) => e.topic === threadTopic)).toBe(true);
  });
});
