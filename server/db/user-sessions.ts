import { type DatabaseTransactionConnection, sql } from "slonik";
import { z } from "zod";
import {
  keysetAfter,
  keysetOrder,
  NEWEST_FIRST,
  type Page,
  pageOf,
  parseCursor,
} from "./keyset.ts";
import type { Tx } from "./tenant-context.ts";

/**
 * Sessions are revoked with plain UPDATEs (is_active = false, revoked_at = now()):
 * authenticate() checks the row on every request, and the realtime hub ends sockets from
 * these row changes, so an UPDATE is all revocation needs.
 */

export async function insertSession(
  tx: Tx,
  session: {
    id: string;
    user_id: string;
    session_token_hash: string;
    refresh_token_hash: string;
    ttlDays: number;
    ip_address: string | null;
    browser: string | null;
    os: string | null;
    device_type: string | null;
    device_name: string | null;
  },
): Promise<{ expires_at: string }> {
  return tx.one(sql.type(z.object({ expires_at: z.string() }))`
    INSERT INTO user_sessions (id, user_id, session_token_hash, refresh_token_hash, expires_at,
                               ip_address, browser, os, device_type, device_name)
    VALUES (${session.id}, ${session.user_id}, ${session.session_token_hash},
            ${session.refresh_token_hash}, now() + make_interval(days => ${session.ttlDays}),
            ${session.ip_address}::inet, ${session.browser}, ${session.os},
            ${session.device_type}, ${session.device_name})
    RETURNING expires_at`);
}

const RefreshCandidate = z.object({
  id: z.string(),
  user_id: z.string(),
  refresh_token_hash: z.string().nullable(),
  usable: z.boolean(),
  organization_id: z.string().nullable(),
});
export type RefreshCandidate = z.infer<typeof RefreshCandidate>;

/**
 * Locks a session for a refresh. Runs on the service pool: the refresh token is the only
 * credential presented (no access token, so no context yet). The row lock serialises two
 * refreshes racing with the same token, so exactly one rotates and the other is reuse.
 */
export async function lockSessionForRefresh(
  serviceTx: DatabaseTransactionConnection,
  sessionId: string,
): Promise<RefreshCandidate | null> {
  return serviceTx.maybeOne(sql.type(RefreshCandidate)`
    SELECT s.id, s.user_id, s.refresh_token_hash, u.organization_id,
           (coalesce(s.is_active, false) AND s.revoked_at IS NULL AND s.expires_at > now()
            AND coalesce(u.is_active, false) AND u.deleted_at IS NULL) AS usable
      FROM user_sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = ${sessionId}
     FOR UPDATE OF s`);
}

export async function rotateRefreshToken(
  tx: DatabaseTransactionConnection,
  sessionId: string,
  refreshTokenHash: string,
): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    UPDATE user_sessions SET refresh_token_hash = ${refreshTokenHash}, last_activity_at = now()
     WHERE id = ${sessionId}`);
}

/** Returns whether an active session was revoked. */
export async function revokeSession(
  tx: DatabaseTransactionConnection,
  sessionId: string,
): Promise<boolean> {
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    UPDATE user_sessions SET is_active = false, revoked_at = now()
     WHERE id = ${sessionId} AND is_active AND revoked_at IS NULL
     RETURNING id`);
  return rows.length > 0;
}

/** Ends every live session of a user (deactivation, removal); returns how many. */
export async function revokeUserSessions(tx: Tx, userId: string): Promise<number> {
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    UPDATE user_sessions SET is_active = false, revoked_at = now()
     WHERE user_id = ${userId} AND is_active AND revoked_at IS NULL
     RETURNING id`);
  return rows.length;
}

/** A session as its own user sees it in GET /me/sessions: never a hash. */
export const OwnSessionRow = z.object({
  id: z.string(),
  device_type: z.string().nullable(),
  device_name: z.string().nullable(),
  browser: z.string().nullable(),
  os: z.string().nullable(),
  ip_address: z.string().nullable(),
  created_at: z.string().nullable(),
  last_activity_at: z.string().nullable(),
  expires_at: z.string(),
});
export type OwnSessionRow = z.infer<typeof OwnSessionRow>;

/** The user's live sessions, newest first, keyset-paginated like every list. */
export async function listLiveSessions(
  tx: Tx,
  userId: string,
  page: Page,
): Promise<{ data: OwnSessionRow[]; next_cursor: string | null }> {
  const s = sql.identifier(["s"]);
  const rows = await tx.any(sql.type(OwnSessionRow)`
    SELECT s.id, s.device_type, s.device_name, s.browser, s.os,
           host(s.ip_address) AS ip_address, s.created_at, s.last_activity_at, s.expires_at
      FROM user_sessions s
     WHERE s.user_id = ${userId} AND s.is_active AND s.revoked_at IS NULL AND s.expires_at > now()
       AND ${keysetAfter(NEWEST_FIRST, parseCursor(NEWEST_FIRST, page.cursor), s)}
     ORDER BY ${keysetOrder(NEWEST_FIRST, s)}
     LIMIT ${page.limit + 1}`);
  return pageOf(NEWEST_FIRST, rows, page.limit);
}

/** Ends one live session of this user; false when there is none (so: 404). */
export async function revokeOwnSession(
  tx: Tx,
  userId: string,
  sessionId: string,
): Promise<boolean> {
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    UPDATE user_sessions SET is_active = false, revoked_at = now()
     WHERE id = ${sessionId} AND user_id = ${userId}
       AND is_active AND revoked_at IS NULL AND expires_at > now()
     RETURNING id`);
  return rows.length > 0;
}

/** Ends every live session of the user except `keepId` (password change); returns how many. */
export async function revokeOtherSessions(tx: Tx, userId: string, keepId: string): Promise<number> {
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    UPDATE user_sessions SET is_active = false, revoked_at = now()
     WHERE user_id = ${userId} AND id <> ${keepId} AND is_active AND revoked_at IS NULL
     RETURNING id`);
  return rows.length;
}
