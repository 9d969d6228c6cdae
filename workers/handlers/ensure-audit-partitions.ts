import { sql } from "slonik";
import { z } from "zod";
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
  const created = await runtime.serviceDb.oneFirst(sql.type(z.object({ created: z.number() }))`
    SELECT ensure_audit_partitions(${payload.months_ahead}) AS created`);
  return { created };
}
