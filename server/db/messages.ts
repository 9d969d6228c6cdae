import { type CommonQueryMethods, type DatabasePool, sql } from "slonik";
import { z } from "zod";
import {
  ConversationPartner,
  MessageRow,
  type SendMessageInput,
} from "../../shared/schemas/message.ts";
import { invalidRequest } from "../errors.ts";
import type { Page } from "./keyset.ts";
import type { TenantContext, Tx } from "./tenant-context.ts";

/**
 * Direct messages and conversations (migrations/0009, 0091; docs/messaging.md). Everything
 * here runs under the caller's RLS context: a message is visible to its sender and
 * recipient only, a conversation row to its user only.
 */

const COLUMNS = sql.fragment`m.id, m.sender_id, m.recipient_id, m.thread_id, m.subject, m.content,
  m.attachment_document_ids, m.context_type, m.context_id, m.is_read, m.read_at, m.created_at`;

const Exists = z.object({ exists: z.boolean() });
const Count = z.object({ n: z.number() });

/** Whether the caller may message this user (app_may_message(), migrations/0091). */
export function mayMessage(tx: Tx, recipientId: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`SELECT app_may_message(${recipientId}) AS exists`);
}

/** How many of these documents the caller may see (documents RLS), not deleted. */
export function visibleDocuments(tx: Tx, ids: readonly string[]): Promise<number> {
  return tx.oneFirst(sql.type(Count)`
    SELECT count(*)::int AS n FROM documents
     WHERE id = ANY(${sql.array(ids, "uuid")}) AND deleted_at IS NULL`);
}

/** What the caller has already decided about a send (see send_direct_message()). */
export type SendChecks = {
  /** A context link names a row the sender may see (rowVisible under their context). */
  contextVisible: boolean;
  /** The recipient may see every attachment (asked under the recipient's context). */
  recipientSeesAttachments: boolean;
};

const SentRow = MessageRow.extend({ replayed: z.boolean() });

/**
 * Checks and writes a message in one statement as `tenant` (send_direct_message(),
 * migrations/0109): on `runtime.commandDb` a transaction of its own, one round trip;
 * inside withTenant, part of that transaction. A refusal throws the function's SQLSTATE
 * SM404/SM409/SM422 (server/messages/send.ts turns them into AppErrors); nothing is
 * written. `replayed`: the send's idempotency key was used before and `row` is that send's.
 */
export async function sendDirectMessage(
  db: CommonQueryMethods,
  tenant: TenantContext,
  input: Omit<SendMessageInput, "thread_id"> & { thread_id: string | null },
  checks: SendChecks,
): Promise<{ row: MessageRow; replayed: boolean }> {
  const attachments = input.attachment_document_ids
    ? sql.array(input.attachment_document_ids, "uuid")
    : null;
  const { replayed, ...row } = await db.one(sql.type(SentRow)`
    SELECT ${COLUMNS}, r.replayed
      FROM send_direct_message(
        ${tenant.organizationId ?? ""}, ${tenant.userId ?? ""}, ${input.recipient_id},
        ${input.content}, ${input.thread_id}, ${input.new_conversation ?? false},
        ${input.subject ?? null}, ${input.context_type ?? null}, ${input.context_id ?? null},
        ${checks.contextVisible}, ${attachments}, ${checks.recipientSeesAttachments},
        ${input.idempotency_key ?? null}) r
     CROSS JOIN LATERAL (SELECT (r.message).*) m`);
  return { row, replayed };
}

export function findMessage(tx: Tx, id: string): Promise<MessageRow | null> {
  return tx.maybeOne(sql.type(MessageRow)`SELECT ${COLUMNS} FROM messages m WHERE m.id = ${id}`);
}

/**
 * The oldest message from the caller to `recipientId` in the conversation that the
 * recipient has not read: the start of the current unread run (the notification of an
 * offline recipient is keyed on it, so a run of messages notifies once).
 */
