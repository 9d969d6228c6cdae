import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createQueues, enqueueNow, type Queues } from "../server/jobs/queues.ts";
import { logger } from "../server/logger.ts";
import type { Runtime } from "../server/runtime.ts";
import type { JobContext } from "../workers/handlers/context.ts";
import { opsCanary } from "../workers/handlers/ops-canary.ts";
import { startWorkers } from "../workers/start.ts";
import { buildOrgWithUser } from "./factories.ts";
import { sleep } from "./helpers/realtime.ts";
import { testRuntime } from "./helpers/runtime.ts";

let runtime: Runtime;
let queues: Queues;
let userId: string;

beforeAll(async () => {
  runtime = await testRuntime();
  queues = await createQueues(runtime.env);
  userId = (await buildOrgWithUser(runtime.serviceDb)).userId;
});
afterAll(() => queues.close());

const rowsOf = (probe: string) =>
  runtime.serviceDb.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM notifications
     WHERE user_id = ${userId} AND notification_type = 'ops_canary' AND title = ${`canary ${probe}`}`);

const ctx = (signal: AbortSignal): JobContext => ({
  runtime,
  signal,
  jobId: "test",
  attempt: 1,
  log: logger,
});

describe("ops.canary", () => {
  it("a worker writes the probe's notification once, however often the job runs", async () => {
    const workers = await startWorkers(runtime, { schedules: [], relay: false });
    try {
      const ids = [
        await enqueueNow(queues, "ops.canary", { user_id: userId, probe_id: "p1", hold_ms: 50 }),
        await enqueueNow(queues, "ops.canary", { user_id: userId, probe_id: "p1" }),
      ];
      const queue = queues.get("maintenance");
      for (const id of ids) {
        for (let i = 0; i < 100; i++) {
          if ((await (await queue.getJob(id))?.getState()) === "completed") break;
          await sleep(50);
        }
        expect(await (await queue.getJob(id))?.getState()).toBe("completed");
      }
      expect(await rowsOf("p1")).toBe(1);
    } finally {
      await workers.close(0);
    }
  });

  it("an abort while the transaction is held writes nothing; the retry writes the row", async () => {
    const abort = new AbortController();
    const run = opsCanary({ user_id: userId, probe_id: "p2", hold_ms: 5_000 }, ctx(abort.signal));
    await sleep(200);
    abort.abort();
    await expect(run).rejects.toThrow();
    expect(await rowsOf("p2")).toBe(0);
    const again = await opsCanary(
      { user_id: userId, probe_id: "p2", hold_ms: 0 },
      ctx(new AbortController().signal),
    );
    expect(again.created).toBe(true);
    expect(await rowsOf("p2")).toBe(1);
    expect(
      (await opsCanary({ user_id: userId, probe_id: "p2", hold_ms: 0 }, ctx(abort.signal))).created,
    ).toBe(false);
  });

  it("refuses a probe id that is not a plain token", async () => {
    await expect(
      enqueueNow(queues, "ops.canary", { user_id: userId, probe_id: "a b; drop" }),
    ).rejects.toThrow();
  });
});
