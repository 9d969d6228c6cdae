import type { Handlers } from "./context.ts";
import { deliverNotifications } from "./deliver-notifications.ts";
import { diagnose } from "./diagnose.ts";
import { sweepEmbeddings } from "./embeddings-sweep.ts";
import { ensureAuditPartitions } from "./ensure-audit-partitions.ts";

/** Every job in the registry has exactly one handler; the type checker enforces it. */
export const HANDLERS: Handlers = {
  "maintenance.ensure-audit-partitions": ensureAuditPartitions,
  "diagnosis.run": diagnose,
  "embeddings.sweep": sweepEmbeddings,
  "notifications.deliver": deliverNotifications,
};
