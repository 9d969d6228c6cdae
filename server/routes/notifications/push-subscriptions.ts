import { Router } from "express";
import { z } from "zod";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import {
  deletePushSubscription,
  listPushSubscriptions,
  PushSubscriptionView,
  savePushSubscription,
} from "../../db/push-subscriptions.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { notFound, unprocessable } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import { pushEndpointAllowed } from "../../notifications/push.ts";
import type { Runtime } from "../../runtime.ts";
import { PushSubscriptionBody, VapidKey } from "./schema.ts";

/**
 * /api/v1/push-subscriptions: the caller's devices for Web Push (docs/notifications.md).
 * The web app subscribes with `pushManager.subscribe({ applicationServerKey })` using the
 * key from GET /vapid-public-key and posts the subscription's JSON here.
 */
export function pushSubscriptionsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime), requirePermission("notifications:read"));

  router.get(
    "/vapid-public-key",
    handler({ response: VapidKey }, async () => ({
      provider: runtime.env.PUSH_PROVIDER,
      public_key:
        runtime.env.PUSH_PROVIDER === "webpush" ? (runtime.env.VAPID_PUBLIC_KEY ?? null) : null,
    })),
  );

  router.get(
    "/",
    handler(
      { response: z.object({ data: z.array(PushSubscriptionView) }) },
      async (_input, _req, res) => ({
        data: await withTenant(runtime.db, tenantOf(principalOf(res)), listPushSubscriptions),
      }),
    ),
  );

  router.post(
    "/",
    handler(
      { body: PushSubscriptionBody, status: 201, response: PushSubscriptionView, errors: [422] },
      async ({ body }, req, res) => {
        if (!pushEndpointAllowed(runtime.env.PUSH_ENDPOINT_HOSTS, body.endpoint)) {
          throw unprocessable("endpoint is not a known push service");
        }
        const principal = principalOf(res);
        return withTenant(runtime.db, tenantOf(principal), async (tx) => {
          const row = await savePushSubscription(tx, {
            endpoint: body.endpoint,
            p256dh: body.keys.p256dh,
            auth: body.keys.auth,
            userAgent: req.get("user-agent")?.slice(0, 500) ?? null,
          });
          await recordAudit(tx, auditContextOf(req, principal), {
            organizationId: principal.organizationId,
            eventType: "user_action",
            entityType: "push_subscription",
            entityId: row.id,
            data: { action: "push_subscription_saved", origin: new URL(row.endpoint).origin },
          });
          return row;
        });
      },
    ),
  );

  router.delete(
    "/:id",
    handler({ params: IdParams, status: 204 }, async ({ params }, req, res) => {
      const principal = principalOf(res);
      await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        if (!(await deletePushSubscription(tx, params.id))) throw notFound("Push subscription");
        await recordAudit(tx, auditContextOf(req, principal), {
          organizationId: principal.organizationId,
          eventType: "user_action",
          entityType: "push_subscription",
          entityId: params.id,
          data: { action: "push_subscription_deleted" },
        });
      });
    }),
  );
  return router;
}
