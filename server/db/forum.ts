import { sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/**
 * The forum's SQL beyond what its resource definitions generate (docs/forums.md). Every
 * function runs in the caller's RLS context: what a caller cannot see is simply not found.
 */

const Bool = z.object({ ok: z.boolean() });

/** For each category id the caller can see: whether they moderate it (migration 0103). */
export async function moderatedCategories(
  tx: Tx,
  categoryIds: readonly string[],
): Promise<Map<string, boolean>> {
  if (categoryIds.length === 0) return new Map();
  const rows = await tx.any(sql.type(z.object({ id: z.string(), moderator: z.boolean() }))`
    SELECT id, coalesce(app_is_forum_moderator(organization_id), false) AS moderator
      FROM forum_categories WHERE id = ANY(${sql.array([...new Set(categoryIds)], "uuid")})`);
  return new Map(rows.map((r) => [r.id, r.moderator]));
}

export async function isPlatformAdminHere(tx: Tx): Promise<boolean> {
  return tx.oneFirst(sql.type(Bool)`SELECT app_is_platform_admin() AS ok`);
}

/** The category of each thread, in order (threads the caller cannot see are not asked for). */
export async function categoriesOfThreads(tx: Tx, threadIds: readonly string[]): Promise<string[]> {
  const rows = await tx.any(sql.type(z.object({ id: z.string(), category_id: z.string() }))`
    SELECT id, category_id FROM forum_threads
     WHERE id = ANY(${sql.array([...new Set(threadIds)], "uuid")})`);
  const byThread = new Map(rows.map((r) => [r.id, r.category_id]));
  return threadIds.map((id) => byThread.get(id) ?? "");
}

/** A category as the rules of posting in it need it; null when the caller cannot see it. */
const CategoryForPosting = z.object({
  id: z.string(),
  organization_id: z.string().nullable(),
  is_active: z.boolean(),
  allow_anonymous: z.boolean(),
  requires_moderation: z.boolean(),
  required_user_type: z.string().nullable(),
  can_post: z.boolean(),
  moderator: z.boolean(),
});
export type CategoryForPosting = z.infer<typeof CategoryForPosting>;

const categoryColumns = sql.fragment`
  c.id, c.organization_id, c.is_active IS NOT FALSE AS is_active,
  c.allow_anonymous IS TRUE AS allow_anonymous,
  c.requires_moderation IS TRUE AS requires_moderation, c.required_user_type,
  app_can_post_in_forum_category(c.id) AS can_post,
  coalesce(app_is_forum_moderator(c.organization_id), false) AS moderator`;

export async function categoryForPosting(tx: Tx, id: string): Promise<CategoryForPosting | null> {
  return tx.maybeOne(sql.type(CategoryForPosting)`
    SELECT ${categoryColumns} FROM forum_categories c WHERE c.id = ${id}`);
}

/** A live thread with its category's rules, optionally locked; null when not visible. */
const ThreadContext = CategoryForPosting.extend({
  thread_id: z.string(),
  thread_author_id: z.string(),
  status: z.string(),
  thread_approved: z.boolean(),
});
export type ThreadContext = z.infer<typeof ThreadContext>;

export async function threadContext(
  tx: Tx,
  threadId: string,
  lock = false,
): Promise<ThreadContext | null> {
  return tx.maybeOne(sql.type(ThreadContext)`
    SELECT ${categoryColumns}, t.id AS thread_id, t.author_id AS thread_author_id, t.status,
           t.is_approved IS NOT FALSE AS thread_approved
      FROM forum_threads t JOIN forum_categories c ON c.id = t.category_id
     WHERE t.id = ${threadId} AND t.deleted_at IS NULL
     ${lock ? sql.fragment`FOR UPDATE OF t` : sql.fragment``}`);
}

/** Whether a post belongs to the thread (for nested replies); RLS applies. */
export async function postInThread(tx: Tx, postId: string, threadId: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Bool)`
    SELECT EXISTS (SELECT 1 FROM forum_posts
                    WHERE id = ${postId} AND thread_id = ${threadId} AND deleted_at IS NULL) AS ok`);
}

/** A slug for a new thread: the base if free in the category, else base + a short suffix. */
export async function freeThreadSlug(tx: Tx, categoryId: string, base: string): Promise<string> {
  return tx.oneFirst(sql.type(z.object({ slug: z.string() }))`
    SELECT forum_thread_slug(${categoryId}, ${base}) AS slug`);
}

/** A slug for a new category: the base if its owner has none such, else base-2, base-3… */
export async function freeCategorySlug(
  tx: Tx,
  organizationId: string | null,
  base: string,
): Promise<string> {
  const taken = await tx.anyFirst(sql.type(z.object({ slug: z.string() }))`
    SELECT slug FROM forum_categories
     WHERE organization_id IS NOT DISTINCT FROM ${organizationId}
       AND (slug = ${base} OR slug LIKE ${`${base}-%`})`);
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** True when making `parentId` the parent of `id` would close a loop. */
export async function categoryCycle(tx: Tx, id: string, parentId: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Bool)`
    WITH RECURSIVE up(id, parent_id, depth) AS (
      SELECT id, parent_id, 1 FROM forum_categories WHERE id = ${parentId}
      UNION ALL
      SELECT c.id, c.parent_id, up.depth + 1 FROM forum_categories c JOIN up ON c.id = up.parent_id
       WHERE up.depth < 100
    ) SELECT EXISTS (SELECT 1 FROM up WHERE id = ${id}) AS ok`);
}

