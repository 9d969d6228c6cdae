import { randomUUID } from "node:crypto";
import type { Request } from "express";
import type { AuditContext } from "../../audit/record.ts";
import { deviceOf } from "../../auth/device.ts";
import { newRefreshToken, sha256, signAccessToken } from "../../auth/tokens.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { insertSession } from "../../db/user-sessions.ts";
import type { Env } from "../../env.ts";

export type TokenPair = {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  /** Seconds until the access token expires. */
  expires_in: number;
};

/** Where a session was opened from, as the seed's user_sessions columns record it. */
export function clientOf(req: Request): { ip: string | null; userAgent: string | null } {
  // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; people know them as a.b.c.d.
  const ip = req.ip?.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1") ?? null;
  return { ip, userAgent: req.get("user-agent") ?? null };
}

/**
 * The audit actor for a flow where the user proves who they are by what they present
 * (password, e-mailed link) rather than by an access token, so no Principal exists yet.
 */
export function actingUser(
  req: Request,
  user: { id: string; email?: string | null },
): AuditContext {
  const client = clientOf(req);
  return {
    actorId: user.id,
    actorType: "user",
    actorEmail: user.email ?? null,
    ip: client.ip,
    userAgent: client.userAgent,
    requestId: req.id ? String(req.id) : null,
  };
}

export async function signPair(
  env: Env,
  claims: { userId: string; organizationId: string | null; sessionId: string },
  refreshToken: string,
): Promise<TokenPair> {
  const accessToken = await signAccessToken(env.JWT_SECRET, claims, env.ACCESS_TOKEN_TTL_SECONDS);
  return {
    access_token: accessToken,
    refresh_token: refreshToken,
    token_type: "Bearer",
    expires_in: env.ACCESS_TOKEN_TTL_SECONDS,
  };
}

/**
 * Opens a session in the caller's transaction (which must run as the user): a
 * user_sessions row holding only hashes, and the token pair that names it.
 * session_token_hash is NOT NULL in the seed; it holds sha256(session id), since the
 * access token itself is a JWT that names the session rather than a stored secret.
 */
export async function openSession(
  tx: Tx,
  env: Env,
  user: { id: string; organizationId: string | null },
  client: { ip: string | null; userAgent: string | null },
): Promise<{ sessionId: string; tokens: TokenPair }> {
  const sessionId = randomUUID();
  const refreshToken = newRefreshToken(env.JWT_SECRET, sessionId);
  await insertSession(tx, {
    id: sessionId,
    user_id: user.id,
    session_token_hash: sha256(sessionId),
    refresh_token_hash: sha256(refreshToken),
    ttlDays: env.REFRESH_TOKEN_TTL_DAYS,
    ip_address: client.ip,
    ...deviceOf(client.userAgent),
  });
  const tokens = await signPair(
    env,
    { userId: user.id, organizationId: user.organizationId, sessionId },
    refreshToken,
  );
  return { sessionId, tokens };
}
