import { Router } from "express";
import { DispatchBoard } from "../../../shared/schemas/dispatch-board.ts";
import { tenantOf } from "../../auth/access.ts";
import { dispatchBoard } from "../../db/dispatch-board.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { DispatchBoardQuery } from "./schema.ts";

/**
 * GET /api/v1/dispatch-board: open work orders (pending, scheduled, in_progress, on_hold)
 * by status, emergency first, in one database round trip. See docs/dispatch-board.md.
 */
export function dispatchBoardRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));
  router.get(
    "/",
    requirePermission("dispatch:read"),
    handler(
      { query: DispatchBoardQuery, response: DispatchBoard },
      async ({ query }, _req, res) => {
        const columns = await withTenant(runtime.db, tenantOf(principalOf(res)), (tx) =>
          dispatchBoard(tx, query),
        );
        res.json({ columns });
      },
    ),
  );
  return router;
}
