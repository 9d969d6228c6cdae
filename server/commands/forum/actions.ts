import type { ForumThreadStatus } from "../../../shared/forum.ts";
import { forumPosts } from "../../../shared/resources/forum-posts.ts";
import { forumThreads } from "../../../shared/resources/forum-threads.ts";
import { recordAudit } from "../../audit/record.ts";
import {
  approve,
  countView,
  setAcceptedAnswer,
  setThreadColumns,
  setVote,
  threadContext,
} from "../../db/forum.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import { conflict, forbidden, notFound } from "../../errors.ts";
import { mayModerate, requireModerator } from "../../forum/access.ts";
import { notifyAccepted, notifyNewThread, notifyReply } from "../../forum/notify.ts";
import { forumPostRules } from "../../resources/forum-posts.ts";
import { forumThreadRules } from "../../resources/forum-threads.ts";
import type { ResourceContext } from "../../resources/rules.ts";

/**
 * The forum's domain actions (docs/forums.md), each in the caller's RLS transaction with
 * its audit event. Rows are answered as this caller may see them (anonymous authors).
 */

const threads = rowsOf(forumThreads);
const posts = rowsOf(forumPosts);

async function audit(ctx: ResourceContext, entity: string, id: string, action: string, data = {}) {
  await recordAudit(ctx.tx, ctx.audit, {
    organizationId: ctx.principal.organizationId,
    eventType: "user_action",
    entityType: entity,
    entityId: id,
    data: { action, ...data },
  });
}

async function presentThread(ctx: ResourceContext, id: string) {
  const row = await threads.find(ctx.tx, id);
  if (!row) throw notFound("Forum thread");
  const [shown] = await forumThreadRules.rules.present!(ctx, [row]);
  return shown ?? row;
}

async function presentPost(ctx: ResourceContext, id: string) {
  const row = await posts.find(ctx.tx, id);
  if (!row) throw notFound("Forum post");
  const [shown] = await forumPostRules.rules.present!(ctx, [row]);
  return shown ?? row;
}

/**
 * A live thread the caller can see, with the rules of its category. Not locked: a plain
 * reader may not lock rows (FOR UPDATE needs the UPDATE policy), and each change below is
 * one atomic statement.
 */
async function visibleThread(ctx: ResourceContext, id: string) {
  const thread = await threadContext(ctx.tx, id);
  if (!thread) throw notFound("Forum thread");
  return { ...thread, moderator: mayModerate(ctx.principal, thread.moderator) };
}

/**
 * Accepts a post as its thread's answer (the thread becomes answered; a previous answer is
 * unmarked), or withdraws it (the thread is open again). The thread's author or a moderator.
 */
export async function acceptAnswer(ctx: ResourceContext, postId: string, accept: boolean) {
  const post = await posts.find(ctx.tx, postId);
  if (!post) throw notFound("Forum post");
  const thread = await visibleThread(ctx, post.thread_id);
  if (thread.thread_author_id !== ctx.principal.userId && !thread.moderator) {
    throw forbidden("Only the thread's author or a moderator accepts an answer");
  }
  if (thread.status === "locked") throw conflict("The thread is locked");
  if (accept && post.is_approved === false) throw conflict("The post is awaiting moderation");
  if (accept) {
    await setAcceptedAnswer(ctx.tx, thread.thread_id, postId, "answered");
  } else if (post.is_answer) {
    await setAcceptedAnswer(ctx.tx, thread.thread_id, null, "open");
  }
  await audit(
    ctx,
    "forum_post",
    postId,
    accept ? "forum_answer_accepted" : "forum_answer_withdrawn",
    {
      thread_id: thread.thread_id,
    },
  );
  const shown = await presentPost(ctx, postId);
  if (accept && !post.is_answer) await notifyAccepted(ctx, { ...post, is_answer: true });
  return shown;
}

/** open ↔ closed by the author or a moderator; locked and unlocked by a moderator only. */
export async function setThreadStatus(
  ctx: ResourceContext,
  id: string,
  status: "open" | "closed" | "locked",
) {
  const thread = await visibleThread(ctx, id);
  const author = thread.thread_author_id === ctx.principal.userId;
  if (!author && !thread.moderator)
    throw forbidden("Only the author or a moderator changes the status");
  if ((status === "locked" || thread.status === "locked") && !thread.moderator) {
    throw forbidden("Only a moderator locks or unlocks a thread");
  }
  if (status === "open" && thread.status === "answered") throw conflict("The thread is answered");
  const from = thread.status as ForumThreadStatus;
  if (from !== status) {
    await setThreadColumns(ctx.tx, id, { status });
    await audit(ctx, "forum_thread", id, "forum_thread_status_changed", { from, to: status });
  }
  return presentThread(ctx, id);
}

/** Pins or features a thread: moderators only. */
export async function setThreadFlags(
  ctx: ResourceContext,
  id: string,
  flags: { is_pinned?: boolean; is_featured?: boolean },
) {
  const thread = await visibleThread(ctx, id);
  requireModerator(ctx.principal, thread.moderator);
  await setThreadColumns(ctx.tx, id, flags);
  await audit(ctx, "forum_thread", id, "forum_thread_flags_changed", flags);
  return presentThread(ctx, id);
}

/** Approves a held thread or post (moderators): it becomes visible, counted and streamed. */
export async function approveHeld(ctx: ResourceContext, target: "thread" | "post", id: string) {
  const post = target === "post" ? await posts.find(ctx.tx, id) : null;
  const threadId = target === "thread" ? id : post?.thread_id;
  if (!threadId) throw notFound("Forum post");
  const thread = await threadContext(ctx.tx, threadId);
  if (!thread) throw notFound(target === "thread" ? "Forum thread" : "Forum post");
  requireModerator(ctx.principal, thread.moderator);
  const held = target === "thread" ? !thread.thread_approved : post?.is_approved === false;
  if (held) {
    await approve(ctx.tx, target, id);
    await audit(ctx, `forum_${target}`, id, `forum_${target}_approved`);
    if (post) await notifyReply(ctx, { ...post, is_approved: true });
    const approvedThread = target === "thread" ? await threads.find(ctx.tx, id) : null;
    if (approvedThread) await notifyNewThread(ctx, approvedThread);
  }
  return target === "thread" ? presentThread(ctx, id) : presentPost(ctx, id);
}

/** Adds (on) or withdraws the caller's one upvote; voting for oneself is refused. */
export async function vote(
  ctx: ResourceContext,
  target: "thread" | "post",
  id: string,
  on: boolean,
) {
  const row = target === "thread" ? await threads.find(ctx.tx, id) : await posts.find(ctx.tx, id);
  if (!row) throw notFound(target === "thread" ? "Forum thread" : "Forum post");
  if (on && row.author_id === ctx.principal.userId)
    throw forbidden("You cannot vote for your own post");
  const counted = await setVote(ctx.tx, target, id, on);
  if (!counted) throw notFound(target === "thread" ? "Forum thread" : "Forum post");
  return { ...counted, voted: on };
}

/** Counts one view of a thread the caller can see (the router dedupes per user and hour). */
export async function recordView(ctx: ResourceContext, id: string): Promise<number> {
  const count = await countView(ctx.tx, id);
  if (count === null) throw notFound("Forum thread");
  return count;
}
