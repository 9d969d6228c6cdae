import { sql } from "slonik";
import { z } from "zod";
import type { ForumPostRow } from "../../shared/resources/forum-posts.ts";
import type { ForumThreadRow } from "../../shared/resources/forum-threads.ts";
import type { Tx } from "../db/tenant-context.ts";
import { notify } from "../notifications/notify.ts";

/**
 * Forum notifications (docs/forums.md#notifications), each in the writer's transaction
 * through notify() (deduplicated by the event's key, the actor left out):
 * - a reply: the thread's author and its subscribers (`forum_reply:<post id>`);
 * - a new thread: its category's subscribers (`forum_new_thread:<thread id>`);
 * - an accepted answer: the answer's author (`forum_answer_accepted:<post id>`).
 * Recipients are those who would see the thread now (forum_category_visible_to(),
 * migration 0103), never the row's own author. A held row notifies nobody: approval
 * notifies then. Nothing names an anonymous author.
 */
type Ctx = { tx: Tx };

const UserId = z.object({ user_id: z.string() });
const ThreadTitle = z.object({ title: z.string(), category_id: z.string() });

const snippet = (content: string) => content.replace(/\s+/g, " ").trim().slice(0, 300);

async function threadTitle(tx: Tx, threadId: string) {
  return tx.maybeOne(sql.type(ThreadTitle)`
    SELECT title, category_id FROM forum_threads WHERE id = ${threadId}`);
}

export async function notifyReply({ tx }: Ctx, post: ForumPostRow): Promise<void> {
  if (post.is_approved === false || !post.author_id) return;
  const thread = await threadTitle(tx, post.thread_id);
  if (!thread) return;
  const recipients = await tx.anyFirst(sql.type(UserId)`
    SELECT forum_reply_recipients(t.id) AS user_id FROM forum_threads t
     WHERE t.id = ${post.thread_id}`);
  await notify(tx, {
    userIds: recipients.filter((id) => id !== post.author_id),
    type: "forum_reply",
    title: `New reply in “${thread.title}”`,
    body: snippet(post.content),
    link: {
      type: "forum_post",
      id: post.id,
      url: `/forum/threads/${post.thread_id}#post-${post.id}`,
    },
    dedupeKey: `forum_reply:${post.id}`,
  });
}

export async function notifyNewThread({ tx }: Ctx, thread: ForumThreadRow): Promise<void> {
  if (thread.is_approved === false || !thread.author_id) return;
  const recipients = await tx.anyFirst(sql.type(UserId)`
    SELECT forum_thread_recipients(c.id) AS user_id FROM forum_categories c
     WHERE c.id = ${thread.category_id}`);
  await notify(tx, {
    userIds: recipients.filter((id) => id !== thread.author_id),
    type: "forum_new_thread",
    title: `New thread: ${thread.title}`,
    body: snippet(thread.content),
    link: { type: "forum_thread", id: thread.id, url: `/forum/threads/${thread.id}` },
    dedupeKey: `forum_new_thread:${thread.id}`,
  });
}

export async function notifyAccepted({ tx }: Ctx, post: ForumPostRow): Promise<void> {
  if (!post.author_id) return;
  const thread = await threadTitle(tx, post.thread_id);
  if (!thread) return;
  await notify(tx, {
    userIds: [post.author_id],
    type: "forum_answer_accepted",
    title: `Your answer was accepted in “${thread.title}”`,
    link: {
      type: "forum_post",
      id: post.id,
      url: `/forum/threads/${post.thread_id}#post-${post.id}`,
    },
    dedupeKey: `forum_answer_accepted:${post.id}`,
  });
}
