import { type DatabaseTransactionConnection, sql } from "slonik";
import { z } from "zod";
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
    device_name: string | null;
  },
): Promise<{ expires_at: string }> {
  return tx.one(sql.type(z.object({ expires_at: z.string() }))`
    INSERT INTO user_sessions (id, user_id, session_token_hash, refresh_token_hash, expires_at,
                               ip_address, browser, device_name)
    VALUES (${session.id}, ${session.user_id}, ${session.session_token_hash},
            ${session.refresh_token_hash}, now() + make_interval(days => ${session.ttlDays}),
            ${session.ip_address}::inet, ${session.browser}, ${session.device_name})
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
