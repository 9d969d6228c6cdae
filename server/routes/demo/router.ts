import { Router } from "express";
import { DEMO_PASSWORD, DemoLogins } from "../../../shared/demo.ts";
import { demoLogins } from "../../db/demo-logins.ts";
import { notFound } from "../../errors.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";

/**
 * GET /api/v1/demo/logins: the demo data's logins and their shared password, for the web
 * console's login page. Open (no credentials: it is what you sign in with), and only in
 * demo mode (DEMO_MODE=true); otherwise it does not exist (404).
 */
export function demoRouter(runtime: Runtime): Router {
  const router = Router();
  router.get(
    "/logins",
    handler({ response: DemoLogins, errors: [404] }, async () => {
      if (!runtime.env.DEMO_MODE) throw notFound("Route");
      return { password: DEMO_PASSWORD, logins: await demoLogins(runtime.serviceDb) };
    }),
  );
  return router;
}
