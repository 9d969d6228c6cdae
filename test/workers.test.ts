import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Runtime } from "../server/runtime.ts";
import { enqueue } from "../workers/queues.ts";
import { type RunningWorkers, startWorkers } from "../workers/start.ts";
import { testRuntime } from "./helpers/runtime.ts";

let runtime: Runtime;
let workers: RunningWorkers;

beforeAll(async () => {
  runtime = await testRuntime();
  workers = await startWorkers(runtime);
});
afterAll(() => workers.close());

const partitionExists = async (name: string) =>
  (
    await runtime.serviceDb.maybeOne(
      sql.type(z.object({ r: z.string().nullable() }))`SELECT to_regclass(${name})::text AS r`,
    )
  )?.r === name;

function monthName(offset: number): string {
  const d = new Date();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + offset);
  return `audit_events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

describe("BullMQ workers (real Redis, real Postgres)", () => {
  it("runs the audit partition upkeep job and creates months ahead of time", async () => {
    expect(await partitionExists(monthName(9))).toBe(false);
    const queue = workers.queues.queues.get("maintenance")!;
    const id = await enqueue(workers.queues, "maintenance.ensure-audit-partitions", {
      months_ahead: 9,
    });
    let state = "";
    for (let i = 0; i < 200 && state !== "completed" && state !== "failed"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = String(await (await queue.getJob(id))?.getState());
    }
    expect(state).toBe("completed");
    expect(await partitionExists(monthName(9))).toBe(true);
  });

  it("rejects a malformed payload before it reaches the queue", async () => {
    await expect(
      enqueue(workers.queues, "maintenance.ensure-audit-partitions", { months_ahead: -1 } as never),
    ).rejects.toThrow();
  });

  it("schedules the daily upkeep once, however many workers boot", async () => {
    const again = await startWorkers(runtime);
    const schedulers = await workers.queues.queues.get("maintenance")!.getJobSchedulers();
    expect(
      schedulers.filter(
        (s) =>
          s.key === "ensure-audit-partitions-daily" || s.id === "ensure-audit-partitions-daily",
      ),
    ).toHaveLength(1);
    await again.close();
  });
});
