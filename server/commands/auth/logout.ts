import type { Request } from "express";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import type { Principal } from "../../auth/principal.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { revokeSession } from "../../db/user-sessions.ts";
import { invalidRequest } from "../../errors.ts";
import type { Runtime } from "../../runtime.ts";

/**
 * Ends the caller's session with a plain UPDATE of its row: the next request with its
 * access token fails (authenticate() reads the row every time), its refresh token is
 * dead, and the realtime hub ends its sockets from the row change.
 */
export async function logout(runtime: Runtime, req: Request, principal: Principal): Promise<void> {
  const sessionId = principal.sessionId;
  if (principal.kind !== "user" || !sessionId) {
    throw invalidRequest("API keys have no session; revoke the key instead");
  }
  await withTenant(runtime.db, tenantOf(principal), async (tx) => {
    const revoked = await revokeSession(tx, sessionId);
    if (!revoked) return;
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId: principal.organizationId,
      eventType: "user_logout",
      entityType: "user_session",
      entityId: sessionId,
      data: { reason: "logout" },
    });
  });
}
