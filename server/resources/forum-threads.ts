import { forumThreads } from "../../shared/resources/forum-threads.ts";
import { categoryForPosting, freeThreadSlug, threadContext } from "../db/forum.ts";
import { conflict, forbidden, unprocessable } from "../errors.ts";
import { hideAnonymousAuthors, mayModerate } from "../forum/access.ts";
import { renderMarkdown } from "../forum/markdown.ts";
import { notifyNewThread } from "../forum/notify.ts";
import { slugOf } from "../forum/slug.ts";
import { serve } from "./rules.ts";

/**
 * Forum threads' rules (docs/forums.md#threads). Posting needs an active category the
 * caller may post in (required_user_type), anonymity needs allow_anonymous; the author
 * edits until the thread is locked; the author or a moderator deletes. Whether a new thread
 * is held for moderation is the database's decision (trigger, migration 0103).
 */
export const forumThreadRules = serve(forumThreads, {
  async beforeCreate({ tx, principal }, body) {
    const category = await categoryForPosting(tx, body.category_id);
    if (!category?.is_active) {
      throw unprocessable("category_id does not refer to an active forum category you can see");
    }
    if (!category.can_post) {
      throw forbidden(`Only ${category.required_user_type} users may post in this category`);
    }
    if (body.is_anonymous && !category.allow_anonymous) {
      throw unprocessable("This category does not allow anonymous posts");
    }
    return {
      author_organization_id: principal.organizationId,
      slug: await freeThreadSlug(tx, body.category_id, slugOf(body.title, 200)),
      content_html: renderMarkdown(body.content),
    };
  },
  async beforeUpdate({ tx, principal }, { id, before, body }) {
    const thread = await threadContext(tx, id);
    if (before.author_id !== principal.userId) {
      throw forbidden("Only the author edits a thread");
    }
    if (thread?.status === "locked") throw conflict("The thread is locked");
    return body.content === undefined ? undefined : { content_html: renderMarkdown(body.content) };
  },
  async beforeDelete({ tx, principal }, { id, before }) {
    const thread = await threadContext(tx, id);
    const moderator = mayModerate(principal, thread?.moderator === true);
    if (before.author_id !== principal.userId && !moderator) {
      throw forbidden("Only the author or a moderator deletes a thread");
    }
  },
  present: ({ tx, principal }, rows) =>
    hideAnonymousAuthors(tx, principal, rows, async (threads) => threads.map((t) => t.category_id)),
  async afterCreate(ctx, row) {
    await notifyNewThread(ctx, row);
  },
  auditCreated: (row) => ({ category_id: row.category_id, anonymous: row.is_anonymous === true }),
});
