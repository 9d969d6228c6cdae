import { z } from "zod";
import { FORUM_THREAD_STATUSES, forumContent, forumTag, slugText } from "../forum.ts";
import { text } from "../schemas/fields.ts";
import { col } from "./columns.ts";
import { defineResource, filter } from "./define.ts";

/**
 * Forum threads (docs/forums.md): a title and an opening text (Markdown, rendered to
 * sanitised HTML in content_html), optional equipment and fault-code links and tags. The
 * author edits title, text and links; status, pinning, featuring and approval are actions
 * (server/routes/forum/), counters are the triggers'. An anonymous thread's author_id and
 * author_organization_id are null for everyone but the category's moderators. Soft delete
 * by the author or a moderator.
 */
export const forumThreads = defineResource({
  table: "forum_threads",
  entity: "forum_thread",
  realtime: "forum_thread",
  scope: "shared",
  createdBy: "author_id",
  permissions: { read: "forum:read", write: "forum:write" },
  softDelete: true,
  references: { category_id: "forum_categories" },
  audit: {
    created: "thread_created",
    updated: { type: "user_action", action: "forum_thread_updated" },
    deleted: { type: "user_action", action: "forum_thread_deleted" },
  },
  filters: {
    category_id: filter.eq(z.uuid()),
    status: filter.anyOf(FORUM_THREAD_STATUSES, "text"),
    tag: filter.contains("tags", forumTag),
    fault_code: filter.eq(text(50)),
    equipment_manufacturer: filter.eq(text(100)),
    equipment_model: filter.eq(text(100)),
    is_pinned: filter.flag(),
    is_featured: filter.flag(),
    /** false: the held threads the caller may see (their own, or as a moderator). */
    is_approved: filter.flag(),
    slug: filter.eq(slugText(255)),
  },
  sort: {
    last_activity_at: "timestamp",
    upvote_count: "number",
    reply_count: "number",
    view_count: "number",
  },
  columns: {
    id: col.id(),
    category_id: col.uuid().required().createOnly(),
    author_id: col.uuid().readOnly(),
    author_organization_id: col.uuid().readOnly(),
    is_anonymous: col.bool().hasDefault().createOnly(),
    title: col.text(255).required(),
    slug: col.text(255).notNull().readOnly(),
    content: col.string(0).write(forumContent).required(),
    content_html: col.string(0).notNull().readOnly(),
    equipment_manufacturer: col.text(100),
    equipment_model: col.text(100),
    fault_code: col.text(50),
    tags: col.textArray().write(z.array(forumTag).max(20)),
    status: col.enum(FORUM_THREAD_STATUSES).notNull().readOnly(),
    is_pinned: col.bool().readOnly(),
    is_featured: col.bool().readOnly(),
    is_approved: col.bool().readOnly(),
    moderated_at: col.timestamp().readOnly(),
    moderated_by: col.uuid().readOnly(),
    view_count: col.int().notNull().readOnly(),
    reply_count: col.int().notNull().readOnly(),
    upvote_count: col.int().notNull().readOnly(),
    last_reply_at: col.timestamp().readOnly(),
    last_reply_by: col.uuid().readOnly(),
    last_activity_at: col.timestamp().notNull().readOnly(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().readOnly(),
    deleted_at: col.timestamp().readOnly(),
  },
});
export type ForumThreadRow = z.infer<typeof forumThreads.row>;
