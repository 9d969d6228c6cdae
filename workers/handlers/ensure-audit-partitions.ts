import { sql } from "slonik";
import { z } from "zod";
import type { Runtime } from "../../server/runtime.ts";
import type { JobPayload } from "../../shared/jobs.ts";

/**
 * Creates the coming months' audit_events partitions ahead of time (schema-note 3), so
 * audit rows never pile up in the DEFAULT partition. Cross-tenant upkeep: service role.
 */
export async function ensureAuditPartitions(
  runtime: Runtime,
  payload: JobPayload<"maintenance.ensure-audit-partitions">,
): Promise<{ created: number }> {
  const created = await runtime.serviceDb.oneFirst(sql.type(z.object({ created: z.number() }))`
    SELECT ensure_audit_partitions(${payload.months_ahead}) AS created`);
  return { created };
}
