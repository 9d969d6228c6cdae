import { z } from "zod";
import { FORUM_SCOPE_TYPES, FORUM_VISIBILITIES, slugText, USER_TYPES } from "../forum.ts";
import { text } from "../schemas/fields.ts";
import { col } from "./columns.ts";
import { defineResource, filter, userActions } from "./define.ts";

/**
 * Forum categories (docs/forums.md). A tree (parent_id) of platform categories (global,
 * trade, manufacturer, region; their moderators are the platform administrators) and
 * organisations' own (organization, portfolio; moderated by the organisation's owners and
 * admins, organization_id set from the caller). visibility and required_user_type decide
 * who sees a category and its threads (RLS, migration 0103). No DELETE: a category is
 * retired with is_active = false (its moderators still see it). Counters are the triggers'.
 */
export const forumCategories = defineResource({
  table: "forum_categories",
  entity: "forum_category",
  scope: "shared",
  permissions: { read: "forum:read", write: "forum:moderate" },
  operations: ["list", "get", "create", "update"],
  references: { parent_id: "forum_categories" },
  audit: userActions("forum_category"),
  filters: {
    parent_id: filter.eq(z.uuid()),
    scope_type: filter.eq(z.enum(FORUM_SCOPE_TYPES)),
    scope_value: filter.eq(text(100)),
    visibility: filter.eq(z.enum(FORUM_VISIBILITIES)),
    slug: filter.eq(slugText(100)),
    is_active: filter.flag(),
  },
  sort: { display_order: "number", name: "text" },
  columns: {
    id: col.id(),
    parent_id: col.uuid(),
    name: col.text(100).required(),
    // From the name when not given; unique among its owner's categories.
    slug: col.text(100).write(slugText(100)).notNull(),
    description: col.string(2000),
    icon: col.text(50),
    color: col.text(20),
    scope_type: col.enum(FORUM_SCOPE_TYPES).required().createOnly(),
    // An organisation category's is its organisation's id (set by the server).
    scope_value: col.text(100),
    visibility: col.enum(FORUM_VISIBILITIES).notNull(),
    required_user_type: col.enum(USER_TYPES),
    is_active: col.bool().hasDefault(),
    requires_moderation: col.bool().hasDefault(),
    allow_anonymous: col.bool().hasDefault(),
    thread_count: col.int().notNull().readOnly(),
    post_count: col.int().notNull().readOnly(),
    last_post_at: col.timestamp().readOnly(),
    display_order: col.int(-100_000, 100_000).notNull(),
    organization_id: col.uuid().readOnly(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().readOnly(),
  },
});
export type ForumCategoryRow = z.infer<typeof forumCategories.row>;
