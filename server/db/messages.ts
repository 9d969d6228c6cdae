import { sql } from "slonik";
import { z } from "zod";
import { MessageRow } from "../../shared/schemas/message.ts";
import type { Tx } from "./tenant-context.ts";

const Exists = z.object({ exists: z.boolean() });

/** A colleague (users RLS), or someone the caller already shares a conversation with. */
export async function userReachable(tx: Tx, userId: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (
             SELECT 1 FROM users u
              WHERE u.id = ${userId} AND u.deleted_at IS NULL AND u.is_active IS NOT FALSE)
        OR EXISTS (
             SELECT 1 FROM messages m
              WHERE (m.sender_id = ${userId} AND m.recipient_id = app_current_user())
                 OR (m.recipient_id = ${userId} AND m.sender_id = app_current_user())) AS exists`);
}

export async function insertMessage(
  tx: Tx,
  input: {
    recipient_id: string;
    content: string;
    thread_id?: string | undefined;
    context_type?: string | undefined;
    context_id?: string | undefined;
  },
): Promise<MessageRow> {
  return tx.one(sql.type(MessageRow)`
    INSERT INTO messages (sender_id, recipient_id, content, thread_id, context_type, context_id)
    VALUES (app_current_user(), ${input.recipient_id}, ${input.content}, ${input.thread_id ?? null},
            ${input.context_type ?? null}, ${input.context_id ?? null})
    RETURNING id, sender_id, recipient_id, thread_id, subject, content, attachment_document_ids,
              context_type, context_id, is_read, read_at, created_at`);
}

/** Only the recipient marks a message read; already-read ones are not counted again. */
export async function markMessagesRead(tx: Tx, ids: readonly string[]): Promise<number> {
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    UPDATE messages SET is_read = true, read_at = now()
     WHERE id = ANY(${sql.array(ids, "uuid")})
       AND recipient_id = app_current_user()
       AND is_read IS NOT TRUE
    RETURNING id`);
  return rows.length;
}
