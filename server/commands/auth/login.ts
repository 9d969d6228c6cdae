import type { Request } from "express";
import { recordAudit } from "../../audit/record.ts";
import { verifyPassword } from "../../auth/passwords.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { findLoginCandidate, markUserLoggedIn, type UserRow } from "../../db/users.ts";
import { unauthorized } from "../../errors.ts";
import { loginGuard } from "../../http/rate-limit.ts";
import type { Runtime } from "../../runtime.ts";
import { clientOf, openSession, type TokenPair } from "./session.ts";

/** One message for every failure, so the response never says whether the email exists. */
export const LOGIN_FAILED = "Invalid email or password";

/**
 * Email + password login. Order matters: the brute-force check comes first (a blocked
 * client gets 429 without us verifying anything), an unknown email still runs argon2
 * against a dummy hash (same timing), and every failure (unknown email, wrong
 * password, no password yet, deactivated or deleted user) gives the same 401.
 */
export async function login(
  runtime: Runtime,
  req: Request,
  input: { email: string; password: string },
): Promise<TokenPair & { user: UserRow }> {
  const email = input.email.trim().toLowerCase();
  const client = clientOf(req);
  const ipKey = client.ip ?? "unknown";
  const guard = loginGuard(runtime);
  await guard.check(email, ipKey);

  // Service pool: nobody is known yet, and RLS hides every users row without a context.
  const candidate = await findLoginCandidate(runtime.serviceDb, email);
  const passwordOk = await verifyPassword(candidate?.password_hash ?? null, input.password);
  if (!candidate || !passwordOk || !candidate.usable) {
    await guard.fail(email, ipKey);
    throw unauthorized(LOGIN_FAILED);
  }
  await guard.succeed(email);

  const context = { organizationId: candidate.organization_id, userId: candidate.id };
  return withTenant(runtime.db, context, async (tx) => {
    const user = await markUserLoggedIn(tx, candidate.id);
    const { sessionId, tokens } = await openSession(
      tx,
      runtime.env,
      { id: candidate.id, organizationId: candidate.organization_id },
      client,
    );
    await recordAudit(
      tx,
      {
        actorId: candidate.id,
        actorType: "user",
        actorEmail: user.email,
        ip: client.ip,
        userAgent: client.userAgent,
        requestId: req.id ? String(req.id) : null,
      },
      {
        organizationId: candidate.organization_id,
        eventType: "user_login",
        entityType: "user_session",
        entityId: sessionId,
        data: { method: "password" },
      },
    );
    return { ...tokens, user };
  });
}