export function firstUnreadSent(tx: Tx, threadId: string, recipientId: string) {
  return tx.oneFirst(sql.type(z.object({ id: z.string() }))`
    SELECT m.id FROM messages m
     WHERE m.thread_id = ${threadId} AND m.recipient_id = ${recipientId}
       AND m.sender_id = app_current_user() AND m.is_read = false
     ORDER BY m.created_at, m.id LIMIT 1`);
}

/**
 * Whether the recipient already has an unread `message_received` notification of the
 * conversation (migration 0106; for a participant of it only). Asked after the message's
 * insert, which waited for every earlier send of the conversation to commit.
 */
export function messageNotificationPending(tx: Tx, threadId: string, recipientId: string) {
  return tx.oneFirst(sql.type(z.object({ pending: z.boolean() }))`
    SELECT message_notification_pending(${threadId}, ${recipientId}) AS pending`);
}

/**
 * Marks messages to the caller read (`which`: ids, or a whole conversation), and the
 * caller's `message_received` notifications of each conversation left with nothing
 * unread. Only the recipient marks a message read; already-read ones are not counted.
 * Each message read streams `message.read` (with read_at) to both participants.
 */
async function markRead(tx: Tx, which: ReturnType<typeof sql.fragment>): Promise<number> {
  return tx.oneFirst(sql.type(Count)`
    WITH updated AS (
      UPDATE messages SET is_read = true, read_at = now()
       WHERE ${which} AND recipient_id = app_current_user() AND is_read = false
      RETURNING id, thread_id),
    seen AS (
      UPDATE notifications n SET is_read = true, read_at = now()
       WHERE n.user_id = app_current_user() AND n.notification_type = 'message_received'
         AND n.is_read = false AND n.link_id IN (SELECT thread_id FROM updated)
         AND NOT EXISTS (SELECT 1 FROM messages m
                          WHERE m.recipient_id = app_current_user() AND m.thread_id = n.link_id
                            AND m.is_read = false AND m.id NOT IN (SELECT id FROM updated))
      RETURNING 1)
    SELECT count(*)::int AS n FROM updated`);
}

export const markMessagesRead = (tx: Tx, ids: readonly string[]) =>
  markRead(tx, sql.fragment`id = ANY(${sql.array(ids, "uuid")})`);

export const markConversationRead = (tx: Tx, threadId: string) =>
  markRead(tx, sql.fragment`thread_id = ${threadId}`);

export function countUnreadMessages(tx: Tx): Promise<number> {
  return tx.oneFirst(sql.type(Count)`
    SELECT count(*)::int AS n FROM messages
     WHERE recipient_id = app_current_user() AND is_read = false`);
}

/**
 * Keyset cursors of conversations and histories. Unlike the resource lists they compare
 * the full microsecond timestamp (carried in the cursor as an integer), so the ORDER BY
 * is on the bare indexed columns and a page is an index range at any history length.
 */
const Position = z.tuple([z.string(), z.string().regex(/^-?\d{1,20}$/), z.uuid()]);

function encodePosition(kind: string, micros: string, id: string): string {
  return Buffer.from(JSON.stringify([kind, micros, id])).toString("base64url");
}

function decodePosition(kind: string, cursor: string | null | undefined) {
  if (!cursor) return null;
  let decoded: unknown = null;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    // not JSON: refused below
  }
  const parsed = Position.safeParse(decoded);
  if (!parsed.success || parsed.data[0] !== kind) {
    throw invalidRequest("query.cursor: Invalid cursor", [
      { path: "query.cursor", message: "Invalid cursor" },
    ]);
  }
  return {
    at: sql.fragment`(timestamptz 'epoch' + ${parsed.data[1]}::bigint * interval '1 microsecond')`,
    id: parsed.data[2],
  };
}

const micros = (column: ReturnType<typeof sql.fragment>) =>
  sql.fragment`(extract(epoch FROM ${column}) * 1000000)::bigint::text`;

function pageFrom<T>(
  kind: string,
  rows: readonly (T & { position: string; key: string })[],
  limit: number,
) {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return {
    data,
    next_cursor: rows.length > limit && last ? encodePosition(kind, last.position, last.key) : null,
  };
}

