import { z } from "zod";
import { MarkMessagesReadInput, type MessageView, SendMessageInput } from "../schemas/message.ts";
import type { Envelope } from "./envelope.ts";
import type { TopicName } from "./topics.ts";

/**
 * The socket contract in types (docs/realtime-protocol.md). The server and the typed client
 * (shared/client.ts) both import these, so the two ends cannot drift apart. The `event`
 * envelope itself is typed from the stream declaration (envelope.ts, streams.ts).
 */

const ERROR_CODES = [
  "invalid_request",
  "invalid_topic",
  "forbidden",
  "not_found",
  "rate_limited",
  "unavailable",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type AckError = {
  ok: false;
  error: { code: ErrorCode; message: string; issues?: Array<{ path: string; message: string }> };
};

export const SubscribePayload = z.strictObject({
  topic: z.string().min(1).max(200),
  since: z.string().max(100).optional(),
});
export const UnsubscribePayload = z.strictObject({ topic: z.string().min(1).max(200) });
/** `message.send` takes exactly what POST /api/v1/messages takes (shared/schemas/message.ts). */
export const MessageSendPayload = SendMessageInput;
export const MessageReadPayload = MarkMessagesReadInput;
export const TypingPayload = z.strictObject({ to_user_id: z.uuid() });
export const NotificationReadPayload = z.strictObject({
  notification_ids: z.union([z.array(z.uuid()).min(1).max(500), z.literal("all")]),
});

export type SubscribeAck = { ok: true; topic: TopicName; cursor: string; reset?: true } | AckError;
export type OkAck = { ok: true } | AckError;
export type UpdatedAck = { ok: true; updated: number } | AckError;
export type MessageSendAck = { ok: true; message: MessageView } | AckError;

export type SessionEndReason =
  | "token_expired"
  | "session_revoked"
  | "user_deactivated"
  | "removed_from_organization"
  | "role_changed"
  | "api_key_revoked"
  | "access_changed";

export type PresenceUpdate = { user_id: string; status: "online" | "offline" };
export type TypingIndicator = { from_user_id: string; at: string };

export interface ServerToClientEvents {
  event: (envelope: Envelope) => void;
  /** Only to sockets that connected with `auth.batch: true`: several events, in order. */
  events: (envelopes: Envelope[]) => void;
  presence: (update: PresenceUpdate) => void;
  typing: (indicator: TypingIndicator) => void;
  "session.ended": (payload: { reason: SessionEndReason }) => void;
}

export interface ClientToServerEvents {
  subscribe: (payload: z.input<typeof SubscribePayload>, ack: (res: SubscribeAck) => void) => void;
  unsubscribe: (payload: z.input<typeof UnsubscribePayload>, ack: (res: OkAck) => void) => void;
  "message.send": (
    payload: z.input<typeof MessageSendPayload>,
    ack: (res: MessageSendAck) => void,
  ) => void;
  "message.read": (
    payload: z.input<typeof MessageReadPayload>,
    ack: (res: UpdatedAck) => void,
  ) => void;
  typing: (payload: z.input<typeof TypingPayload>, ack: (res: OkAck) => void) => void;
  "notification.read": (
    payload: z.input<typeof NotificationReadPayload>,
    ack: (res: UpdatedAck) => void,
  ) => void;
}

/** The handshake's connect_error carries one of these in err.data.code. */
export type HandshakeErrorCode =
  | "unauthorized"
  | "token_expired"
  | "session_revoked"
  | "unavailable";
