import { type Response, Router } from "express";
import { z } from "zod";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { ListQuery } from "../../../shared/schemas/list.ts";
import {
  ConversationView,
  HistoryQuery,
  MarkMessagesReadInput,
  MessageView,
  SendMessageInput,
} from "../../../shared/schemas/message.ts";
import { tenantOf } from "../../auth/access.ts";
import {
  conversationHistory,
  countUnreadMessages,
  findMessage,
  inConversation,
  markConversationRead,
  markMessagesRead,
} from "../../db/messages.ts";
import { type Tx, withTenant } from "../../db/tenant-context.ts";
import { notFound } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import { conversationPage } from "../../messages/conversations.ts";
import { messageView, sendMessage } from "../../messages/send.ts";
import type { Runtime } from "../../runtime.ts";

const Updated = z.object({ updated: z.number().int() });
const pageOf = <T extends z.ZodType>(row: T) =>
  z.object({ data: z.array(row), next_cursor: z.string().nullable() });

/**
 * /api/v1/messages: direct messages (docs/messaging.md). Sending is the same command as
 * the socket's `message.send`; what changes streams to both participants' `user:` rooms.
 */
export function messagesRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));
  const asCaller = <T>(res: Response, work: (tx: Tx) => Promise<T>) =>
    withTenant(runtime.db, tenantOf(principalOf(res)), work);

  router.post(
    "/",
    requirePermission("messages:write"),
    handler(
      { body: SendMessageInput, status: 201, response: MessageView, errors: [404, 422] },
      ({ body }, _req, res) => sendMessage(runtime, principalOf(res), body),
    ),
  );

  router.get(
    "/unread-count",
    requirePermission("messages:read"),
    handler({ response: z.object({ unread: z.number().int() }) }, async (_input, _req, res) => ({
      unread: await asCaller(res, countUnreadMessages),
    })),
  );

  router.post(
    "/read",
    requirePermission("messages:read"),
    handler({ body: MarkMessagesReadInput, response: Updated }, async ({ body }, _req, res) => ({
      updated: await asCaller(res, (tx) => markMessagesRead(tx, body.message_ids)),
    })),
  );

  router.get(
    "/:id",
    requirePermission("messages:read"),
    handler({ params: IdParams, response: MessageView }, ({ params }, _req, res) =>
      asCaller(res, async (tx) => {
        const row = await findMessage(tx, params.id);
        if (!row) throw notFound("Message");
        return messageView(row);
      }),
    ),
  );
  return router;
}

/**
 * /api/v1/conversations: the caller's conversations (most recent first, each with its last
 * message and unread count), one conversation's history (newest first, paging backwards),
 * and marking a conversation read. `:id` is the conversation's thread_id.
 */
export function conversationsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime), requirePermission("messages:read"));
  const asCaller = <T>(res: Response, work: (tx: Tx) => Promise<T>) =>
    withTenant(runtime.db, tenantOf(principalOf(res)), work);

  router.get(
    "/",
    handler({ query: ListQuery, response: pageOf(ConversationView) }, ({ query }, _req, res) =>
      asCaller(res, (tx) => conversationPage(tx, query)),
    ),
  );

  router.get(
    "/:id/messages",
    handler(
      { params: IdParams, query: HistoryQuery, response: pageOf(MessageView) },
      ({ params, query }, _req, res) =>
        asCaller(res, async (tx) => {
          if (!(await inConversation(tx, params.id))) throw notFound("Conversation");
          const page = await conversationHistory(tx, params.id, query);
          return {
            data: page.data.map(({ position: _p, key: _k, ...row }) => messageView(row)),
            next_cursor: page.next_cursor,
          };
        }),
    ),
  );

  router.post(
    "/:id/read",
    handler({ params: IdParams, response: Updated }, ({ params }, _req, res) =>
      asCaller(res, async (tx) => {
        if (!(await inConversation(tx, params.id))) throw notFound("Conversation");
        return { updated: await markConversationRead(tx, params.id) };
      }),
    ),
  );
  return router;
}
