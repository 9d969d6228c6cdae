import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { withTenant } from "../server/db/tenant-context.ts";
import { buildOrganization, buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

/**
 * Forums over HTTP against real Postgres under RLS (docs/forums.md): visibility and
 * required_user_type in lists, reads, search and posting; anonymity; Markdown; thread
 * status; answers; votes; moderation; counters under concurrent writers; notifications.
 */
const server = await testServer();
const db = server.runtime.serviceDb;
const call = (method: string, path: string, token: string, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });

type Person = { id: string; token: string; orgId: string | null };
async function person(
  orgId: string | null,
  role: "owner" | "user" | "technician",
  userType = "standard",
): Promise<Person> {
  const user = await buildUser(db, { organizationId: orgId, role, userType });
  return { id: user.id, orgId, token: (await sessionFor(db, user)).token };
}

let ownerA: Person; // owner of A: moderates A's categories
let techA: Person; // a technician of A (user_type technician)
let userB: Person; // a standard user of B
let userB2: Person;
let techB: Person;
let ownerB: Person; // owner of B: moderates B's categories only
let admin: Person; // platform administrator (user_type admin), owner of the platform org

async function ok(res: { status: number; body: any }, status = 201) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}
const category = async (by: Person, body: Record<string, unknown>) =>
  ok(await call("POST", "/forum-categories", by.token, body));
const thread = async (by: Person, categoryId: string, title: string, extra = {}) =>
  ok(
    await call("POST", "/forum-threads", by.token, {
      category_id: categoryId,
      title,
      content: `About ${title}`,
      ...extra,
    }),
  );
const reply = async (by: Person, threadId: string, content: string, extra = {}) =>
  ok(await call("POST", "/forum-posts", by.token, { thread_id: threadId, content, ...extra }));

beforeAll(async () => {
  const a = await buildOrgWithUser(db, "owner");
  ownerA = { id: a.userId, token: a.token, orgId: a.orgId };
  techA = await person(a.orgId, "technician", "technician");
  const b = await buildOrganization(db);
  userB = await person(b.id, "user");
  userB2 = await person(b.id, "user");
  techB = await person(b.id, "technician", "technician");
  ownerB = await person(b.id, "owner");
  const platform = await buildOrganization(db);
  admin = await person(platform.id, "owner", "admin");
});

