import type { Runtime } from "../server/runtime.ts";

/**
 * Starts the BullMQ workers of this process. The job registry lives in shared/jobs.ts;
 * later issues add the diagnosis, embedding and reminder handlers.
 */
export async function startWorkers(_runtime: Runtime): Promise<{ close: () => Promise<void> }> {
  return { close: async () => {} };
}
