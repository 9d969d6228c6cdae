import { z } from "zod";
import { queryInt, text } from "./schemas/fields.ts";

/**
 * The forum's vocabulary and the bodies of its actions (docs/forums.md), shared with
 * clients. The resources themselves are defined in shared/resources/forum-*.ts.
 */

/** What a category is about. organization/portfolio categories belong to an organisation. */
export const FORUM_SCOPE_TYPES = [
  "global",
  "trade",
  "manufacturer",
  "region",
  "organization",
  "portfolio",
] as const;
/** Scopes of categories an organisation owns; the others are the platform's. */
export const ORGANIZATION_FORUM_SCOPES = ["organization", "portfolio"] as const;

export const FORUM_VISIBILITIES = [
  "public",
  "authenticated",
  "organization",
  "role_based",
] as const;

/** users.user_type, which required_user_type names. */
export const USER_TYPES = ["standard", "technician", "manager", "admin", "system"] as const;

/**
 * open → closed/locked/answered; answered comes from accepting an answer (and goes back to
 * open when no answer is left). Closed and locked threads take no replies; locked is the
 * moderators' (nothing but moderation changes a locked thread).
 */
export const FORUM_THREAD_STATUSES = ["open", "answered", "closed", "locked"] as const;
export type ForumThreadStatus = (typeof FORUM_THREAD_STATUSES)[number];
/** What POST /forum-threads/:id/status may set. */
export const SETTABLE_THREAD_STATUSES = ["open", "closed", "locked"] as const;

/** Markdown source of a thread's opening text or a post; rendered to sanitised HTML. */
export const FORUM_CONTENT_MAX = 50_000;
export const forumContent = z
  .string()
  .trim()
  .min(1)
  .max(FORUM_CONTENT_MAX)
  .refine((s) => !s.includes("\u0000"), "must not contain NUL characters")
  .meta({ description: "Markdown (CommonMark); rendered to sanitised HTML in content_html" });

/** A tag: lower-case words joined by dashes ("door-operator", "kone"). */
export const forumTag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{Ll}\p{N}]+(?:-[\p{Ll}\p{N}]+)*$/u, "must be lower-case words joined by dashes")
  .max(50);

/** A URL slug: lower-case ASCII words joined by dashes. */
export const slugText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lower-case letters, digits and dashes");

export const ThreadStatusBody = z.strictObject({ status: z.enum(SETTABLE_THREAD_STATUSES) });
export const ThreadFlagsBody = z
  .strictObject({ is_pinned: z.boolean().optional(), is_featured: z.boolean().optional() })
  .refine((b) => b.is_pinned !== undefined || b.is_featured !== undefined, {
    message: "give is_pinned, is_featured or both",
  });

/** PUT/DELETE …/vote answers the target's count and whether the caller's vote stands. */
export const VoteResult = z.object({
  id: z.string(),
  upvote_count: z.number(),
  voted: z.boolean(),
});

export const ViewResult = z.object({
  id: z.string(),
  view_count: z.number(),
  counted: z.boolean(),
});

export const FORUM_SEARCH_TYPES = ["threads", "posts"] as const;
export const ForumSearchQuery = z.strictObject({
  q: text(500),
  types: z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()))
    .pipe(z.array(z.enum(FORUM_SEARCH_TYPES)).min(1).max(2))
    .optional(),
  category_id: z.uuid().optional(),
  limit: queryInt(1, 50).default(20),
});

export const ForumSearchHit = z.object({
  type: z.enum(["thread", "post"]),
  /** The thread, or the post. */
  id: z.string(),
  thread_id: z.string(),
  category_id: z.string(),
  title: z.string(),
  /** Escaped text with the matched words in <mark>…</mark>; safe to insert as HTML. */
  snippet_html: z.string(),
  rank: z.number(),
  created_at: z.string(),
});
export const ForumSearchResult = z.object({ data: z.array(ForumSearchHit) });

export const ModerationQueueItem = z.object({
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
export const ModerationQueue = z.object({ data: z.array(ModerationQueueItem) });
