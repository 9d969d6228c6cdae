import { forumPosts } from "../../shared/resources/forum-posts.ts";
import { categoriesOfThreads, postInThread, threadContext } from "../db/forum.ts";
import { conflict, forbidden, unprocessable } from "../errors.ts";
import { hideAnonymousAuthors, mayModerate } from "../forum/access.ts";
import { renderMarkdown } from "../forum/markdown.ts";
import { notifyReply } from "../forum/notify.ts";
import { serve } from "./rules.ts";

/**
 * Forum posts' rules (docs/forums.md#posts): a reply goes into a live thread that is
 * neither closed nor locked, of a category the caller may post in; a nested reply answers a
 * post of the same thread. Only the author edits (not in a locked thread); the author or a
 * moderator deletes, and deleting the accepted answer reopens an answered thread.
 */
export const forumPostRules = serve(forumPosts, {
  async beforeCreate({ tx }, body) {
    const thread = await threadContext(tx, body.thread_id);
    if (!thread) throw unprocessable("thread_id does not refer to a forum thread you can see");
    if (thread.status === "locked" || thread.status === "closed") {
      throw conflict(`The thread is ${thread.status}: it takes no replies`);
    }
    if (!thread.can_post) {
      throw forbidden(`Only ${thread.required_user_type} users may post in this category`);
    }
    if (body.is_anonymous && !thread.allow_anonymous) {
      throw unprocessable("This category does not allow anonymous posts");
    }
    if (body.parent_post_id && !(await postInThread(tx, body.parent_post_id, body.thread_id))) {
      throw unprocessable("parent_post_id must be a post of the same thread");
    }
    return { content_html: renderMarkdown(body.content) };
  },
  async beforeUpdate({ tx, principal }, { before, body }) {
    if (before.author_id !== principal.userId) throw forbidden("Only the author edits a post");
    const thread = await threadContext(tx, before.thread_id);
    if (thread?.status === "locked") throw conflict("The thread is locked");
    return body.content === undefined ? undefined : { content_html: renderMarkdown(body.content) };
  },
  async beforeDelete({ tx, principal }, { before }) {
    const thread = await threadContext(tx, before.thread_id);
    const moderator = mayModerate(principal, thread?.moderator === true);
    if (before.author_id !== principal.userId && !moderator) {
      throw forbidden("Only the author or a moderator deletes a post");
    }
    // (Deleting the accepted answer reopens an answered thread: a trigger of migration 0103.)
    if (thread?.status === "locked" && !moderator) throw conflict("The thread is locked");
  },
  present: ({ tx, principal }, rows) =>
    hideAnonymousAuthors(tx, principal, rows, (posts) =>
      categoriesOfThreads(
        tx,
        posts.map((p) => p.thread_id),
      ),
    ),
  async afterCreate(ctx, row) {
    await notifyReply(ctx, row);
  },
  auditCreated: (row) => ({ thread_id: row.thread_id, anonymous: row.is_anonymous === true }),
});
