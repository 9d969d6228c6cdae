import { type CommonQueryMethods, type DatabasePool, sql } from "slonik";
import { z } from "zod";

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
  tenant_portal: z.boolean(),
});
export type SessionCredential = z.infer<typeof SessionCredential>;

/**
 * A session with its user's current state, under the token's own RLS context, and whether
 * a tenant the user can see names them as its portal user: one statement,
 * session_credential() (migrations/0110), which sets that context transaction-locally.
 * Pass a pool without DISCARD ALL (runtime.commandDb): the call is its own transaction and
 * leaves no session state, so the whole check is one round trip.
 */
export async function findSessionCredential(
  db: CommonQueryMethods,
  context: { organizationId: string | null; userId: string; sessionId: string },
): Promise<SessionCredential | null> {
  return db.maybeOne(sql.type(SessionCredential)`
    SELECT * FROM session_credential(${context.organizationId}, ${context.userId}, ${context.sessionId})`);
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
