import { Router } from "express";
import { SearchQuery, SearchResponse } from "../../../shared/search.ts";
import { tenantOf } from "../../auth/access.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { hybridSearch } from "../../search/hybrid.ts";

/**
 * GET /api/v1/search?q=&types=&limit=: hybrid search over knowledge contributions,
 * documents and forum threads, in the caller's RLS context (docs/search.md).
 */
export function searchRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));
  router.get(
    "/",
    requirePermission("search:read"),
    handler({ query: SearchQuery, response: SearchResponse }, ({ query }, _req, res) =>
      hybridSearch(runtime, tenantOf(principalOf(res)), query),
    ),
  );
  return router;
}
