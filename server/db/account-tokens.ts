import { type DatabasePool, sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/**
 * One-time tokens mailed to a user (migration 0080): password reset and e-mail
 * verification. Only SHA-256 hashes are stored. Written and used under the user's own
 * context; the look-up by hash, before any context exists, uses the service pool.
 */
export type AccountTokenPurpose = "password_reset" | "email_verification";

export async function insertAccountToken(
  tx: Tx,
  token: {
    user_id: string;
    purpose: AccountTokenPurpose;
    email: string;
    token_hash: string;
    ttlMinutes: number;
    requested_ip: string | null;
  },
): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    INSERT INTO user_account_tokens (user_id, purpose, email, token_hash, expires_at, requested_ip)
    VALUES (${token.user_id}, ${token.purpose}, ${token.email}, ${token.token_hash},
            now() + make_interval(mins => ${token.ttlMinutes}), ${token.requested_ip}::inet)`);
}

const TokenOwner = z.object({
  id: z.string(),
  user_id: z.string(),
  organization_id: z.string().nullable(),
});

/** Whose token this is (and their organisation, for the context), by hash: service pool. */
export async function findAccountTokenOwner(
  serviceDb: DatabasePool,
  purpose: AccountTokenPurpose,
  tokenHash: string,
): Promise<z.infer<typeof TokenOwner> | null> {
  return serviceDb.maybeOne(sql.type(TokenOwner)`
    SELECT t.id, t.user_id, u.organization_id
      FROM user_account_tokens t JOIN users u ON u.id = t.user_id
     WHERE t.token_hash = ${tokenHash} AND t.purpose = ${purpose}`);
}

/**
 * Marks an unused, unexpired token used and returns the address it was sent to; null
 * when it was already used (also by a racing request) or has expired.
 */
export async function consumeAccountToken(tx: Tx, id: string): Promise<{ email: string } | null> {
  return tx.maybeOne(sql.type(z.object({ email: z.string() }))`
    UPDATE user_account_tokens SET used_at = now()
     WHERE id = ${id} AND used_at IS NULL AND expires_at > now()
     RETURNING email`);
}

/** Voids a user's other open tokens of a purpose (a reset used; a newer link sent). */
export async function voidAccountTokens(
  tx: Tx,
  userId: string,
  purpose: AccountTokenPurpose,
): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    UPDATE user_account_tokens SET used_at = now()
     WHERE user_id = ${userId} AND purpose = ${purpose} AND used_at IS NULL`);
}
