import { type DatabaseTransactionConnection, sql } from "slonik";
import { z } from "zod";

/**
 * The hub's tenant-facing SQL. Every function runs inside withTenant() under the user's
 * RLS context, so "visible" means exactly what the REST API would show that user.
 * (Messages/notifications writes live here until server/db/messages.ts exists.)
 */
type Tx = DatabaseTransactionConnection;

const Exists = z.object({ exists: z.boolean() });
const Staff = z.object({ staff: z.boolean() });

export async function isTenantPortalUser(tx: Tx): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (SELECT 1 FROM tenants t WHERE t.portal_user_id = app_current_user()) AS exists`);
}

export async function siteVisible(tx: Tx, id: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (SELECT 1 FROM sites s WHERE s.id = ${id} AND s.deleted_at IS NULL) AS exists`);
}

export async function elevatorVisible(tx: Tx, id: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (SELECT 1 FROM elevators e WHERE e.id = ${id} AND e.deleted_at IS NULL) AS exists`);
}

export async function workOrderVisible(tx: Tx, id: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (SELECT 1 FROM work_orders w WHERE w.id = ${id}) AS exists`);
}

/** The caller is the portal user of a tenant whose service request is linked to it. */
export async function workOrderLinkedToMyServiceRequest(tx: Tx, id: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (
      SELECT 1 FROM service_requests sr JOIN tenants t ON t.id = sr.tenant_id
       WHERE sr.assigned_work_order_id = ${id}
         AND t.portal_user_id = app_current_user()) AS exists`);
}

export async function forumCategoryVisible(tx: Tx, id: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (
      SELECT 1 FROM forum_categories c WHERE c.id = ${id} AND c.is_active IS NOT FALSE) AS exists`);
}

export async function forumThreadVisible(tx: Tx, id: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (
      SELECT 1 FROM forum_threads t WHERE t.id = ${id} AND t.deleted_at IS NULL) AS exists`);
}

/** null when invisible; staff = the caller's organisation owns the request's site. */
export async function serviceRequestAccess(tx: Tx, id: string): Promise<{ staff: boolean } | null> {
  return tx.maybeOne(sql.type(Staff)`
    SELECT EXISTS (SELECT 1 FROM sites s WHERE s.id = sr.site_id) AS staff
      FROM service_requests sr WHERE sr.id = ${id}`);
}

export async function tenantAccess(tx: Tx, id: string): Promise<{ staff: boolean } | null> {
  return tx.maybeOne(sql.type(Staff)`
    SELECT EXISTS (SELECT 1 FROM sites s WHERE s.id = t.site_id) AS staff
      FROM tenants t WHERE t.id = ${id}`);
}

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

export const MessageRow = z.object({
  id: z.string(),
  sender_id: z.string(),
  recipient_id: z.string(),
  thread_id: z.string().nullable(),
  subject: z.string().nullable(),
  content: z.string(),
  attachment_document_ids: z.array(z.string()).nullable(),
  context_type: z.string().nullable(),
  context_id: z.string().nullable(),
  is_read: z.boolean().nullable(),
  read_at: z.string().nullable(),
  created_at: z.string().nullable(),
});
export type MessageRow = z.infer<typeof MessageRow>;

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

export async function markNotificationsRead(
  tx: Tx,
  ids: readonly string[] | "all",
): Promise<number> {
  const which =
    ids === "all" ? sql.fragment`TRUE` : sql.fragment`id = ANY(${sql.array(ids, "uuid")})`;
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    UPDATE notifications SET is_read = true, read_at = now()
     WHERE ${which}
       AND user_id = app_current_user()
       AND is_read IS NOT TRUE
    RETURNING id`);
  return rows.length;
}
