import { Router } from "express";
import type { Runtime } from "../runtime.ts";
import { apiKeysRouter } from "./api-keys/router.ts";
import { auditRouter } from "./audit/router.ts";
import { authRouter } from "./auth/router.ts";
import { contractorsRouter } from "./contractors/router.ts";
import { dispatchBoardRouter } from "./dispatch-board/router.ts";
import { elevatorsRouter } from "./elevators/router.ts";
import { meRouter } from "./me/router.ts";
import { organizationsRouter } from "./organizations/router.ts";
import { profilesRouter } from "./profiles/router.ts";
import { sitesRouter } from "./sites/router.ts";
import { usersRouter } from "./users/router.ts";
import { workOrdersRouter } from "./work-orders/router.ts";

/** Mounts every resource router under /api/v1. */
export function apiRouter(runtime: Runtime): Router {
  const router = Router();
  router.use("/auth", authRouter(runtime));
  router.use("/me", meRouter(runtime));
  router.use("/users", usersRouter(runtime));
  router.use("/organizations", organizationsRouter(runtime));
  router.use("/api-keys", apiKeysRouter(runtime));
  router.use(profilesRouter(runtime));
  router.use(auditRouter(runtime));
  router.use("/sites", sitesRouter(runtime));
  router.use("/elevators", elevatorsRouter(runtime));
  router.use("/contractors", contractorsRouter(runtime));
  router.use("/work-orders", workOrdersRouter(runtime));
  router.use("/dispatch-board", dispatchBoardRouter(runtime));
  return router;
}
