import { ensureAuditPartitions as createPartitions } from "../../server/db/audit-events.ts";
import type { JobPayload } from "../../shared/jobs.ts";
import type { JobContext } from "./context.ts";

/**
 * Creates the coming months' audit_events partitions ahead of time (schema-note 3), so
 * audit rows never pile up in the DEFAULT partition. Cross-tenant upkeep: service role.
 * Idempotent: ensure_audit_partitions skips months that exist.
 */
export async function ensureAuditPartitions(
  payload: JobPayload<"maintenance.ensure-audit-partitions">,
  { runtime }: JobContext,
): Promise<{ created: number }> {
  const created = await createPartitions(runtime.serviceDb, payload.months_ahead);
  return { created };
}