const ConversationRow = z.object({
  thread_id: z.string(),
  other_user_id: z.string(),
  last_message_id: z.string(),
  unread_count: z.number(),
  position: z.string(),
  key: z.string(),
});
export type ConversationRow = z.infer<typeof ConversationRow>;

/**
 * A page of the caller's conversations, most recent first: an index range of
 * conversations (idx_conversations_recent), each with its unread count
 * (idx_messages_unread_thread). Their last messages are read by id afterwards.
 */
export async function listConversations(tx: Tx, page: Page) {
  const after = decodePosition("conversations", page.cursor);
  const rows = await tx.any(sql.type(ConversationRow)`
    SELECT c.thread_id, c.other_user_id, c.last_message_id,
           (SELECT count(*)::int FROM messages u
             WHERE u.recipient_id = app_current_user() AND u.thread_id = c.thread_id
               AND u.is_read = false) AS unread_count,
           ${micros(sql.fragment`c.last_message_at`)} AS position, c.thread_id::text AS key
      FROM conversations c
     WHERE c.user_id = app_current_user()
       ${after ? sql.fragment`AND (c.last_message_at, c.thread_id) < (${after.at}, ${after.id}::uuid)` : sql.fragment``}
     ORDER BY c.last_message_at DESC, c.thread_id DESC
     LIMIT ${page.limit + 1}`);
  return pageFrom("conversations", rows, page.limit);
}

export function messagesByIds(tx: Tx, ids: readonly string[]) {
  return tx.any(sql.type(MessageRow)`
    SELECT ${COLUMNS} FROM messages m WHERE m.id = ANY(${sql.array(ids, "uuid")})`);
}

const HistoryRow = MessageRow.extend({ position: z.string(), key: z.string() });

/**
 * One page of a conversation's messages, newest first: the page's ids along
 * idx_messages_thread_created (conversation_page_ids(), migration 0101: for participants
 * only), then those rows under the messages policy as always.
 */
export async function conversationHistory(tx: Tx, threadId: string, page: Page) {
  const after = decodePosition(`history:${threadId}`, page.cursor);
  const rows = await tx.any(sql.type(HistoryRow)`
    SELECT ${COLUMNS}, ${micros(sql.fragment`m.created_at`)} AS position, m.id::text AS key
      FROM messages m
     WHERE m.id IN (SELECT p.id FROM conversation_page_ids(
                      ${threadId}, ${after ? after.at : null}, ${after ? after.id : null},
                      ${page.limit + 1}) p)
     ORDER BY m.created_at DESC, m.id DESC`);
  return pageFrom(`history:${threadId}`, rows, page.limit);
}

/** Whether the caller takes part in the conversation. */
export function inConversation(tx: Tx, threadId: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (SELECT 1 FROM conversations
                    WHERE user_id = app_current_user() AND thread_id = ${threadId}) AS exists`);
}

/** Names and avatars of the caller's conversation partners (conversation_partners()). */
export function conversationPartners(tx: Tx, ids: readonly string[]) {
  return tx.any(sql.type(ConversationPartner)`
    SELECT id, display_name, first_name, last_name, avatar_url
      FROM conversation_partners(${sql.array(ids, "uuid")})`);
}

/** How the caller is named to others (display name, else full name, else e-mail). */
export function ownDisplayName(tx: Tx): Promise<string> {
  return tx.oneFirst(sql.type(z.object({ name: z.string() }))`
    SELECT coalesce(nullif(trim(display_name), ''),
                    nullif(trim(concat_ws(' ', first_name, last_name)), ''),
                    email) AS name
      FROM users WHERE id = app_current_user()`);
}

/** A user's organisation (service role: the recipient may be in another organisation). */
export async function organizationOfUser(serviceDb: DatabasePool, userId: string) {
  const row = await serviceDb.maybeOne(sql.type(
    z.object({ organization_id: z.string().nullable() }),
  )`
    SELECT organization_id FROM users WHERE id = ${userId}`);
  return row?.organization_id ?? null;
}
