import type { Handlers } from "./context.ts";
import { deliverNotifications } from "./deliver-notifications.ts";
import { diagnose } from "./diagnose.ts";
import { sweepEmbeddings } from "./embeddings-sweep.ts";
import { ensureAuditPartitions } from "./ensure-audit-partitions.ts";
import { dispatchHealth, recomputeHealth } from "./health.ts";
import { opsCanary } from "./ops-canary.ts";
import { pruneRealtimeEvents } from "./prune-realtime-events.ts";
import { dispatchReminders, remindOrganization, remindUser } from "./reminders.ts";
import { rollupTechnicianMetrics } from "./technician-metrics.ts";

/** Every job in the registry has exactly one handler; the type checker enforces it. */
export const HANDLERS: Handlers = {
  "maintenance.ensure-audit-partitions": ensureAuditPartitions,
  "ops.canary": opsCanary,
  "diagnosis.run": diagnose,
  "embeddings.sweep": sweepEmbeddings,
  "notifications.deliver": deliverNotifications,
  "reminders.dispatch": dispatchReminders,
  "reminders.organization": (payload, ctx) => remindOrganization(payload, ctx),
  "reminders.user": (payload, ctx) => remindUser(payload, ctx),
  "maintenance.prune-realtime-events": pruneRealtimeEvents,
  "health.dispatch": dispatchHealth,
  "health.recompute": (payload, ctx) => recomputeHealth(payload, ctx),
  "technicians.rollup-metrics": rollupTechnicianMetrics,
};