export async function categoryOwner(
  tx: Tx,
  id: string,
): Promise<{ organization_id: string | null } | null> {
  return tx.maybeOne(sql.type(z.object({ organization_id: z.string().nullable() }))`
    SELECT organization_id FROM forum_categories WHERE id = ${id}`);
}

const Count = z.object({ id: z.string(), upvote_count: z.number() });

/**
 * Adds or removes the caller's upvote. The primary key makes a second vote a no-op and the
 * trigger keeps upvote_count exact; null when the target is not visible.
 */
export async function setVote(
  tx: Tx,
  target: "thread" | "post",
  id: string,
  on: boolean,
): Promise<{ id: string; upvote_count: number } | null> {
  if (target === "thread") {
    await tx.query(
      on
        ? sql.unsafe`INSERT INTO forum_thread_votes (thread_id, user_id)
                     SELECT id, app_current_user() FROM forum_threads
                      WHERE id = ${id} AND deleted_at IS NULL
                     ON CONFLICT DO NOTHING`
        : sql.unsafe`DELETE FROM forum_thread_votes
                      WHERE thread_id = ${id} AND user_id = app_current_user()`,
    );
    return tx.maybeOne(sql.type(Count)`
      SELECT id, upvote_count FROM forum_threads WHERE id = ${id} AND deleted_at IS NULL`);
  }
  await tx.query(
    on
      ? sql.unsafe`INSERT INTO forum_post_votes (post_id, user_id)
                   SELECT id, app_current_user() FROM forum_posts
                    WHERE id = ${id} AND deleted_at IS NULL
                   ON CONFLICT DO NOTHING`
      : sql.unsafe`DELETE FROM forum_post_votes
                    WHERE post_id = ${id} AND user_id = app_current_user()`,
  );
  return tx.maybeOne(sql.type(Count)`
    SELECT id, upvote_count FROM forum_posts WHERE id = ${id} AND deleted_at IS NULL`);
}

/** Counts a view of a thread the caller can see; null when they cannot. */
export async function countView(tx: Tx, threadId: string): Promise<number | null> {
  const row = await tx.maybeOne(sql.type(z.object({ view_count: z.number().nullable() }))`
    SELECT forum_thread_viewed(id) AS view_count FROM forum_threads
     WHERE id = ${threadId} AND deleted_at IS NULL`);
  return row ? row.view_count : null;
}

export async function viewCount(tx: Tx, threadId: string): Promise<number | null> {
  return tx.maybeOneFirst(sql.type(z.object({ view_count: z.number() }))`
    SELECT view_count FROM forum_threads WHERE id = ${threadId} AND deleted_at IS NULL`);
}

/**
 * Marks one post as the thread's accepted answer (or none) and sets the thread's status,
 * through forum_set_answer() (migration 0103): the caller has been authorised already.
 */
export async function setAcceptedAnswer(
  tx: Tx,
  threadId: string,
  postId: string | null,
  status: "answered" | "open" | null,
): Promise<void> {
  await tx.query(sql.unsafe`SELECT forum_set_answer(${threadId}, ${postId}::uuid, ${status})`);
}

export async function approve(tx: Tx, target: "thread" | "post", id: string): Promise<boolean> {
  const table = sql.identifier([target === "thread" ? "forum_threads" : "forum_posts"]);
  const row = await tx.maybeOne(sql.type(z.object({ id: z.string() }))`
    UPDATE ${table} SET is_approved = true, moderated_at = now(), moderated_by = app_current_user()
     WHERE id = ${id} AND deleted_at IS NULL RETURNING id`);
  return row !== null;
}

export async function setThreadColumns(
  tx: Tx,
  id: string,
  values: { status?: string; is_pinned?: boolean; is_featured?: boolean },
): Promise<void> {
  const sets = Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => sql.fragment`${sql.identifier([k])} = ${v as string | boolean}`);
  if (sets.length === 0) return;
  await tx.query(sql.unsafe`
    UPDATE forum_threads SET ${sql.join(sets, sql.fragment`, `)} WHERE id = ${id}`);
}

const QueueItem = z.object({
  type: z.enum(["thread", "post"]),
  id: z.string(),
  thread_id: z.string(),
  category_id: z.string(),
  title: z.string(),
  content: z.string(),
  author_id: z.string(),
  is_anonymous: z.boolean(),
  created_at: z.string(),
});

