import type { JobsOptions } from "bullmq";
import { type CommonQueryMethods, type DatabasePool, sql } from "slonik";
import { z } from "zod";
import { type JobName, type JobPayloadInput, parseJobPayload } from "../../shared/jobs.ts";
import type { Tx } from "./tenant-context.ts";

/** BullMQ options a producer may set per job; the rest are the queue defaults. */
export type OutboxJobOptions = Pick<JobsOptions, "delay" | "priority">;

/**
 * Queues a job as part of the caller's transaction (migrations/0070): the job exists
 * exactly when the change that caused it commits. The payload is validated now, so a bad
 * payload fails the request, not the worker. No RETURNING: requests cannot read the outbox.
 */
export async function enqueueAfterCommit<N extends JobName>(
  tx: Tx,
  name: N,
  payload: JobPayloadInput<N>,
  options: OutboxJobOptions = {},
): Promise<void> {
  const data = parseJobPayload(name, payload);
  await tx.query(sql.type(z.object({}))`
    INSERT INTO job_outbox (job_name, payload, options)
    VALUES (${name}, ${sql.jsonb(JSON.parse(JSON.stringify(data)))}, ${sql.jsonb(options)})`);
}

export const OutboxJobRow = z.object({
  id: z.number(),
  organization_id: z.string().nullable(),
  job_name: z.string(),
  payload: z.unknown(),
  options: z.record(z.string(), z.unknown()),
});
export type OutboxJobRow = z.infer<typeof OutboxJobRow>;

/**
 * Takes up to `limit` committed rows, oldest first, locked so a concurrent relay skips
 * them; `move` adds them to BullMQ, then they are deleted in the same transaction. If
 * `move` throws, nothing is deleted and the rows wait for the next pass. Service role:
 * the relay moves every organisation's jobs.
 */
export async function relayOutboxBatch(
  serviceDb: DatabasePool,
  limit: number,
  move: (rows: readonly OutboxJobRow[]) => Promise<void>,
): Promise<number> {
  return serviceDb.transaction(async (tx: CommonQueryMethods) => {
    const rows = await tx.any(sql.type(OutboxJobRow)`
      SELECT id, organization_id, job_name, payload, options
        FROM job_outbox ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`);
    if (rows.length === 0) return 0;
    await move(rows);
    await tx.query(sql.type(z.object({}))`
      DELETE FROM job_outbox WHERE id = ANY(${sql.array(
        rows.map((r) => r.id),
        "int8",
      )})`);
    return rows.length;
  });
}

/** Rows still waiting to be moved (a metric and a test aid). */
export function countOutbox(serviceDb: DatabasePool): Promise<number> {
  return serviceDb.oneFirst(
    sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM job_outbox`,
  );
}
