import { timingSafeEqual } from "node:crypto";
import type { Request } from "express";
import { recordAudit } from "../../audit/record.ts";
import { newRefreshToken, parseRefreshToken, sha256 } from "../../auth/tokens.ts";
import {
  lockSessionForRefresh,
  revokeSession,
  rotateRefreshToken,
} from "../../db/user-sessions.ts";
import { AppError } from "../../errors.ts";
import type { Runtime } from "../../runtime.ts";
import { clientOf, signPair, type TokenPair } from "./session.ts";

const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const refreshFailed = () => new AppError(401, "unauthorized", "The refresh token is not valid");

/**
 * Rotates a refresh token: each one works once. The session row is locked for the whole
 * check-and-rotate, so two concurrent uses of one token cannot both succeed.
 *
 * Presenting a token that the server really issued for this session (its MAC checks,
 * see tokens.ts) but whose hash no longer matches the session (an older, already-used
 * token of a live session) means it was copied: whoever holds the newer token may be the
 * thief, so the whole session is revoked (reuse detection) and both tokens stop working.
 *
 * Runs on the service pool: the refresh token is the only credential presented, so
 * there is no access token and no RLS context yet. The token names its session, and
 * nothing but that one row (and its user) is read or written.
 */
export async function refresh(
  runtime: Runtime,
  req: Request,
  refreshToken: string,
): Promise<TokenPair> {
  const parsed = parseRefreshToken(runtime.env.JWT_SECRET, refreshToken);
  if (!parsed) throw refreshFailed();
  const presentedHash = sha256(refreshToken);

  const outcome = await runtime.serviceDb.transaction(async (tx) => {
    const session = await lockSessionForRefresh(tx, parsed.sessionId);
    if (!session?.usable || !session.refresh_token_hash) return { kind: "invalid" } as const;
    if (!sameHash(session.refresh_token_hash, presentedHash)) {
      await revokeSession(tx, session.id);
      const client = clientOf(req);
      await recordAudit(
        tx,
        {
          actorId: session.user_id,
          actorType: "user",
          ip: client.ip,
          userAgent: client.userAgent,
          requestId: req.id ? String(req.id) : null,
        },
        {
          organizationId: session.organization_id,
          eventType: "user_logout",
          entityType: "user_session",
          entityId: session.id,
          data: { reason: "refresh_token_reuse" },
        },
      );
      return { kind: "reused" } as const;
    }
    const nextToken = newRefreshToken(runtime.env.JWT_SECRET, session.id);
    await rotateRefreshToken(tx, session.id, sha256(nextToken));
    const tokens = await signPair(
      runtime.env,
      { userId: session.user_id, organizationId: session.organization_id, sessionId: session.id },
      nextToken,
    );
    return { kind: "rotated", tokens } as const;
  });
  // Thrown after COMMIT, so the reuse revocation is kept.
  if (outcome.kind !== "rotated") throw refreshFailed();
  return outcome.tokens;
}
