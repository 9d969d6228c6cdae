import { randomUUID } from "node:crypto";
import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Tx, withTenant } from "../server/db/tenant-context.ts";
import { buildOrganization, buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

/**
 * Forum counters and the locked-thread rule under truly parallel transactions, as the app
 * role under RLS (docs/forums.md#counters): each round opens several transactions of
 * different users at once, lets every one of them start before any writes (a barrier),
 * then writes and holds its transaction open a moment before committing, so the counter
 * triggers of one run while others' rows are uncommitted. The truth is recounted from the
 * rows afterwards.
 */
const server = await testServer();
const db = server.runtime.serviceDb;
const call = (method: string, path: string, token: string, body?: unknown) =>
  api(server.url, method, `/api/v1${path}`, { token, body });

type Person = { id: string; token: string; orgId: string };
let moderator: Person; // owner of A: moderates A's categories
let people: Person[]; // members of B and A who post

async function person(orgId: string, role: "user" | "technician"): Promise<Person> {
  const user = await buildUser(db, { organizationId: orgId, role });
  return { id: user.id, orgId, token: (await sessionFor(db, user)).token };
}

beforeAll(async () => {
  const a = await buildOrgWithUser(db, "owner");
  moderator = { id: a.userId, token: a.token, orgId: a.orgId };
  const b = await buildOrganization(db);
  people = [
    await person(a.orgId, "technician"),
    await person(a.orgId, "user"),
    await person(b.id, "user"),
    await person(b.id, "user"),
    await person(b.id, "technician"),
    await person(b.id, "user"),
  ];
});

async function created(res: { status: number; body: any }) {
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const newCategory = (body: Record<string, unknown>) =>
  call("POST", "/forum-categories", moderator.token, {
    scope_type: "organization",
    visibility: "authenticated",
    allow_anonymous: true,
    ...body,
  }).then(created);
const newThread = (by: Person, categoryId: string, title: string) =>
  call("POST", "/forum-threads", by.token, {
    category_id: categoryId,
    title,
    content: title,
  }).then(created);
const newReply = (by: Person, threadId: string, content: string) =>
  call("POST", "/forum-posts", by.token, { thread_id: threadId, content }).then(created);

type Write = [Person, (tx: Tx) => Promise<unknown>];

/**
 * Runs the writes in parallel transactions (one each), all begun before any writes; their
 * outcomes in order. At most the pool's size (10) at once, or the barrier never opens.
 */
async function parallel(writes: Write[]) {
  let arrived = 0;
  let release!: () => void;
  const barrier = new Promise<void>((resolve) => {
    release = resolve;
  });
  return Promise.allSettled(
    writes.map(([who, write], i) =>
      withTenant(server.runtime.db, { organizationId: who.orgId, userId: who.id }, async (tx) => {
        await tx.query(sql.unsafe`SELECT 1`);
        if (++arrived === writes.length) release();
        await barrier;
        await write(tx);
        // Hold the transaction (and its locks) a moment: the others queue behind it.
        await new Promise((r) => setTimeout(r, 5 + ((i * 7) % 20)));
      }),
    ),
  );
}

const insertReply = (tx: Tx, by: Person, threadId: string, anonymous = false) =>
  tx.query(sql.unsafe`
    INSERT INTO forum_posts (thread_id, author_id, is_anonymous, content, content_html)
    VALUES (${threadId}, ${by.id}, ${anonymous}, 'parallel', '<p>parallel</p>')`);
const insertThread = (tx: Tx, by: Person, categoryId: string) =>
  tx.query(sql.unsafe`
    INSERT INTO forum_threads (category_id, author_id, author_organization_id, title, slug,
                               content, content_html)
    VALUES (${categoryId}, ${by.id}, ${by.orgId}, 'parallel', ${`parallel-${randomUUID()}`},
            'x', '<p>x</p>')`);
const softDelete = (tx: Tx, table: "forum_posts" | "forum_threads", id: string) =>
  tx.query(sql.unsafe`UPDATE ${sql.identifier([table])} SET deleted_at = now() WHERE id = ${id}`);
const approve = (tx: Tx, postId: string) =>
  tx.query(sql.unsafe`
    UPDATE forum_posts SET is_approved = true, moderated_at = now(),
           moderated_by = app_current_user() WHERE id = ${postId}`);
const vote = (tx: Tx, by: Person, threadId: string) =>
  tx.query(
    sql.unsafe`INSERT INTO forum_thread_votes (thread_id, user_id) VALUES (${threadId}, ${by.id})`,
  );
const unvote = (tx: Tx, by: Person, threadId: string) =>
  tx.query(
    sql.unsafe`DELETE FROM forum_thread_votes WHERE thread_id = ${threadId} AND user_id = ${by.id}`,
  );

const ThreadTruth = z.object({
  id: z.string(),
  reply_count: z.number(),
  true_replies: z.number(),
  last_reply_at: z.string().nullable(),
  true_last_at: z.string().nullable(),
  last_reply_by: z.string().nullable(),
  true_last_by: z.string().nullable(),
  upvote_count: z.number(),
  true_votes: z.number(),
});
const CategoryTruth = z.object({
  thread_count: z.number(),
  true_threads: z.number(),
  post_count: z.number(),
  true_posts: z.number(),
});

/** Each thread's and category's counters beside a recount of the rows. */
async function truthOf(categoryIds: string[]) {
  const threads = await db.any(sql.type(ThreadTruth)`
    SELECT t.id, t.reply_count, t.upvote_count,
           t.last_reply_at::text, t.last_reply_by,
           (SELECT count(*)::int FROM forum_posts p WHERE p.thread_id = t.id
               AND p.deleted_at IS NULL AND p.is_approved IS NOT FALSE) AS true_replies,
           (SELECT max(p.created_at)::text FROM forum_posts p WHERE p.thread_id = t.id
               AND p.deleted_at IS NULL AND p.is_approved IS NOT FALSE) AS true_last_at,
           (SELECT CASE WHEN p.is_anonymous THEN NULL ELSE p.author_id END
              FROM forum_posts p WHERE p.thread_id = t.id
               AND p.deleted_at IS NULL AND p.is_approved IS NOT FALSE
             ORDER BY p.created_at DESC, p.id DESC LIMIT 1) AS true_last_by,
           (SELECT count(*)::int FROM forum_thread_votes v WHERE v.thread_id = t.id) AS true_votes
      FROM forum_threads t
     WHERE t.category_id = ANY(${sql.array(categoryIds, "uuid")})
       AND t.deleted_at IS NULL AND t.is_approved IS NOT FALSE`);
  const categories = await db.any(sql.type(CategoryTruth)`
    SELECT c.thread_count, c.post_count,
           (SELECT count(*)::int FROM forum_threads t WHERE t.category_id = c.id
               AND t.deleted_at IS NULL AND t.is_approved IS NOT FALSE) AS true_threads,
           (SELECT count(*)::int FROM forum_posts p JOIN forum_threads t ON t.id = p.thread_id
             WHERE t.category_id = c.id
               AND t.deleted_at IS NULL AND t.is_approved IS NOT FALSE
               AND p.deleted_at IS NULL AND p.is_approved IS NOT FALSE) AS true_posts
      FROM forum_categories c WHERE c.id = ANY(${sql.array(categoryIds, "uuid")})`);
  return { threads, categories };
}

describe("forum counters under parallel transactions", () => {
  it("reply_count, last_reply_at/by, upvote_count, thread_count and post_count stay exact", async () => {
    const open = await newCategory({ name: "Parallel open" });
    const held = await newCategory({ name: "Parallel moderated", requires_moderation: true });
    const [p0, p1, p2, p3, p4, p5] = people as [Person, Person, Person, Person, Person, Person];
    const t1 = await newThread(p0, open.id, "Busy one");
    const t2 = await newThread(p2, open.id, "Busy two");
    const doomed = await newThread(p3, open.id, "Deleted with its replies");
    const tm = await newThread(moderator, held.id, "Moderated busy");
    const early: Array<{ id: string }> = [];
    for (const [i, who] of [p1, p2, p3, p4, p5, p1].entries())
      early.push(await newReply(who, i % 2 ? t1.id : doomed.id, `early ${i}`));
    const waiting: Array<{ id: string; is_approved: boolean }> = [];
    for (const who of [p2, p3, p4, p5]) waiting.push(await newReply(who, tm.id, "held"));
    expect(waiting.every((p) => p.is_approved === false)).toBe(true);

    const fulfilled = (outcomes: PromiseSettledResult<unknown>[], except: number[] = []) =>
      outcomes.forEach((o, i) => {
        if (!except.includes(i)) expect(o, `write ${i}`).toMatchObject({ status: "fulfilled" });
      });
    // Round 1: replies to two threads at once (named and anonymous), new threads, votes.
    const round1 = await parallel([
      [p0, (tx) => insertReply(tx, p0, t2.id)],
      [p1, (tx) => insertReply(tx, p1, t1.id)],
      [p2, (tx) => insertReply(tx, p2, t1.id, true)],
      [p3, (tx) => insertReply(tx, p3, t1.id)],
      [p4, (tx) => insertReply(tx, p4, t2.id)],
      [p5, (tx) => insertThread(tx, p5, open.id)],
      [p4, (tx) => vote(tx, p4, t1.id)],
      [p5, (tx) => vote(tx, p5, t1.id)],
    ]);
    fulfilled(round1);
    // Round 2: deletes (a reply, a whole thread) racing replies to the same threads. The
    // reply to the thread being deleted goes in first or is refused (the thread is gone).
    const round2 = await parallel([
      [p2, (tx) => softDelete(tx, "forum_posts", early[1]!.id)],
      [p3, (tx) => softDelete(tx, "forum_threads", doomed.id)],
      [p4, (tx) => insertReply(tx, p4, doomed.id)],
      [p5, (tx) => insertReply(tx, p5, t1.id)],
      [p1, (tx) => insertReply(tx, p1, t2.id, true)],
      [p0, (tx) => insertThread(tx, p0, open.id)],
      [p2, (tx) => vote(tx, p2, t1.id)],
      [p4, (tx) => unvote(tx, p4, t1.id)],
    ]);
    fulfilled(round2, [2]);
    if (round2[2]!.status === "rejected")
      expect(String(round2[2]!.reason)).toMatch(/takes no replies|row-level security/);
    // Round 3: a moderator approves held replies while more arrive, held and not.
    const round3 = await parallel([
      ...waiting.map((p): Write => [moderator, (tx) => approve(tx, p.id)]),
      [p0, (tx) => insertReply(tx, p0, tm.id)],
      [p1, (tx) => insertReply(tx, p1, tm.id)],
      [moderator, (tx) => insertReply(tx, moderator, tm.id)],
      [p3, (tx) => insertReply(tx, p3, t1.id)],
    ]);
    fulfilled(round3);

    const { threads, categories } = await truthOf([open.id, held.id]);
    expect(threads.length).toBe(5); // t1, t2, two new threads, tm (doomed is gone)
    for (const t of threads) {
      expect(t, t.id).toMatchObject({
        reply_count: t.true_replies,
        last_reply_at: t.true_last_at,
        last_reply_by: t.true_last_by,
        upvote_count: t.true_votes,
      });
    }
    const byId = new Map(threads.map((t) => [t.id, t]));
    // t1: early replies 1, 3, 5 less the deleted early[1], then 3 + 1 + 1 in the rounds.
    expect(byId.get(t1.id)).toMatchObject({ reply_count: 7, upvote_count: 2 });
    expect(byId.get(t2.id)).toMatchObject({ reply_count: 3 });
    // The held replies approved (4), the moderator's own (1); p0's and p1's wait.
    expect(byId.get(tm.id)).toMatchObject({ reply_count: 5 });
    for (const c of categories)
      expect(c).toMatchObject({ thread_count: c.true_threads, post_count: c.true_posts });
    expect(categories.map((c) => c.thread_count).sort()).toEqual([1, 4]);
  }, 60_000);
});

/** Until another backend waits for a lock the backend `holder` holds. */
async function waitForBlockedBy(holder: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE ${holder}::int = ANY(pg_blocking_pids(pid))`);
    if (waiting > 0) return;
    if (Date.now() > deadline) throw new Error("no transaction waited for the thread's row");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a locked thread takes no replies", () => {
  it("refuses a reply that raced a moderator's lock: the database decides under the thread's row lock", async () => {
    const c = await newCategory({ name: "Race the lock" });
    const t = await newThread(people[0]!, c.id, "About to be locked");
    const replier = people[2]!;
    // The moderator's lock, left uncommitted until the reply waits behind it. (Slonik
    // allows no other query inside a transaction's callback: the rest runs beside it.)
    let holderPid!: (pid: number) => void;
    const holder = new Promise<number>((resolve) => {
      holderPid = resolve;
    });
    let commit!: () => void;
    const committing = new Promise<void>((resolve) => {
      commit = resolve;
    });
    const locking = withTenant(
      server.runtime.db,
      { organizationId: moderator.orgId, userId: moderator.id },
      async (tx) => {
        await tx.query(sql.unsafe`UPDATE forum_threads SET status = 'locked' WHERE id = ${t.id}`);
        holderPid(
          await tx.oneFirst(
            sql.type(z.object({ pid: z.number() }))`SELECT pg_backend_pid() AS pid`,
          ),
        );
        await committing;
      },
    );
    const pid = await holder;
    // The request reads the thread as still open (the lock is not committed) and reaches
    // its insert, which waits for the thread's row.
    const pending = call("POST", "/forum-posts", replier.token, {
      thread_id: t.id,
      content: "just in time?",
    });
    await waitForBlockedBy(pid);
    commit();
    await locking;
    const res = await pending;
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    const after = await db.one(sql.type(z.object({ posts: z.number(), reply_count: z.number() }))`
      SELECT (SELECT count(*)::int FROM forum_posts WHERE thread_id = ${t.id}) AS posts,
             reply_count FROM forum_threads WHERE id = ${t.id}`);
    expect(after).toEqual({ posts: 0, reply_count: 0 });
    // And plainly, past the API, as the app role: the database refuses it too.
    const direct = withTenant(
      server.runtime.db,
      { organizationId: replier.orgId, userId: replier.id },
      (tx) => insertReply(tx, replier, t.id),
    );
    await expect(direct).rejects.toThrow(/takes no replies/);
  }, 30_000);
});
