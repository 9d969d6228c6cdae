import { type Request, type Response, Router } from "express";
import { notifications } from "../../../shared/resources/notifications.ts";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { tenantOf } from "../../auth/access.ts";
import { countUnreadNotifications, markNotificationsRead } from "../../db/notifications.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import { type Tx, withTenant } from "../../db/tenant-context.ts";
import { notFound } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { MarkNotificationsReadBody, UnreadCount, Updated } from "./schema.ts";

/**
 * The actions on /api/v1/notifications (list and get come from the definition,
 * shared/resources/notifications.ts). Mounted before the definition's routes, so
 * /unread-count is not taken for an id. Marking read streams `notification.read` to the
 * user's sockets, as `notification.read` over the socket does.
 */
export function notificationActionsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime), requirePermission("notifications:read"));
  const asCaller = <T>(res: Response, work: (tx: Tx) => Promise<T>) =>
    withTenant(runtime.db, tenantOf(principalOf(res)), work);

  router.get(
    "/unread-count",
    handler({ response: UnreadCount }, async (_input, _req: Request, res) => ({
      unread: await asCaller(res, countUnreadNotifications),
    })),
  );

  router.post(
    "/read",
    handler(
      { body: MarkNotificationsReadBody, response: Updated },
      async ({ body }, _req, res) => ({
        updated: await asCaller(res, (tx) => markNotificationsRead(tx, body.notification_ids)),
      }),
    ),
  );

  router.post(
    "/:id/read",
    handler({ params: IdParams, response: notifications.row }, ({ params }, _req, res) =>
      asCaller(res, async (tx) => {
        await markNotificationsRead(tx, [params.id]);
        const row = await rowsOf(notifications).find(tx, params.id);
        if (!row) throw notFound("Notification");
        return row;
      }),
    ),
  );
  return router;
}
