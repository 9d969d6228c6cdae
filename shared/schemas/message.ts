import { z } from "zod";
import { ListQuery } from "./list.ts";

/** A direct message between two users (only they see it). */
export const MessageRow = z.object({
  id: z.string(),
  sender_id: z.string(),
  recipient_id: z.string(),
  thread_id: z.string(),
  subject: z.string().nullable(),
  content: z.string(),
  attachment_document_ids: z.array(z.string()).nullable(),
  context_type: z.string().nullable(),
  context_id: z.string().nullable(),
  is_read: z.boolean(),
  read_at: z.string().nullable(),
  created_at: z.string(),
});
export type MessageRow = z.infer<typeof MessageRow>;

/**
 * A message as the API answers it: the row, plus `content_html`, the content rendered for
 * display (escaped, links made clickable, line breaks kept, then sanitised). `content`
 * stays plain text: render it as text, or use `content_html` as HTML.
 */
export const MessageView = MessageRow.extend({ content_html: z.string() });
export type MessageView = z.infer<typeof MessageView>;

/**
 * What a message may be about (`context_type`). Each names a table whose row the sender
 * must be able to see (server/messages/send.ts), so the list is closed.
 */
export const MESSAGE_CONTEXT_TYPES = [
  "work_order",
  "elevator",
  "site",
  "service_request",
  "tenant",
  "forum_thread",
  "job_listing",
  "job_application",
] as const;
export type MessageContextType = (typeof MESSAGE_CONTEXT_TYPES)[number];

/** The longest message, in characters (also a CHECK in migrations/0091). */
export const MESSAGE_MAX_LENGTH = 20_000;
export const MESSAGE_MAX_ATTACHMENTS = 10;

// Postgres text cannot hold NUL: refuse it here rather than fail the insert.
const noNul = (s: string) => !s.includes("\u0000");

/**
 * Sending a message: the body of POST /api/v1/messages and the payload of `message.send`
 * (one schema, one command: server/messages/send.ts).
 */
export const SendMessageInput = z
  .strictObject({
    recipient_id: z.uuid(),
    content: z
      .string()
      .trim()
      .min(1)
      .max(MESSAGE_MAX_LENGTH)
      .refine(noNul, "must not contain NUL characters"),
    /** Continue this conversation (it must be one between the sender and the recipient). */
    thread_id: z.uuid().optional(),
    /** Start a new conversation with the recipient instead of continuing the latest one. */
    new_conversation: z.literal(true).optional(),
    subject: z.string().trim().min(1).max(255).refine(noNul, "must not contain NUL").optional(),
    context_type: z.enum(MESSAGE_CONTEXT_TYPES).optional(),
    context_id: z.uuid().optional(),
    /** Documents both the sender and the recipient may see. */
    attachment_document_ids: z.array(z.uuid()).min(1).max(MESSAGE_MAX_ATTACHMENTS).optional(),
    /**
     * The sender's own key for this send (unique per sender): a retry with the same key
     * returns the stored message instead of writing a second one (docs/messaging.md).
     */
    idempotency_key: z
      .string()
      .min(1)
      .max(255)
      .refine(noNul, "must not contain NUL characters")
      .optional(),
  })
  .refine((m) => (m.context_type === undefined) === (m.context_id === undefined), {
    message: "context_type and context_id come together",
    path: ["context_id"],
  })
  .refine((m) => !(m.thread_id && m.new_conversation), {
    message: "thread_id and new_conversation exclude each other",
    path: ["new_conversation"],
  });
export type SendMessageInput = z.infer<typeof SendMessageInput>;

export const MarkMessagesReadInput = z.strictObject({
  message_ids: z.array(z.uuid()).min(1).max(500),
});

/** The other participant of a conversation, as far as the caller may know them. */
export const ConversationPartner = z.object({
  id: z.string(),
  display_name: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  avatar_url: z.string().nullable(),
});

export const ConversationView = z.object({
  thread_id: z.string(),
  other_user: ConversationPartner,
  last_message: MessageView,
  /** Messages to the caller in this conversation not yet read. */
  unread_count: z.number().int(),
});
export type ConversationView = z.infer<typeof ConversationView>;

/** `GET /conversations/:id/messages`: newest first; `next_cursor` pages backwards in time. */
export const HistoryQuery = ListQuery;
