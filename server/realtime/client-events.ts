import {
  type MessageContextType,
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
import { insertMessage, markMessagesRead, userReachable } from "../db/messages.ts";
import { markNotificationsRead } from "../db/notifications.ts";
import { withTenant } from "../db/tenant-context.ts";
import { rowVisible, type VisibleTable } from "../db/visible-rows.ts";
import { ackError } from "./subscriptions.ts";
import type { HubContext, HubSocket } from "./types.ts";

/**
 * Client -> server writes. They go through withTenant under the user's RLS context, and
 * send nothing themselves: the resulting message.* / notification.* events come from the
 * outbox triggers like every other change. Only typing is ephemeral (never stored).
 */

/** The table each message context type names (checked under the sender's RLS context). */
const CONTEXT_TABLES: Record<MessageContextType, VisibleTable> = {
  work_order: "work_orders",
  elevator: "elevators",
  site: "sites",
  service_request: "service_requests",
  tenant: "tenants",
  forum_thread: "forum_threads",
  job_listing: "job_listings",
  job_application: "job_applications",
};

const notForKeys = () => ackError("forbidden", "API keys cannot send or read messages");

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
  const input = parsed.data;
  return withTenant(ctx.runtime.db, tenantOf(principal), async (tx) => {
    if (!(await userReachable(tx, input.recipient_id))) {
      return ackError("not_found", "Recipient not found");
    }
    // A link to a row the sender cannot see would leak that it exists (and what it is).
    if (
      input.context_type &&
      input.context_id &&
      !(await rowVisible(tx, CONTEXT_TABLES[input.context_type], input.context_id))
    ) {
      return ackError("not_found", `${input.context_type} ${input.context_id} not found`);
    }
    return { ok: true as const, message: await insertMessage(tx, input) };
  });
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
    userReachable(tx, to),
  );
  if (!reachable || to === principal.userId) return ackError("not_found", "Recipient not found");
  ctx.io
    .to(topicName("user", to))
    .emit("typing", { from_user_id: principal.userId, at: new Date().toISOString() });
  return { ok: true };
}
