import type { DatabasePool } from "slonik";
import { ROLES, type Role } from "../../shared/permissions.ts";
import { findApiKeysByPrefix, findSessionCredential, touchApiKey } from "../db/credentials.ts";
import { parseApiKey, sha256, TokenError, verifyAccessToken } from "./tokens.ts";

/** Who is calling: a user's session, or an integration's API key acting for its creator. */
export type Principal = {
  kind: "user" | "api_key";
  userId: string;
  organizationId: string | null;
  role: Role;
  sessionId: string | null;
  apiKeyId: string | null;
  /** API keys only: the permissions the key was granted (a subset of its creator's). */
  scopes: string[] | null;
  rateLimitPerHour: number | null;
  /** Access tokens only: seconds since epoch when the token stops working. */
  expiresAt: number | null;
  /**
   * Sessions only (null for API keys, whose callers ask the database): a tenant the user
   * can see names them as its portal user, read with the credential. Such users never
   * watch their organisation's dispatch board (server/realtime/authorize.ts); a socket
   * keeps it for its life because gaining or losing portal access ends the user's sockets
   * (migrations/0052, 0110).
   */
  tenantPortal: boolean | null;
};

export type AuthFailure = "unauthorized" | "token_expired" | "session_revoked";
export class AuthError extends Error {
  readonly reason: AuthFailure;
  constructor(reason: AuthFailure) {
    super(reason);
    this.reason = reason;
  }
}

const asRole = (r: string | null): Role =>
  (ROLES as readonly string[]).includes(r ?? "") ? (r as Role) : "guest";

/**
 * `commandDb`: a request-role pool without DISCARD ALL (runtime.commandDb), so a session's
 * check is one round trip; API keys are read on the service pool.
 */
export type AuthDeps = { commandDb: DatabasePool; serviceDb: DatabasePool; jwtSecret: string };

/** The deps `authenticate` needs, from the runtime. */
export const authDeps = (runtime: {
  commandDb: DatabasePool;
  serviceDb: DatabasePool;
  env: { JWT_SECRET: string };
}): AuthDeps => ({
  commandDb: runtime.commandDb,
  serviceDb: runtime.serviceDb,
  jwtSecret: runtime.env.JWT_SECRET,
});

/**
 * Checks a bearer credential against the database on every call, so logout, session
 * revocation, deactivation and removal from the organisation take effect at once.
 */
export async function authenticate(deps: AuthDeps, bearer: string): Promise<Principal> {
  if (bearer.startsWith("ssk_")) return authenticateApiKey(deps.serviceDb, bearer);
  let claims: Awaited<ReturnType<typeof verifyAccessToken>>;
  try {
    claims = await verifyAccessToken(deps.jwtSecret, bearer);
  } catch (err) {
    throw new AuthError(err instanceof TokenError ? err.reason : "unauthorized");
  }
  const row = await findSessionCredential(deps.commandDb, {
    organizationId: claims.org,
    userId: claims.sub,
    sessionId: claims.sid,
  });
  if (!row) throw new AuthError("session_revoked");
  const ended =
    !row.session_active ||
    row.revoked_at !== null ||
    Date.parse(row.expires_at) <= Date.now() ||
    !row.user_active ||
    row.deleted_at !== null ||
    row.organization_id !== claims.org;
  if (ended) throw new AuthError("session_revoked");
  return {
    kind: "user",
    userId: claims.sub,
    organizationId: claims.org,
    role: asRole(row.role),
    sessionId: claims.sid,
    apiKeyId: null,
    scopes: null,
    rateLimitPerHour: null,
    expiresAt: claims.exp,
    tenantPortal: row.tenant_portal,
  };
}

async function authenticateApiKey(serviceDb: DatabasePool, token: string): Promise<Principal> {
  const parsed = parseApiKey(token);
  if (!parsed) throw new AuthError("unauthorized");
  const rows = await findApiKeysByPrefix(serviceDb, parsed.prefix);
  const hash = sha256(token);
  const key = rows.find((r) => r.key_hash === hash);
  if (!key) throw new AuthError("unauthorized");
  const usable =
    key.is_active &&
    key.revoked_at === null &&
    (key.expires_at === null || Date.parse(key.expires_at) > Date.now()) &&
    key.creator_active &&
    key.creator_org === key.organization_id;
  if (!usable) throw new AuthError("session_revoked");
  // last_used_at is informational; a lost update here is harmless.
  void touchApiKey(serviceDb, key.id).catch(() => {});
  return {
    kind: "api_key",
    userId: key.created_by,
    organizationId: key.organization_id,
    role: asRole(key.creator_role),
    sessionId: null,
    apiKeyId: key.id,
    scopes: key.scopes ?? [],
    rateLimitPerHour: key.rate_limit_per_hour,
    expiresAt: null,
    tenantPortal: null,
  };
}
