import type { Request } from "express";
import type { ListQuery } from "../../../shared/schemas/list.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import type { Principal } from "../../auth/principal.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { listLiveSessions, type OwnSessionRow, revokeOwnSession } from "../../db/user-sessions.ts";
import { forbidden, notFound } from "../../errors.ts";
import type { Runtime } from "../../runtime.ts";

/** Sessions are a person's devices; an integration's API key has none and sees none. */
function sessionUser(principal: Principal): { userId: string; sessionId: string } {
  if (principal.kind !== "user" || !principal.sessionId) {
    throw forbidden("API keys have no sessions; sign in as the user");
  }
  return { userId: principal.userId, sessionId: principal.sessionId };
}

/**
 * GET /me/sessions: the caller's live sessions (not revoked, not expired), newest first,
 * with `current: true` on the one making the request. RLS would also show an admin
 * their colleagues' sessions; the query asks for the caller's own only.
 */
export async function listOwnSessions(
  runtime: Runtime,
  principal: Principal,
  query: ListQuery,
): Promise<{ data: Array<OwnSessionRow & { current: boolean }>; next_cursor: string | null }> {
  const { userId, sessionId } = sessionUser(principal);
  const page = await withTenant(runtime.db, tenantOf(principal), (tx) =>
    listLiveSessions(tx, userId, query),
  );
  return { ...page, data: page.data.map((s) => ({ ...s, current: s.id === sessionId })) };
}

/**
 * DELETE /me/sessions/:id: ends one of the caller's own live sessions (the current one
 * too: that is a logout). A plain UPDATE of the row, so its tokens fail on the next
 * request and the hub's session-end trigger (migration 0051) ends its sockets with
 * session.ended. Anyone else's session, or one already ended, is 404.
 */
export async function endOwnSession(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  targetId: string,
): Promise<void> {
  const { userId } = sessionUser(principal);
  await withTenant(runtime.db, tenantOf(principal), async (tx) => {
    if (!(await revokeOwnSession(tx, userId, targetId))) throw notFound("Session");
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId: principal.organizationId,
      eventType: "user_logout",
      entityType: "user_session",
      entityId: targetId,
      data: { reason: "ended_by_user" },
    });
  });
}
