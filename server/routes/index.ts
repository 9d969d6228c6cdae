import { Router } from "express";
import type { Runtime } from "../runtime.ts";
import { authRouter } from "./auth/router.ts";
import { meRouter } from "./me/router.ts";
import { auditRouter } from "./audit/router.ts";

/** Mounts every resource router under /api/v1. */
export function apiRouter(runtime: Runtime): Router {
  const router = Router();
  router.use("/auth", authRouter(runtime));
  router.use("/me", meRouter(runtime));
  router.use(auditRouter(runtime));
  return router;
}