describe("visibility and required_user_type", () => {
  it("decide lists, reads, search and posting; platform categories are the platform admins'", async () => {
    const word = `zq${Date.now().toString(36)}`;
    expect(
      (
        await call("POST", "/forum-categories", ownerA.token, {
          name: "Global",
          scope_type: "global",
        })
      ).status,
    ).toBe(403);
    const pub = await category(admin, {
      name: `Public ${word}`,
      scope_type: "trade",
      scope_value: "elevators",
    });
    const pubTech = await category(admin, {
      name: `Pub techs ${word}`,
      scope_type: "trade",
      required_user_type: "technician",
    });
    const authTech = await category(admin, {
      name: `Auth techs ${word}`,
      scope_type: "trade",
      visibility: "authenticated",
      required_user_type: "technician",
    });
    const roleTech = await category(admin, {
      name: `Role techs ${word}`,
      scope_type: "manufacturer",
      scope_value: "KONE",
      visibility: "role_based",
      required_user_type: "technician",
    });
    const orgOnly = await category(ownerA, {
      name: `A only ${word}`,
      scope_type: "organization",
      visibility: "organization",
    });
    expect(orgOnly.organization_id).toBe(ownerA.orgId);
    expect(orgOnly.scope_value).toBe(ownerA.orgId);
    const all = [pub, pubTech, authTech, roleTech, orgOnly];
    const threads = new Map<string, any>();
    for (const c of all) threads.set(c.id, await thread(techA, c.id, `${word} in ${c.name}`));
    for (const c of all) await reply(techA, threads.get(c.id).id, `A reply about ${word}`);

    const seen = async (p: Person) => {
      const list = await call("GET", `/forum-categories?limit=200`, p.token);
      return new Set(list.body.data.map((c: { id: string }) => c.id));
    };
    const expectations: Array<[Person, string[]]> = [
      [userB, [pub.id, pubTech.id]],
      [techB, [pub.id, pubTech.id, authTech.id, roleTech.id]],
      [techA, all.map((c) => c.id)],
    ];
    for (const [p, visible] of expectations) {
      const categories = await seen(p);
      const hits = await call("GET", `/forum-search?q=${word}&types=threads&limit=50`, p.token);
      expect(hits.status, JSON.stringify(hits.body)).toBe(200);
      const found = new Set(hits.body.data.map((h: { category_id: string }) => h.category_id));
      const postHits = await call("GET", `/forum-search?q=${word}&types=posts&limit=50`, p.token);
      expect(postHits.status, JSON.stringify(postHits.body)).toBe(200);
      const foundPosts = new Set(
        postHits.body.data.map((h: { category_id: string }) => h.category_id),
      );
      for (const c of all) {
        const t = threads.get(c.id);
        const shown = visible.includes(c.id);
        expect(categories.has(c.id), `${c.name} listed`).toBe(shown);
        expect(found.has(c.id), `${c.name} searched`).toBe(shown);
        expect(foundPosts.has(c.id), `${c.name} posts searched`).toBe(shown);
        const replies = await call("GET", `/forum-posts?thread_id=${t.id}`, p.token);
        expect(replies.body.data.length > 0, `${c.name} replies listed`).toBe(shown);
        expect((await call("GET", `/forum-threads/${t.id}`, p.token)).status).toBe(
          shown ? 200 : 404,
        );
        const posts = await call("GET", `/forum-threads?category_id=${c.id}`, p.token);
        expect(posts.body.data.length > 0, `${c.name} threads`).toBe(shown);
      }
    }
    // A public category with required_user_type is readable by all, postable by that type.
    expect(
      (
        await call("POST", "/forum-threads", userB.token, {
          category_id: pubTech.id,
          title: "Hi",
          content: "x",
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call("POST", "/forum-posts", userB.token, {
          thread_id: threads.get(pubTech.id).id,
          content: "x",
        })
      ).status,
    ).toBe(403);
    await reply(techB, threads.get(pubTech.id).id, "a technician may");
    // A retired category is gone for its members, still there for its moderators.
    await ok(
      await call("PATCH", `/forum-categories/${orgOnly.id}`, ownerA.token, { is_active: false }),
      200,
    );
    expect((await call("GET", `/forum-categories/${orgOnly.id}`, techA.token)).status).toBe(404);
    expect((await call("GET", `/forum-categories/${orgOnly.id}`, ownerA.token)).status).toBe(200);
  });

  it("keeps the hierarchy within one owner and free of loops", async () => {
    const parent = await category(ownerA, { name: "Parent", scope_type: "organization" });
    const child = await category(ownerA, {
      name: "Child",
      scope_type: "portfolio",
      scope_value: "North",
      parent_id: parent.id,
    });
    expect(child.parent_id).toBe(parent.id);
    expect(
      (await call("PATCH", `/forum-categories/${parent.id}`, ownerA.token, { parent_id: child.id }))
        .status,
    ).toBe(422);
    const platform = await category(admin, { name: "Platform root", scope_type: "global" });
    expect(
      (
        await call("POST", "/forum-categories", ownerA.token, {
          name: "Stray",
          scope_type: "organization",
          parent_id: platform.id,
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call("POST", "/forum-categories", admin.token, {
          name: "Bad",
          scope_type: "global",
          visibility: "organization",
        })
      ).status,
    ).toBe(422);
  });
});

describe("threads and posts", () => {
  let open: any;
  beforeAll(async () => {
    open = await category(ownerA, {
      name: "Open floor",
      scope_type: "organization",
      visibility: "authenticated",
      allow_anonymous: true,
    });
  });

  it("hides an anonymous author from everyone but the author and the moderators", async () => {
    const t = await thread(techA, open.id, "Embarrassing question", { is_anonymous: true });
    const p = await reply(userB, t.id, "Anonymous answer", { is_anonymous: true });
    for (const [who, sees] of [
      [userB2, false],
      [techA, true],
      [ownerA, true],
    ] as const) {
      const got = (await call("GET", `/forum-threads/${t.id}`, who.token)).body;
      expect(got.author_id).toBe(sees ? techA.id : null);
      expect(got.author_organization_id).toBe(sees ? techA.orgId : null);
      // The thread's public last_reply_by never names an anonymous replier.
      expect(got.last_reply_by).toBeNull();
      const posts = (await call("GET", `/forum-posts?thread_id=${t.id}`, who.token)).body.data;
      expect(posts[0].author_id).toBe(who === ownerA ? userB.id : null);
    }
    expect(
      JSON.stringify(
        (await call("GET", `/forum-threads?category_id=${open.id}&limit=200`, userB2.token)).body,
      ),
    ).not.toContain(techA.id);
    expect(p.author_id).toBe(userB.id); // the author's own answer shows them
    const closed = await category(ownerA, {
      name: "Named only",
      scope_type: "organization",
      visibility: "authenticated",
    });
    expect(
      (
        await call("POST", "/forum-threads", techA.token, {
          category_id: closed.id,
          title: "x",
          content: "y",
          is_anonymous: true,
        })
      ).status,
    ).toBe(422);
  });

  it("renders Markdown to sanitised HTML, on create and on edit", async () => {
    const t = await thread(techA, open.id, "Markdown", {
      content: "**Bold** <script>alert(1)</script> [x](javascript:alert(1))",
    });
    expect(t.content_html).toContain("<strong>Bold</strong>");
    expect(t.content_html).not.toMatch(/<script|href="javascript:/i);
    expect(t.slug).toBe("markdown");
    const again = await thread(techA, open.id, "Markdown");
    expect(again.slug).toMatch(/^markdown-[0-9a-f]{8}$/);
    const p = await reply(userB, t.id, "first");
    const edited = await ok(
      await call("PATCH", `/forum-posts/${p.id}`, userB.token, {
        content: "<img src=x onerror=alert(1)> *ok*",
      }),
      200,
    );
    expect(edited.content_html).toBe("<p>&lt;img src=x onerror=alert(1)&gt; <em>ok</em></p>");
    // Only the author edits.
    expect(
      (await call("PATCH", `/forum-posts/${p.id}`, techA.token, { content: "hijack" })).status,
    ).toBe(403);
    expect(
      (await call("PATCH", `/forum-threads/${t.id}`, userB.token, { title: "hijack" })).status,
    ).toBe(404);
  });

  it("links equipment, fault codes and tags, filterable; a deleted thread takes its replies with it", async () => {
    const linked = await thread(techA, open.id, "Door fault E17", {
      equipment_manufacturer: "KONE",
      equipment_model: "MonoSpace 500",
      fault_code: "E17",
      tags: ["doors", "kone-monospace"],
    });
    await thread(techA, open.id, "Unlinked");
    for (const q of [
      "tag=doors",
      "fault_code=E17",
      "equipment_manufacturer=KONE&equipment_model=MonoSpace%20500",
    ]) {
      const got = await call("GET", `/forum-threads?category_id=${open.id}&${q}`, userB.token);
      expect(
        got.body.data.map((t: { id: string }) => t.id),
        q,
      ).toEqual([linked.id]);
    }
    expect(
      (
        await call("POST", "/forum-threads", techA.token, {
          category_id: open.id,
          title: "Bad tag",
          content: "x",
          tags: ["Not A Tag!"],
        })
      ).status,
    ).toBe(400);
    const r = await reply(userB, linked.id, "the door operator");
    expect((await call("DELETE", `/forum-threads/${linked.id}`, userB.token)).status).toBe(404);
    expect((await call("DELETE", `/forum-threads/${linked.id}`, techA.token)).status).toBe(204);
    expect((await call("GET", `/forum-threads/${linked.id}`, userB.token)).status).toBe(404);
    expect((await call("GET", `/forum-posts/${r.id}`, userB.token)).status).toBe(404);
    expect((await call("GET", `/forum-posts/${r.id}`, userB2.token)).status).toBe(404);
  });

  it("nests replies within one thread only", async () => {
    const t1 = await thread(techA, open.id, "Nest one");
    const t2 = await thread(techA, open.id, "Nest two");
    const root = await reply(userB, t1.id, "root");
    const child = await reply(userB2, t1.id, "child", { parent_post_id: root.id });
    expect(child.parent_post_id).toBe(root.id);
    expect(
      (
        await call("POST", "/forum-posts", userB.token, {
          thread_id: t2.id,
          content: "x",
          parent_post_id: root.id,
        })
      ).status,
    ).toBe(422);
  });

  it("closed and locked threads take no replies; only moderators lock; locked freezes edits", async () => {
    const t = await thread(techA, open.id, "Status");
    await ok(
      await call("POST", `/forum-threads/${t.id}/status`, techA.token, { status: "closed" }),
      200,
    );
    expect(
      (await call("POST", "/forum-posts", userB.token, { thread_id: t.id, content: "late" }))
        .status,
    ).toBe(409);
    await ok(
      await call("POST", `/forum-threads/${t.id}/status`, techA.token, { status: "open" }),
      200,
    );
    expect(
      (await call("POST", `/forum-threads/${t.id}/status`, techA.token, { status: "locked" }))
        .status,
    ).toBe(403);
    expect(
      (await call("POST", `/forum-threads/${t.id}/status`, userB.token, { status: "closed" }))
        .status,
    ).toBe(403);
    await ok(
      await call("POST", `/forum-threads/${t.id}/status`, ownerA.token, { status: "locked" }),
      200,
    );
    expect(
      (await call("POST", "/forum-posts", userB.token, { thread_id: t.id, content: "locked" }))
        .status,
    ).toBe(409);
    expect(
      (await call("PATCH", `/forum-threads/${t.id}`, techA.token, { title: "new" })).status,
    ).toBe(409);
    expect(
      (await call("POST", `/forum-threads/${t.id}/status`, techA.token, { status: "open" })).status,
    ).toBe(403);
    const flagged = await ok(
      await call("POST", `/forum-threads/${t.id}/flags`, ownerA.token, {
        is_pinned: true,
        is_featured: true,
      }),
      200,
    );
    expect(flagged).toMatchObject({ is_pinned: true, is_featured: true, status: "locked" });
    expect(
      (await call("POST", `/forum-threads/${t.id}/flags`, techA.token, { is_pinned: false }))
        .status,
    ).toBe(403);
    const pinned = await call(
      "GET",
      `/forum-threads?category_id=${open.id}&is_pinned=true`,
      userB.token,
    );
    expect(pinned.body.data.map((r: { id: string }) => r.id)).toEqual([t.id]);
  });

  it("accepts an answer by the thread's author or a moderator, notifies its author, and reopens when it goes", async () => {
    const t = await thread(techA, open.id, "Which relay?");
    await ok(await call("POST", "/forum-subscriptions", userB2.token, { thread_id: t.id }));
    const first = await reply(userB, t.id, "K1");
    const second = await reply(userB2, t.id, "K2");
    expect((await call("POST", `/forum-posts/${first.id}/accept`, userB.token)).status).toBe(403);
    // An owner moderates their own organisation's categories, not this one.
    expect((await call("POST", `/forum-posts/${first.id}/accept`, ownerB.token)).status).toBe(403);
    expect((await call("DELETE", `/forum-posts/${first.id}/accept`, ownerB.token)).status).toBe(
      403,
    );
    expect((await call("GET", `/forum-posts/${first.id}`, userB.token)).body.is_answer).toBe(false);
    const accepted = await ok(
      await call("POST", `/forum-posts/${first.id}/accept`, techA.token),
      200,
    );
    expect(accepted.is_answer).toBe(true);
    expect((await call("GET", `/forum-threads/${t.id}`, userB.token)).body.status).toBe("answered");
    await ok(await call("POST", `/forum-posts/${second.id}/accept`, ownerA.token), 200);
    const posts = (await call("GET", `/forum-posts?thread_id=${t.id}&sort=created_at`, userB.token))
      .body.data;
    expect(posts.map((p: { is_answer: boolean }) => p.is_answer)).toEqual([false, true]);
    // userB2 deletes their accepted answer: the thread is open again.
    expect((await call("DELETE", `/forum-posts/${second.id}`, userB2.token)).status).toBe(204);
    expect((await call("GET", `/forum-threads/${t.id}`, userB.token)).body.status).toBe("open");
    const notes = await db.any(sql.type(
      z.object({ user_id: z.string(), type: z.string(), link_id: z.string().nullable() }),
    )`
      SELECT user_id, notification_type AS type, link_id FROM notifications
       WHERE link_id IN (${first.id}, ${second.id}) ORDER BY type, user_id`);
    const have = (userId: string, type: string, linkId: string) =>
      notes.some((n) => n.user_id === userId && n.type === type && n.link_id === linkId);
    expect(have(userB.id, "forum_answer_accepted", first.id)).toBe(true);
    expect(have(userB2.id, "forum_answer_accepted", second.id)).toBe(true);
    // Replies notify the thread's author and its subscribers, never the reply's author.
    expect(have(techA.id, "forum_reply", first.id)).toBe(true);
    expect(have(userB2.id, "forum_reply", first.id)).toBe(true);
    expect(have(userB.id, "forum_reply", first.id)).toBe(false);
    expect(have(userB2.id, "forum_reply", second.id)).toBe(false);
  });

  it("counts one vote per user, refuses one's own, and counts views once per user", async () => {
    const t = await thread(techA, open.id, "Votes");
    const p = await reply(userB, t.id, "vote me");
    expect((await call("PUT", `/forum-posts/${p.id}/vote`, userB.token)).status).toBe(403);
    for (const voter of [techA, techA, userB2])
      await ok(await call("PUT", `/forum-posts/${p.id}/vote`, voter.token), 200);
    expect((await call("GET", `/forum-posts/${p.id}`, userB.token)).body.upvote_count).toBe(2);
    const withdrawn = await ok(await call("DELETE", `/forum-posts/${p.id}/vote`, techA.token), 200);
    expect(withdrawn).toEqual({ id: p.id, upvote_count: 1, voted: false });
    expect(
      (await ok(await call("PUT", `/forum-threads/${t.id}/vote`, userB.token), 200)).upvote_count,
    ).toBe(1);
    const views = [];
    for (const viewer of [userB, userB, userB2])
      views.push(
        (await ok(await call("POST", `/forum-threads/${t.id}/view`, viewer.token), 200)).counted,
      );
    expect(views).toEqual([true, false, true]);
    expect((await call("GET", `/forum-threads/${t.id}`, userB.token)).body.view_count).toBe(2);
  });
});

describe("moderation", () => {
  it("holds posts in a moderated category: invisible, uncounted and unsearchable until approved", async () => {
    const word = `held${Date.now().toString(36)}`;
    const c = await category(ownerA, {
      name: "Moderated",
      scope_type: "organization",
      visibility: "authenticated",
      requires_moderation: true,
    });
    const t = await thread(ownerA, c.id, "Moderated thread"); // a moderator's own is not held
    expect(t.is_approved).toBe(true);
    const held = await reply(userB, t.id, `spam or not ${word}`);
    expect(held.is_approved).toBe(false);
    const heldThread = await thread(userB, c.id, `A held thread ${word}`);
    expect(heldThread.is_approved).toBe(false);
    for (const other of [userB2, techA]) {
      expect((await call("GET", `/forum-posts/${held.id}`, other.token)).status).toBe(404);
      expect((await call("GET", `/forum-threads/${heldThread.id}`, other.token)).status).toBe(404);
      expect((await call("GET", `/forum-posts?thread_id=${t.id}`, other.token)).body.data).toEqual(
        [],
      );
      expect((await call("GET", `/forum-search?q=${word}`, other.token)).body.data).toEqual([]);
      expect((await call("PUT", `/forum-posts/${held.id}/vote`, other.token)).status).toBe(404);
    }
    expect((await call("GET", `/forum-posts/${held.id}`, userB.token)).status).toBe(200);
    expect((await call("GET", `/forum-threads/${t.id}`, userB2.token)).body.reply_count).toBe(0);
    expect((await call("GET", `/forum-categories/${c.id}`, userB2.token)).body).toMatchObject({
      thread_count: 1,
      post_count: 0,
    });
    // The moderators' queue, and only moderators approve.
    expect((await call("GET", "/forum-moderation-queue", userB.token)).status).toBe(403);
    const queue = (await call("GET", "/forum-moderation-queue", ownerA.token)).body.data;
    expect(queue.map((q: { id: string }) => q.id).sort()).toEqual([held.id, heldThread.id].sort());
    expect((await call("POST", `/forum-posts/${held.id}/approve`, userB.token)).status).toBe(403);
    const approved = await ok(
      await call("POST", `/forum-posts/${held.id}/approve`, ownerA.token),
      200,
    );
    expect(approved).toMatchObject({ is_approved: true, moderated_by: ownerA.id });
    await ok(await call("POST", `/forum-threads/${heldThread.id}/approve`, ownerA.token), 200);
    expect((await call("GET", `/forum-posts/${held.id}`, userB2.token)).status).toBe(200);
    expect((await call("GET", `/forum-threads/${t.id}`, userB2.token)).body.reply_count).toBe(1);
    expect((await call("GET", `/forum-categories/${c.id}`, userB2.token)).body).toMatchObject({
      thread_count: 2,
      post_count: 1,
    });
    expect((await call("GET", `/forum-search?q=${word}`, userB2.token)).body.data).toHaveLength(2);
    expect((await call("GET", "/forum-moderation-queue", ownerA.token)).body.data).toEqual([]);
    // Moderators delete others' posts; others may not.
    expect((await call("DELETE", `/forum-posts/${held.id}`, techA.token)).status).toBe(404);
    expect((await call("DELETE", `/forum-posts/${held.id}`, ownerA.token)).status).toBe(204);
  });

  it("the database itself refuses a non-moderator's approval (guard trigger)", async () => {
    const c = await category(ownerA, {
      name: "Guarded",
      scope_type: "organization",
      visibility: "authenticated",
      requires_moderation: true,
    });
    const t = await thread(ownerA, c.id, "Guarded thread");
    const held = await reply(userB, t.id, "let me in");
    // As the app role under userB's context, past the API: the guard trigger refuses.
    const attempt = withTenant(
      server.runtime.db,
      { organizationId: userB.orgId, userId: userB.id },
      (tx) => tx.query(sql.unsafe`UPDATE forum_posts SET is_approved = true WHERE id = ${held.id}`),
    );
    await expect(attempt).rejects.toThrow(/moderators/);
  });
});

describe("subscriptions", () => {
  it("a category's subscribers hear of its new threads once approved, if they may still see it", async () => {
    const c = await category(ownerA, {
      name: "Subscribed",
      scope_type: "organization",
      visibility: "authenticated",
      requires_moderation: true,
    });
    for (const who of [techB, userB2, techA])
      await ok(await call("POST", "/forum-subscriptions", who.token, { category_id: c.id }));
    expect(
      (await call("POST", "/forum-subscriptions", techB.token, { category_id: c.id })).status,
    ).toBe(409);
    // Narrowed after they subscribed: userB2 (a standard user) no longer sees it.
    await ok(
      await call("PATCH", `/forum-categories/${c.id}`, ownerA.token, {
        required_user_type: "technician",
      }),
      200,
    );
    const t = await thread(techA, c.id, "Subscribers, look");
    expect(t.is_approved).toBe(false);
    const notesOf = () =>
      db.anyFirst(sql.type(z.object({ user_id: z.string() }))`
        SELECT user_id FROM notifications
         WHERE notification_type = 'forum_new_thread' AND link_id = ${t.id}`);
    expect(await notesOf()).toEqual([]); // held: nobody hears of it
    await ok(await call("POST", `/forum-threads/${t.id}/approve`, ownerA.token), 200);
    // techB only: userB2 cannot see the category now, techA wrote the thread.
    expect(await notesOf()).toEqual([techB.id]);
    // Approving again changes nothing and notifies nobody twice.
    await call("POST", `/forum-threads/${t.id}/approve`, ownerA.token);
    expect(await notesOf()).toEqual([techB.id]);
    // techB's subscriptions list is their own.
    const mine = (await call("GET", "/forum-subscriptions", techB.token)).body.data;
    expect(mine.map((s: { category_id: string }) => s.category_id)).toContain(c.id);
    expect(
      (await call("GET", "/forum-subscriptions", userB.token)).body.data.map(
        (s: { user_id: string }) => s.user_id,
      ),
    ).not.toContain(techB.id);
  });
});

describe("counters under concurrent writers", () => {
  it("reply_count, last_reply_at, upvote_count and the category's counts stay exact", async () => {
    const c = await category(ownerA, {
      name: "Busy",
      scope_type: "organization",
      visibility: "authenticated",
    });
    const t = await thread(techA, c.id, "Hot thread");
    const writers = [userB, userB2, techB, ownerA];
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => reply(writers[i % writers.length]!, t.id, `reply ${i}`)),
    );
    // Deletes, votes and more replies at the same time.
    await Promise.all([
      ...created
        .slice(0, 8)
        .map((p, i) => call("DELETE", `/forum-posts/${p.id}`, writers[i % writers.length]!.token)),
      ...created
        .slice(10, 30)
        .flatMap((p) =>
          [techA, userB2]
            .filter((v) => v.id !== p.author_id)
            .map((v) => call("PUT", `/forum-posts/${p.id}/vote`, v.token)),
        ),
      ...writers.map((w) => call("PUT", `/forum-threads/${t.id}/vote`, w.token)),
      ...Array.from({ length: 10 }, (_, i) =>
        call("POST", "/forum-posts", writers[i % writers.length]!.token, {
          thread_id: t.id,
          content: `late ${i}`,
        }),
      ),
    ]);
    const truth = await db.one(sql.type(
      z.object({
        n: z.number(),
        last: z.string().nullable(),
        votes: z.number(),
        post_votes_ok: z.boolean(),
      }),
    )`
      SELECT (SELECT count(*)::int FROM forum_posts WHERE thread_id = ${t.id} AND deleted_at IS NULL) AS n,
             (SELECT max(created_at)::text FROM forum_posts WHERE thread_id = ${t.id} AND deleted_at IS NULL) AS last,
             (SELECT count(*)::int FROM forum_thread_votes WHERE thread_id = ${t.id}) AS votes,
             (SELECT bool_and(p.upvote_count = (SELECT count(*) FROM forum_post_votes v WHERE v.post_id = p.id))
                FROM forum_posts p WHERE p.thread_id = ${t.id}) AS post_votes_ok`);
    const row = await db.one(sql.type(
      z.object({
        reply_count: z.number(),
        last_reply_at: z.string().nullable(),
        upvote_count: z.number(),
      }),
    )`
      SELECT reply_count, last_reply_at::text, upvote_count FROM forum_threads WHERE id = ${t.id}`);
    expect(truth.n).toBe(42);
    expect(row).toEqual({
      reply_count: truth.n,
      last_reply_at: truth.last,
      upvote_count: truth.votes,
    });
    expect(truth.votes).toBe(4);
    expect(truth.post_votes_ok).toBe(true);
    const cat = (await call("GET", `/forum-categories/${c.id}`, userB.token)).body;
    expect(cat).toMatchObject({ thread_count: 1, post_count: 42 });
  }, 60_000);
});
