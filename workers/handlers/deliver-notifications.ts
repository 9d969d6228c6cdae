import {
  type ChannelOutcome,
  deliverNotification,
  sendersOf,
} from "../../server/notifications/deliver.ts";
import type { JobPayload } from "../../shared/jobs.ts";
import type { Channel } from "../../shared/notifications.ts";
import type { JobContext } from "./context.ts";

/**
 * Delivers each notification of the batch on the channels its user wants
 * (server/notifications/deliver.ts: service role, each channel once). A failure of one
 * notification does not stop the others; the job then fails and its retry skips every
 * channel already marked sent.
 */
export async function deliverNotifications(
  payload: JobPayload<"notifications.deliver">,
  { runtime, signal, log }: JobContext,
): Promise<Record<string, Record<Channel, ChannelOutcome>>> {
  const senders = sendersOf(runtime);
  const results: Record<string, Record<Channel, ChannelOutcome>> = {};
  const failed: unknown[] = [];
  for (const id of payload.notification_ids) {
    signal.throwIfAborted();
    try {
      results[id] = await deliverNotification(runtime, senders, id);
    } catch (err) {
      log.warn({ notification: id, err: (err as Error).message }, "notification delivery failed");
      failed.push(err);
    }
  }
  if (failed.length > 0)
    throw new AggregateError(failed, `${failed.length} notification(s) failed`);
  return results;
}
