import { Router } from "express";
import { z } from "zod";
import { effectivePreferences, NotificationPreferences } from "../../../shared/notifications.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import { storedPreferences, storePreferences } from "../../db/notification-preferences.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";

const Effective = z.object({
  email: z.record(z.string(), z.boolean()),
  push: z.record(z.string(), z.boolean()),
  sms: z.record(z.string(), z.boolean()),
});

const asObject = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * /api/v1/me/notification-preferences: which notifications go out by e-mail, push and SMS
 * (users.notification_preferences; every category shown, missing ones count as on). PATCH
 * takes any subset and merges it into what is stored, keeping keys this version does
 * not know.
 */
export function notificationPreferencesRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime), requirePermission("notifications:read"));

  router.get(
    "/",
    handler({ response: Effective }, async (_input, _req, res) =>
      effectivePreferences(
        await withTenant(runtime.db, tenantOf(principalOf(res)), (tx) => storedPreferences(tx)),
      ),
    ),
  );

  router.patch(
    "/",
    handler({ body: NotificationPreferences, response: Effective }, async ({ body }, req, res) => {
      const principal = principalOf(res);
      return withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const stored = asObject(await storedPreferences(tx, true));
        const merged: Record<string, unknown> = { ...stored };
        for (const [channel, values] of Object.entries(body)) {
          merged[channel] = { ...asObject(stored[channel]), ...values };
        }
        await storePreferences(tx, merged);
        await recordAudit(tx, auditContextOf(req, principal), {
          organizationId: principal.organizationId,
          eventType: "user_updated",
          entityType: "user",
          entityId: principal.userId,
          data: { action: "notification_preferences_updated", changes: body },
        });
        return effectivePreferences(merged);
      });
    }),
  );
  return router;
}
