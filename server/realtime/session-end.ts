import { z } from "zod";
import type { SessionEndReason } from "../../shared/realtime/events.ts";
import { AuthError, authDeps, authenticate } from "../auth/principal.ts";
import { logger } from "../logger.ts";
import type { Runtime } from "../runtime.ts";
import type { HubServer, HubSocket } from "./types.ts";

const log = logger.child({ component: "realtime-session-end" });

/** Postgres channel the 0051 triggers NOTIFY when a credential stops being usable. */
export const SESSION_END_CHANNEL = "sitesync_session_end";

const Notice = z.object({
  kind: z.enum(["session", "user", "api_key"]),
  session_id: z.string().optional(),
  api_key_id: z.string().optional(),
  user_id: z.string(),
  reason: z.enum([
    "session_revoked",
    "user_deactivated",
    "removed_from_organization",
    "role_changed",
    "api_key_revoked",
    "access_changed",
  ]),
});

/** Tells the client why, then disconnects; the typed client reconnects with a fresh token. */
function endSocket(socket: HubSocket, reason: SessionEndReason): void {
  if (socket.data.ended) return;
  socket.data.ended = true;
  socket.emit("session.ended", { reason });
  socket.disconnect(true);
}

/** Every node LISTENs; each ends only its own matching sockets. */
export function onSessionEndNotice(io: HubServer, payload: string): void {
  let notice: z.infer<typeof Notice>;
  try {
    notice = Notice.parse(JSON.parse(payload));
  } catch {
    log.warn({ payload }, "unreadable session-end notice");
    return;
  }
  for (const socket of io.of("/").sockets.values()) {
    const p = socket.data.principal;
    const hit =
      notice.kind === "session"
        ? p.sessionId === notice.session_id
        : notice.kind === "api_key"
          ? p.apiKeyId === notice.api_key_id
          : p.userId === notice.user_id; // also ends API keys that user created
    if (hit) endSocket(socket, notice.reason);
  }
}

/** Ends the socket when its access token expires (API keys carry no expiry here). */
export function scheduleTokenExpiry(socket: HubSocket): void {
  const exp = socket.data.principal.expiresAt;
  if (exp === null) return;
  const ms = Math.max(0, exp * 1000 - Date.now());
  socket.data.expiryTimer = setTimeout(() => endSocket(socket, "token_expired"), ms);
}

/**
 * A session-end NOTIFY sent while the listener was disconnected is lost, so after every
 * reconnect each socket's credential is checked again against the database.
 */
export async function revalidateAll(io: HubServer, runtime: Runtime): Promise<void> {
  const deps = authDeps(runtime);
  for (const socket of [...io.of("/").sockets.values()]) {
    if (socket.data.ended) continue;
    try {
      const fresh = await authenticate(deps, socket.data.token);
      const was = socket.data.principal;
      if (fresh.organizationId !== was.organizationId)
        endSocket(socket, "removed_from_organization");
      else if (fresh.role !== was.role) endSocket(socket, "role_changed");
      else if (fresh.tenantPortal !== was.tenantPortal) endSocket(socket, "access_changed");
    } catch (err) {
      if (err instanceof AuthError) {
        endSocket(socket, err.reason === "token_expired" ? "token_expired" : "session_revoked");
      }
      // Other errors (database away again): the next reconnect checks again.
    }
  }
}
