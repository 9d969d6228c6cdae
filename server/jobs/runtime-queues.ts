import type { Runtime } from "../runtime.ts";
import { createQueues, type Queues } from "./queues.ts";

const byRuntime = new WeakMap<Runtime, Promise<Queues>>();

/**
 * The API process's producer-side queues (dashboard, metrics), made on first use and
 * closed with the runtime. The API never needs them to queue work: that goes through the
 * job outbox.
 */
export function queuesOf(runtime: Runtime): Promise<Queues> {
  let queues = byRuntime.get(runtime);
  if (!queues) {
    const created = createQueues(runtime.env);
    queues = created;
    byRuntime.set(runtime, created);
    runtime.closers.push(async () => (await created).close());
  }
  return queues;
}
