import { type DatabasePool, sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/**
 * The reads behind authenticating a bearer credential on every request
 * (server/auth/principal.ts decides what they mean).
 */

const SessionCredential = z.object({
  session_active: z.boolean().nullable(),
  revoked_at: z.string().nullable(),
  expires_at: z.string(),
  user_active: z.boolean().nullable(),
  deleted_at: z.string().nullable(),
  organization_id: z.string().nullable(),
  role: z.string().nullable(),
});
export type SessionCredential = z.infer<typeof SessionCredential>;

/** A session with its user's current state, under the token's own RLS context. */
export async function findSessionCredential(
  tx: Tx,
  sessionId: string,
  userId: string,
): Promise<SessionCredential | null> {
  return tx.maybeOne(sql.type(SessionCredential)`
    SELECT s.is_active AS session_active, s.revoked_at, s.expires_at,
           u.is_active AS user_active, u.deleted_at, u.organization_id, u.role
      FROM user_sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = ${sessionId} AND s.user_id = ${userId}`);
}

const ApiKeyCredential = z.object({
  id: z.string(),
  organization_id: z.string(),
  created_by: z.string(),
  key_hash: z.string(),
  scopes: z.array(z.string()).nullable(),
  rate_limit_per_hour: z.number().nullable(),
  is_active: z.boolean().nullable(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  creator_active: z.boolean().nullable(),
  creator_org: z.string().nullable(),
  creator_role: z.string().nullable(),
});
export type ApiKeyCredential = z.infer<typeof ApiKeyCredential>;

/**
 * The keys with this prefix and their creators' current state. Before any request context
 * exists (the key is how it becomes known), hence the service pool.
 */
export async function findApiKeysByPrefix(
  serviceDb: DatabasePool,
  prefix: string,
): Promise<readonly ApiKeyCredential[]> {
  return serviceDb.any(sql.type(ApiKeyCredential)`
    SELECT k.id, k.organization_id, k.created_by, k.key_hash, k.scopes, k.rate_limit_per_hour,
           k.is_active, k.expires_at, k.revoked_at,
           u.is_active AS creator_active, u.organization_id AS creator_org, u.role AS creator_role
      FROM api_keys k JOIN users u ON u.id = k.created_by
     WHERE k.key_prefix = ${prefix}`);
}

export async function touchApiKey(serviceDb: DatabasePool, id: string): Promise<void> {
  await serviceDb.query(
    sql.type(z.object({}))`UPDATE api_keys SET last_used_at = now() WHERE id = ${id}`,
  );
}
