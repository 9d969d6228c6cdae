import { pruneOutbox } from "../../server/db/realtime-events.ts";
import type { JobPayload } from "../../shared/jobs.ts";
import type { JobContext } from "./context.ts";

/**
 * Deletes realtime events older than REALTIME_RETENTION_HOURS (or the payload's
 * `retention_hours`), oldest first, in batches of `batch_size`, each batch in its own
 * statement that also raises realtime_retention's floor, so a subscriber whose cursor
 * predates a deleted event is answered `reset: true` (docs/realtime.md). A crash between
 * batches leaves a consistent log: what was deleted is below the floor. Service role: the
 * event log holds every organisation's events and is not readable by the app role.
 */
export async function pruneRealtimeEvents(
  payload: JobPayload<"maintenance.prune-realtime-events">,
  { runtime, signal }: JobContext,
): Promise<{ deleted: number }> {
  const hours = payload.retention_hours ?? runtime.env.REALTIME_RETENTION_HOURS;
  let deleted = 0;
  for (;;) {
    signal.throwIfAborted();
    const n = await pruneOutbox(runtime.serviceDb, hours, payload.batch_size);
    deleted += n;
    if (n < payload.batch_size) return { deleted };
  }
}
