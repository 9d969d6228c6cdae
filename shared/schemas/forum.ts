import { z } from "zod";
import { FORUM_THREAD_STATUSES } from "../forum.ts";

/**
 * A forum thread. An anonymous thread goes out without author_id and
 * author_organization_id (realtime events; the REST shape will follow the same rule).
 */
export const ForumThreadRow = z.object({
  id: z.string(),
  category_id: z.string(),
  author_id: z.string().optional(),
  author_organization_id: z.string().nullable().optional(),
  is_anonymous: z.boolean().nullable(),
  title: z.string(),
  slug: z.string(),
  content: z.string(),
  content_html: z.string(),
  equipment_manufacturer: z.string().nullable(),
  equipment_model: z.string().nullable(),
  fault_code: z.string().nullable(),
  tags: z.array(z.string()).nullable(),
  status: z.enum(FORUM_THREAD_STATUSES).nullable(),
  is_pinned: z.boolean().nullable(),
  is_featured: z.boolean().nullable(),
  is_approved: z.boolean().nullable(),
  moderated_at: z.string().nullable(),
  moderated_by: z.string().nullable(),
  view_count: z.number().nullable(),
  reply_count: z.number().nullable(),
  upvote_count: z.number().nullable(),
  last_reply_at: z.string().nullable(),
  last_reply_by: z.string().nullable(),
  last_activity_at: z.string(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  deleted_at: z.string().nullable(),
});
export type ForumThreadRow = z.infer<typeof ForumThreadRow>;

/** A post in a forum thread; anonymous posts carry no author_id. */
export const ForumPostRow = z.object({
  id: z.string(),
  thread_id: z.string(),
  author_id: z.string().optional(),
  is_anonymous: z.boolean().nullable(),
  content: z.string(),
  content_html: z.string().nullable(),
  parent_post_id: z.string().nullable(),
  is_answer: z.boolean().nullable(),
  is_approved: z.boolean().nullable(),
  moderated_at: z.string().nullable(),
  moderated_by: z.string().nullable(),
  upvote_count: z.number().nullable(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  deleted_at: z.string().nullable(),
});
export type ForumPostRow = z.infer<typeof ForumPostRow>;
