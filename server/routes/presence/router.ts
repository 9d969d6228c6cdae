import { Router } from "express";
import { z } from "zod";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import { onlineUsersOf } from "../../realtime/presence.ts";
import type { Runtime } from "../../runtime.ts";

const Online = z.object({ online: z.array(z.uuid()) });

/**
 * GET /api/v1/presence: who of the caller's organisation is online now (any socket on any
 * hub node). The `presence` events on `org:` carry the changes from then on; a client
 * subscribes first, then reads this, so it misses no change (docs/realtime-protocol.md).
 */
export function presenceRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));
  router.get(
    "/",
    requirePermission("realtime:org"),
    handler({ response: Online }, async (_input, _req, res) => {
      const { organizationId } = principalOf(res);
      const online = organizationId
        ? await onlineUsersOf(runtime.redis, runtime.env.REDIS_KEY_PREFIX, organizationId)
        : [];
      return { online };
    }),
  );
  return router;
}
