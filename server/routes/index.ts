import { Router } from "express";
import type { Runtime } from "../runtime.ts";

/** Mounts every resource router under /api/v1. */
export function apiRouter(_runtime: Runtime): Router {
  const router = Router();
  return router;
}
