import { z } from "zod";

/** A direct message between two users (only they see it). */
export const MessageRow = z.object({
  id: z.string(),
  sender_id: z.string(),
  recipient_id: z.string(),
  thread_id: z.string().nullable(),
  subject: z.string().nullable(),
  content: z.string(),
  attachment_document_ids: z.array(z.string()).nullable(),
  context_type: z.string().nullable(),
  context_id: z.string().nullable(),
  is_read: z.boolean().nullable(),
  read_at: z.string().nullable(),
  created_at: z.string().nullable(),
});
export type MessageRow = z.infer<typeof MessageRow>;
