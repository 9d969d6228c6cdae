import type { Handlers } from "./context.ts";
import { deliverNotifications } from "./deliver-notifications.ts";
import { diagnose } from "./diagnose.ts";
import { sweepEmbeddings } from "./embeddings-sweep.ts";
import { ensureAuditPartitions } from "./ensure-audit-partitions.ts";
import { opsCanary } from "./ops-canary.ts";

/** Every job in the registry has exactly one handler; the type checker enforces it. */
export const HANDLERS: Handlers = {
  "maintenance.ensure-audit-partitions": ensureAuditPartitions,
  "ops.canary": opsCanary,
  "diagnosis.run": diagnose,
  "embeddings.sweep": sweepEmbeddings,
  "notifications.deliver": deliverNotifications,
};