/** Held threads and posts of the categories the caller moderates, oldest first. */
export async function moderationQueue(tx: Tx, limit: number) {
  return tx.any(sql.type(QueueItem)`
    SELECT * FROM (
      SELECT 'thread' AS type, t.id, t.id AS thread_id, t.category_id, t.title, t.content,
             t.author_id, t.is_anonymous IS TRUE AS is_anonymous, t.created_at
        FROM forum_threads t JOIN forum_categories c ON c.id = t.category_id
       WHERE t.is_approved IS FALSE AND t.deleted_at IS NULL
         AND app_is_forum_moderator(c.organization_id)
      UNION ALL
      SELECT 'post', p.id, p.thread_id, t.category_id, t.title, p.content,
             p.author_id, p.is_anonymous IS TRUE, p.created_at
        FROM forum_posts p
        JOIN forum_threads t ON t.id = p.thread_id
        JOIN forum_categories c ON c.id = t.category_id
       WHERE p.is_approved IS FALSE AND p.deleted_at IS NULL AND t.deleted_at IS NULL
         AND app_is_forum_moderator(c.organization_id)
    ) q ORDER BY created_at, id LIMIT ${limit}`);
}

const Hit = z.object({
  type: z.enum(["thread", "post"]),
  id: z.string(),
  thread_id: z.string(),
  category_id: z.string(),
  title: z.string(),
  headline: z.string(),
  rank: z.number(),
  created_at: z.string(),
});

/**
 * Full-text search (english) over thread titles, opening texts and equipment links, and
 * over posts, under the caller's RLS (held and deleted rows excluded, as everywhere). The
 * expressions repeat the GIN indexes' of migration 0103 so the planner can use them.
 * Headlines mark matches with \u0002…\u0003, which the caller turns into escaped HTML.
 */
export async function searchForum(
  tx: Tx,
  q: { text: string; types: readonly ("threads" | "posts")[]; categoryId?: string; limit: number },
) {
  const query = sql.fragment`websearch_to_tsquery('english', ${q.text})`;
  const inCategory = q.categoryId
    ? sql.fragment`AND t.category_id = ${q.categoryId}`
    : sql.fragment``;
  const opts = "StartSel=\u0002, StopSel=\u0003, MaxWords=30, MinWords=10, MaxFragments=2";
  const parts = [];
  if (q.types.includes("threads")) {
    parts.push(sql.fragment`
      (SELECT 'thread' AS type, t.id, t.id AS thread_id, t.category_id, t.title,
              ts_headline('english', t.title || E'\n' || t.content, ${query}, ${opts}) AS headline,
              ts_rank_cd(d.doc, ${query})::float8 AS rank, t.created_at
         FROM forum_threads t,
              LATERAL (SELECT to_tsvector('english'::regconfig,
                 coalesce(t.title, '') || ' ' || coalesce(t.content, '') || ' ' || coalesce(t.fault_code, '')
                 || ' ' || coalesce(t.equipment_manufacturer, '') || ' ' || coalesce(t.equipment_model, '')) AS doc) d
        WHERE to_tsvector('english'::regconfig,
                 coalesce(t.title, '') || ' ' || coalesce(t.content, '') || ' ' || coalesce(t.fault_code, '')
                 || ' ' || coalesce(t.equipment_manufacturer, '') || ' ' || coalesce(t.equipment_model, ''))
              @@ ${query}
          AND t.deleted_at IS NULL AND t.is_approved IS NOT FALSE ${inCategory}
        ORDER BY rank DESC, t.id LIMIT ${q.limit})`);
  }
  if (q.types.includes("posts")) {
    parts.push(sql.fragment`
      (SELECT 'post' AS type, p.id, p.thread_id, t.category_id, t.title,
              ts_headline('english', p.content, ${query}, ${opts}) AS headline,
              ts_rank_cd(to_tsvector('english'::regconfig, p.content), ${query})::float8 AS rank,
              p.created_at
         FROM forum_posts p JOIN forum_threads t ON t.id = p.thread_id
        WHERE to_tsvector('english'::regconfig, p.content) @@ ${query}
          AND p.deleted_at IS NULL AND p.is_approved IS NOT FALSE
          AND t.deleted_at IS NULL AND t.is_approved IS NOT FALSE ${inCategory}
        ORDER BY rank DESC, p.id LIMIT ${q.limit})`);
  }
  return tx.any(sql.type(Hit)`
    SELECT * FROM (${sql.join(parts, sql.fragment` UNION ALL `)}) hits
     ORDER BY rank DESC, created_at DESC, id LIMIT ${q.limit}`);
}

/**
 * Who a new post should notify: the thread's author and its subscribers (service pool: a
 * subscription is private to its user, so the writer's RLS cannot read others'), minus the
 * post's author. Held posts notify nobody until they are approved.
 */
export async function replyRecipients(serviceTx: Tx, threadId: string, except: string) {
  return serviceTx.anyFirst(sql.type(z.object({ user_id: z.string() }))`
    SELECT DISTINCT user_id FROM (
      SELECT author_id AS user_id FROM forum_threads WHERE id = ${threadId}
      UNION
      SELECT user_id FROM forum_subscriptions WHERE thread_id = ${threadId}
    ) r WHERE user_id <> ${except}`);
}
