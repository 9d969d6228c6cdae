import type { ConversationView } from "../../shared/schemas/message.ts";
import type { Page } from "../db/keyset.ts";
import { conversationPartners, listConversations, messagesByIds } from "../db/messages.ts";
import type { Tx } from "../db/tenant-context.ts";
import { messageView } from "./send.ts";

/**
 * GET /conversations' page: the caller's conversations (one index range), their last
 * messages (by id) and their partners' names, in three indexed queries whatever the
 * number of messages (docs/benchmarks.md has the plans at 1,000,000 messages).
 */
export async function conversationPage(
  tx: Tx,
  page: Page,
): Promise<{ data: ConversationView[]; next_cursor: string | null }> {
  const conversations = await listConversations(tx, page);
  const rows = conversations.data;
  const messages = new Map(
    (
      await messagesByIds(
        tx,
        rows.map((c) => c.last_message_id),
      )
    ).map((m) => [m.id, m]),
  );
  const partners = new Map(
    (
      await conversationPartners(
        tx,
        rows.map((c) => c.other_user_id),
      )
    ).map((p) => [p.id, p]),
  );
  const data = rows.flatMap((c) => {
    const last = messages.get(c.last_message_id);
    if (!last) return [];
    const other = partners.get(c.other_user_id) ?? {
      id: c.other_user_id,
      display_name: null,
      first_name: null,
      last_name: null,
      avatar_url: null,
    };
    return [
      {
        thread_id: c.thread_id,
        other_user: other,
        last_message: messageView(last),
        unread_count: c.unread_count,
      },
    ];
  });
  return { data, next_cursor: conversations.next_cursor };
}
