import { z } from "zod";
import { forumContent } from "../forum.ts";
import { col } from "./columns.ts";
import { defineResource, filter } from "./define.ts";

/**
 * Forum posts: the replies of a thread, nested through parent_post_id (a reply to a post of
 * the same thread). Markdown in content, sanitised HTML in content_html. A thread page is
 * `GET /forum-posts?thread_id=…&sort=created_at`. Only the author edits; the author or a
 * moderator soft-deletes; accepting, voting and approval are actions (server/routes/forum/).
 * In a requires_moderation category a post starts held (is_approved false): only its
 * author and the moderators see it until it is approved.
 */
export const forumPosts = defineResource({
  table: "forum_posts",
  entity: "forum_post",
  realtime: "forum_post",
  scope: "shared",
  createdBy: "author_id",
  permissions: { read: "forum:read", write: "forum:write" },
  softDelete: true,
  references: { thread_id: "forum_threads", parent_post_id: "forum_posts" },
  audit: {
    created: "post_created",
    updated: { type: "user_action", action: "forum_post_updated" },
    deleted: { type: "user_action", action: "forum_post_deleted" },
  },
  filters: {
    thread_id: filter.eq(z.uuid()),
    parent_post_id: filter.eq(z.uuid()),
    is_answer: filter.flag(),
    /** false: the held posts the caller may see (their own, or as a moderator). */
    is_approved: filter.flag(),
  },
  sort: { upvote_count: "number" },
  columns: {
    id: col.id(),
    thread_id: col.uuid().required().createOnly(),
    author_id: col.uuid().readOnly(),
    is_anonymous: col.bool().hasDefault().createOnly(),
    content: col.string(0).write(forumContent).required(),
    content_html: col.string(0).readOnly(),
    parent_post_id: col.uuid().createOnly(),
    is_answer: col.bool().readOnly(),
    is_approved: col.bool().readOnly(),
    moderated_at: col.timestamp().readOnly(),
    moderated_by: col.uuid().readOnly(),
    upvote_count: col.int().notNull().readOnly(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().readOnly(),
    deleted_at: col.timestamp().readOnly(),
  },
});
export type ForumPostRow = z.infer<typeof forumPosts.row>;
