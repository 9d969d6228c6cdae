import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "slonik";
import { z } from "zod";
import type { JobPayload } from "../../shared/jobs.ts";
import type { JobContext } from "./context.ts";

/**
 * Writes the probe's notification in one transaction (service role: an operator's check,
 * not a tenant's request), held open `hold_ms` before it commits. A crash or an abort
 * before the commit leaves nothing; a retry after a commit finds the row and writes none.
 */
export async function opsCanary(
  payload: JobPayload<"ops.canary">,
  { runtime, signal }: JobContext,
): Promise<{ notification_id: string; created: boolean }> {
  const title = `canary ${payload.probe_id}`;
  return runtime.serviceDb.transaction(async (tx) => {
    // One probe at a time, so two runs of it never both find no row.
    await tx.query(sql.unsafe`SELECT pg_advisory_xact_lock(hashtextextended(${title}, 0))`);
    const existing = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM notifications
       WHERE user_id = ${payload.user_id} AND notification_type = 'ops_canary' AND title = ${title}`);
    if (existing) return { notification_id: existing, created: false };
    const id = await tx.oneFirst(sql.type(z.object({ id: z.string() }))`
      INSERT INTO notifications (user_id, notification_type, title)
      VALUES (${payload.user_id}, 'ops_canary', ${title})
      RETURNING id`);
    if (payload.hold_ms > 0) await sleep(payload.hold_ms, undefined, { signal });
    return { notification_id: id, created: true };
  });
}
