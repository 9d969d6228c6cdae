import {
  type AckError,
  type ErrorCode,
  MessageReadPayload,
  type MessageSendAck,
  MessageSendPayload,
  NotificationReadPayload,
  type OkAck,
  TypingPayload,
  type UpdatedAck,
} from "../../shared/realtime/events.ts";
import { topicName } from "../../shared/realtime/topics.ts";
import { tenantOf } from "../auth/access.ts";
import { markMessagesRead, mayMessage } from "../db/messages.ts";
import { markNotificationsRead } from "../db/notifications.ts";
import { withTenant } from "../db/tenant-context.ts";
import { AppError } from "../errors.ts";
import { sendMessage } from "../messages/send.ts";
import { ackError } from "./subscriptions.ts";
import type { HubContext, HubSocket } from "./types.ts";

/**
 * Client -> server writes. They go through withTenant under the user's RLS context, and
 * send nothing themselves: the resulting message.* / notification.* events come from the
 * outbox triggers like every other change. Only typing is ephemeral (never stored).
 */

const notForKeys = () => ackError("forbidden", "API keys cannot send or read messages");

/** A command's refusal as an ack; anything else is thrown (and acked `unavailable`). */
function ackOf(err: unknown): AckError {
  if (!(err instanceof AppError)) throw err;
  const code: ErrorCode =
    err.status === 404
      ? "not_found"
      : err.status === 403
        ? "forbidden"
        : err.status === 429
          ? "rate_limited"
          : err.status === 503
            ? "unavailable"
            : "invalid_request";
  return ackError(code, err.message);
}

/** The same command as POST /api/v1/messages (server/messages/send.ts). */
export async function handleMessageSend(
  ctx: HubContext,
  socket: HubSocket,
  payload: unknown,
): Promise<MessageSendAck> {
  if (!socket.data.actionBucket.take()) return ackError("rate_limited", "Too many requests");
  const parsed = MessageSendPayload.safeParse(payload);
  if (!parsed.success)
    return ackError("invalid_request", "Invalid message.send payload", parsed.error);
  const principal = socket.data.principal;
  if (principal.kind === "api_key") return notForKeys();
  try {
    return { ok: true, message: await sendMessage(ctx.runtime, principal, parsed.data) };
  } catch (err) {
    return ackOf(err);
  }
}

export async function handleMessageRead(
  ctx: HubContext,
  socket: HubSocket,
  payload: unknown,
): Promise<UpdatedAck> {
  if (!socket.data.actionBucket.take()) return ackError("rate_limited", "Too many requests");
  const parsed = MessageReadPayload.safeParse(payload);
  if (!parsed.success)
    return ackError("invalid_request", "Invalid message.read payload", parsed.error);
  const principal = socket.data.principal;
  if (principal.kind === "api_key") return notForKeys();
  const updated = await withTenant(ctx.runtime.db, tenantOf(principal), (tx) =>
    markMessagesRead(tx, parsed.data.message_ids),
  );
  return { ok: true, updated };
}

export async function handleNotificationRead(
  ctx: HubContext,
  socket: HubSocket,
  payload: unknown,
): Promise<UpdatedAck> {
  if (!socket.data.actionBucket.take()) return ackError("rate_limited", "Too many requests");
  const parsed = NotificationReadPayload.safeParse(payload);
  if (!parsed.success) {
    return ackError("invalid_request", "Invalid notification.read payload", parsed.error);
  }
  const principal = socket.data.principal;
  if (principal.kind === "api_key") return notForKeys();
  const updated = await withTenant(ctx.runtime.db, tenantOf(principal), (tx) =>
    markNotificationsRead(tx, parsed.data.notification_ids),
  );
  return { ok: true, updated };
}

/** Relayed through the adapter to the recipient's user room on whichever node. */
export async function handleTyping(
  ctx: HubContext,
  socket: HubSocket,
  payload: unknown,
): Promise<OkAck> {
  if (!socket.data.actionBucket.take()) return ackError("rate_limited", "Too many requests");
  const parsed = TypingPayload.safeParse(payload);
  if (!parsed.success) return ackError("invalid_request", "Invalid typing payload", parsed.error);
  const principal = socket.data.principal;
  if (principal.kind === "api_key") return notForKeys();
  const to = parsed.data.to_user_id.toLowerCase();
  const reachable = await withTenant(ctx.runtime.db, tenantOf(principal), (tx) =>
    mayMessage(tx, to),
  );
  if (!reachable || to === principal.userId) return ackError("not_found", "Recipient not found");
  ctx.io
    .to(topicName("user", to))
    .emit("typing", { from_user_id: principal.userId, at: new Date().toISOString() });
  return { ok: true };
}
