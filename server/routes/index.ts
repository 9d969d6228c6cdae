import { Router } from "express";
import { RESOURCES } from "../resources/index.ts";
import { resourceRouter } from "../resources/router.ts";
import type { Runtime } from "../runtime.ts";
import { apiKeysRouter } from "./api-keys/router.ts";
import { auditRouter } from "./audit/router.ts";
import { authRouter } from "./auth/router.ts";
import { demoRouter } from "./demo/router.ts";
import { dispatchBoardRouter } from "./dispatch-board/router.ts";
import { forumActionsRouter } from "./forum/router.ts";
import { jobApplicationsRouter } from "./job-applications/router.ts";
import { meRouter } from "./me/router.ts";
import { conversationsRouter, messagesRouter } from "./messages/router.ts";
import { notificationPreferencesRouter } from "./notifications/preferences.ts";
import { pushSubscriptionsRouter } from "./notifications/push-subscriptions.ts";
import { notificationActionsRouter } from "./notifications/router.ts";
import { organizationsRouter } from "./organizations/router.ts";
import { presenceRouter } from "./presence/router.ts";
import { searchRouter } from "./search/router.ts";
import { serviceRequestActionsRouter } from "./service-requests/router.ts";
import { tenantActionsRouter } from "./tenants/router.ts";
import { usersRouter } from "./users/router.ts";
import { workOrderActionsRouter } from "./work-orders/router.ts";

/** Mounts every router under /api/v1: the definitions' routes, then the hand-written ones. */
export function apiRouter(runtime: Runtime): Router {
  const router = Router();
  router.use("/auth", authRouter(runtime));
  router.use("/me/notification-preferences", notificationPreferencesRouter(runtime));
  router.use("/me", meRouter(runtime));
  router.use("/users", usersRouter(runtime));
  router.use("/organizations", organizationsRouter(runtime));
  router.use("/api-keys", apiKeysRouter(runtime));
  router.use(auditRouter(runtime));
  // Before the definitions: /notifications/unread-count must not be read as an id.
  router.use("/notifications", notificationActionsRouter(runtime));
  router.use("/push-subscriptions", pushSubscriptionsRouter(runtime));
  router.use("/messages", messagesRouter(runtime));
  router.use("/conversations", conversationsRouter(runtime));
  router.use("/job-applications", jobApplicationsRouter(runtime));
  for (const served of RESOURCES)
    router.use(`/${served.def.path}`, resourceRouter(runtime, served));
  router.use("/work-orders", workOrderActionsRouter(runtime));
  router.use("/tenants", tenantActionsRouter(runtime));
  router.use("/service-requests", serviceRequestActionsRouter(runtime));
  router.use(forumActionsRouter(runtime));
  router.use("/dispatch-board", dispatchBoardRouter(runtime));
  router.use("/search", searchRouter(runtime));
  router.use("/presence", presenceRouter(runtime));
  router.use("/demo", demoRouter(runtime));
  return router;
}
