import type {
  MessageContextType,
  MessageRow,
  MessageView,
  SendMessageInput,
} from "../../shared/schemas/message.ts";
import { tenantOf } from "../auth/access.ts";
import type { Principal } from "../auth/principal.ts";
import {
  firstUnreadSent,
  messageNotificationPending,
  organizationOfUser,
  ownDisplayName,
  sendDirectMessage,
  visibleDocuments,
} from "../db/messages.ts";
import { type Tx, withTenant } from "../db/tenant-context.ts";
import { rowVisible, type VisibleTable } from "../db/visible-rows.ts";
import { conflict, forbidden, notFound, unprocessable } from "../errors.ts";
import { pgError } from "../http/error-handler.ts";
import { consumeMessageSend } from "../http/rate-limit.ts";
import { notify } from "../notifications/notify.ts";
import { isUserOnline } from "../realtime/presence.ts";
import type { Runtime } from "../runtime.ts";
import { renderMessageHtml } from "./render.ts";

/** The table each message context type names (checked under the sender's RLS context). */
const CONTEXT_TABLES: Record<MessageContextType, VisibleTable> = {
  work_order: "work_orders",
  elevator: "elevators",
  site: "sites",
  service_request: "service_requests",
  tenant: "tenants",
  forum_thread: "forum_threads",
  job_listing: "job_listings",
  job_application: "job_applications",
};

export const messageView = (row: MessageRow): MessageView => ({
  ...row,
  content_html: renderMessageHtml(row.content),
});

/**
 * Sends a direct message: the one command behind POST /api/v1/messages and the socket's
 * `message.send` (docs/messaging.md). In order: sessions only, the sender's per-minute
 * limit, then as the sender under RLS: the recipient must be reachable (app_may_message),
 * a given conversation must be theirs, a context and attachments must be visible, the row
 * is written (its `message.created` event reaches both users' rooms from the outbox), and
 * a recipient with no socket connected anywhere is notified.
 *
 * The checks and the insert are one statement, send_direct_message() (migrations/0109).
 * The common case (recipient online, no context link) is that statement alone on
 * `runtime.commandDb`: one round trip to Postgres. A context link (checked with
 * rowVisible, the same rule as realtime admission) or an offline recipient (whose
 * notification is written in the same transaction) takes a withTenant transaction around it.
 * Throws AppErrors (404 recipient/conversation/context, 422 attachments, 429, 403).
 */
export async function sendMessage(
  runtime: Runtime,
  principal: Principal,
  input: SendMessageInput,
): Promise<MessageView> {
  if (principal.kind !== "user") throw forbidden("API keys cannot send or read messages");
  // Both Redis round trips at once, before any transaction (none waits on Redis holding locks).
  const [, online] = await Promise.all([
    consumeMessageSend(runtime, principal.userId),
    isUserOnline(runtime.redis, runtime.env.REDIS_KEY_PREFIX, input.recipient_id).catch(
      () => false,
    ),
  ]);
  const recipientSeesAttachments = input.attachment_document_ids
    ? await documentsVisibleTo(runtime, input.recipient_id, input.attachment_document_ids)
    : true;
  const tenant = tenantOf(principal);
  const message = {
    ...input,
    thread_id: input.new_conversation ? null : (input.thread_id ?? null),
  };
  const context = input.context_type && input.context_id ? input.context_type : null;
  try {
    if (online && !context) {
      const { row } = await sendDirectMessage(runtime.commandDb, tenant, message, {
        contextVisible: true,
        recipientSeesAttachments,
      });
      return messageView(row);
    }
    return await withTenant(runtime.db, tenant, async (tx) => {
      // A link to a row the sender cannot see would leak that it exists (and what it is).
      const contextVisible =
        !context || !input.context_id
          ? true
          : await rowVisible(tx, CONTEXT_TABLES[context], input.context_id);
      const { row, replayed } = await sendDirectMessage(tx, tenant, message, {
        contextVisible,
        recipientSeesAttachments,
      });
      // A replayed send was notified (or not) when it was first written.
      if (!online && !replayed) await notifyOfflineRecipient(tx, row);
      return messageView(row);
    });
  } catch (err) {
    throw refusalOf(err, input) ?? err;
  }
}

/** send_direct_message()'s refusals (SQLSTATE SM404, SM409, SM422) as the API's errors. */
function refusalOf(err: unknown, input: SendMessageInput) {
  const pg = pgError(err);
  if (pg?.code === "SM404") {
    return notFound(
      pg.message === "context" ? `${input.context_type} ${input.context_id}` : pg.message,
    );
  }
  if (pg?.code === "SM409") {
    return conflict("idempotency_key was already used for a different message");
  }
  if (pg?.code === "SM422") {
    return unprocessable("attachment_document_ids must name documents both of you may see");
  }
  return null;
}

/** Under the recipient's own RLS context, in a short read-only transaction of its own. */
async function documentsVisibleTo(runtime: Runtime, userId: string, ids: readonly string[]) {
  const unique = [...new Set(ids)];
  const organizationId = await organizationOfUser(runtime.serviceDb, userId);
  const seen = await withTenant(runtime.db, { organizationId, userId }, (tx) =>
    visibleDocuments(tx, unique),
  );
  return seen === unique.length;
}

/**
 * One notification per run of unread messages in a conversation: the dedupe key is the
 * first message of the run the recipient has not read, so ten messages sent while they are
 * away notify once, and the next message after they read them notifies again.
 */
async function notifyOfflineRecipient(tx: Tx, row: MessageRow) {
  // Sent at the same moment as another message, this one may see a different "first"; the
  // other's notification, committed before this insert could lock the conversation, is
  // visible here and is the run's.
  if (await messageNotificationPending(tx, row.thread_id, row.recipient_id)) return;
  const first = await firstUnreadSent(tx, row.thread_id, row.recipient_id);
  const sender = await ownDisplayName(tx);
  await notify(tx, {
    userIds: [row.recipient_id],
    type: "message_received",
    title: `New message from ${sender}`,
    body: row.content.length > 300 ? `${row.content.slice(0, 299)}…` : row.content,
    link: { type: "conversation", id: row.thread_id, url: `/messages/${row.thread_id}` },
    dedupeKey: `message_received:${row.thread_id}:${first}`,
  });
}
