import type { Job } from "bullmq";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { hashPassword } from "../server/auth/passwords.ts";
import { countOutbox, enqueueAfterCommit, relayOutboxBatch } from "../server/db/job-outbox.ts";
import { withTenant } from "../server/db/tenant-context.ts";
import { createQueues, enqueueNow, type Queues } from "../server/jobs/queues.ts";
import type { Runtime } from "../server/runtime.ts";
import type { JobContext } from "../workers/handlers/context.ts";
import { type RunningWorkers, startWorkers, type WorkerOptions } from "../workers/start.ts";
import { buildOrgWithUser, buildUser, sessionFor } from "./factories.ts";
import { sleep } from "./helpers/realtime.ts";
import { api, metricsText, testServer } from "./helpers/runtime.ts";

let runtime: Runtime;
let queues: Queues;
let url: string;

beforeAll(async () => {
  const server = await testServer();
  runtime = server.runtime;
  url = server.url;
  queues = await createQueues(runtime.env);
});
afterAll(() => queues.close());

const JOB = "maintenance.ensure-audit-partitions";
const maintenance = () => queues.get("maintenance");

/**
 * BullMQ rate-limits its stalled-job check across all workers of a queue by the check
 * interval, so every worker of this file uses the same short one (the crash test needs it).
 */
const FAST = { schedules: [], stalledIntervalMs: 300 } as const;

/** Workers for one test; closed at its end so the next test's workers get the jobs. */
async function withWorkers<T>(
  options: WorkerOptions,
  fn: (w: RunningWorkers) => Promise<T>,
): Promise<T> {
  const w = await startWorkers(runtime, { ...FAST, ...options });
  try {
    return await fn(w);
  } finally {
    await w.close(0);
  }
}

async function stateOf(id: string): Promise<string> {
  return String(await (await maintenance().getJob(id))?.getState());
}

async function waitForState(id: string, wanted: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = "";
  while (Date.now() < deadline) {
    state = await stateOf(id);
    if (state === wanted) return;
    await sleep(50);
  }
  throw new Error(`job ${id} is ${state}, expected ${wanted}`);
}

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

describe("queue foundations (real Redis, real Postgres)", () => {
  it("runs the audit partition upkeep job and creates months ahead of time", async () => {
    expect(await partitionExists(monthName(9))).toBe(false);
    await withWorkers({}, async () => {
      const id = await enqueueNow(queues, JOB, { months_ahead: 9 });
      await waitForState(id, "completed");
    });
    expect(await partitionExists(monthName(9))).toBe(true);
  });

  it("rejects a malformed payload before it reaches the queue or the outbox", async () => {
    await expect(enqueueNow(queues, JOB, { months_ahead: -1 })).rejects.toThrow();
    const { orgId, userId } = await buildOrgWithUser(runtime.serviceDb);
    await expect(
      withTenant(runtime.db, { organizationId: orgId, userId }, (tx) =>
        enqueueAfterCommit(tx, JOB, { months_ahead: 99 }),
      ),
    ).rejects.toThrow();
    expect(await countOutbox(runtime.serviceDb)).toBe(0);
  });

  it("a worker fails a job whose payload does not validate at once, without retries", async () => {
    await withWorkers({}, async () => {
      const job = await maintenance().add(JOB, { months_ahead: "many" });
      await waitForState(job.id!, "failed");
      const failed = await maintenance().getJob(job.id!);
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.failedReason).toMatch(/invalid payload/);
    });
  });

  it("enqueues after commit only: a rollback leaves no job, a commit always gets one", async () => {
    const { orgId, userId } = await buildOrgWithUser(runtime.serviceDb);
    const ctx = { organizationId: orgId, userId };
    const before = await maintenance().count();
    await expect(
      withTenant(runtime.db, ctx, async (tx) => {
        await enqueueAfterCommit(tx, JOB, { months_ahead: 10 });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await countOutbox(runtime.serviceDb)).toBe(0);

    // Committed while no relay runs: the job waits in the outbox, not lost.
    await withTenant(runtime.db, ctx, (tx) => enqueueAfterCommit(tx, JOB, { months_ahead: 10 }));
    expect(await countOutbox(runtime.serviceDb)).toBe(1);
    expect(await maintenance().count()).toBe(before);

    await withWorkers({}, async () => {
      const deadline = Date.now() + 15_000;
      while (!(await partitionExists(monthName(10))) && Date.now() < deadline) await sleep(50);
    });
    expect(await partitionExists(monthName(10))).toBe(true);
    expect(await countOutbox(runtime.serviceDb)).toBe(0);
  });

  it("wakes the relay at commit (NOTIFY) rather than waiting for its poll", async () => {
    const { orgId, userId } = await buildOrgWithUser(runtime.serviceDb);
    await withWorkers({}, async () => {
      const started = Date.now();
      await withTenant(runtime.db, { organizationId: orgId, userId }, (tx) =>
        enqueueAfterCommit(tx, JOB, { months_ahead: 11 }),
      );
      while (!(await partitionExists(monthName(11))) && Date.now() - started < 15_000) {
        await sleep(20);
      }
      expect(await partitionExists(monthName(11))).toBe(true);
    });
  });

  it("requests may queue jobs but never read, change or delete the outbox", async () => {
    const { orgId, userId } = await buildOrgWithUser(runtime.serviceDb);
    const other = await buildOrgWithUser(runtime.serviceDb);
    const ctx = { organizationId: orgId, userId };
    await expect(
      withTenant(runtime.db, ctx, (tx) => tx.query(sql.unsafe`SELECT * FROM job_outbox`)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      withTenant(runtime.db, ctx, (tx) => tx.query(sql.unsafe`DELETE FROM job_outbox`)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      withTenant(runtime.db, ctx, (tx) =>
        tx.query(sql.unsafe`
          INSERT INTO job_outbox (organization_id, job_name, payload)
          VALUES (${other.orgId}, ${JOB}, '{}')`),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("a relay that crashes after adding re-adds the same job id, which BullMQ ignores", async () => {
    const { orgId, userId } = await buildOrgWithUser(runtime.serviceDb);
    await withTenant(runtime.db, { organizationId: orgId, userId }, (tx) =>
      enqueueAfterCommit(tx, JOB, { months_ahead: 2 }),
    );
    const ids: string[] = [];
    const addThenCrash = relayOutboxBatch(runtime.serviceDb, 10, async (rows) => {
      for (const row of rows) {
        const job = await maintenance().add(JOB, row.payload, { jobId: `outbox-${row.id}` });
        ids.push(job.id!);
      }
      throw new Error("crashed before the delete");
    });
    await expect(addThenCrash).rejects.toThrow("crashed before the delete");
    expect(await countOutbox(runtime.serviceDb)).toBe(1);
    await withWorkers({}, async (w) => {
      await w.relay?.drain();
      await waitForState(ids[0]!, "completed");
    });
    expect(await countOutbox(runtime.serviceDb)).toBe(0);
    const all = await maintenance().getJobs(["completed", "waiting", "active", "failed"]);
    expect(all.filter((j) => j.id === ids[0])).toHaveLength(1);
  });

  it("retries a job whose handler failed halfway, with backoff, until it succeeds", async () => {
    const attempts: number[] = [];
    await withWorkers(
      {
        handlers: {
          [JOB]: async (_payload: unknown, ctx: JobContext) => {
            attempts.push(ctx.attempt);
            if (ctx.attempt === 1) throw new Error("database went away mid-job");
            return { created: 0 };
          },
        },
      },
      async () => {
        const id = await enqueueNow(queues, JOB, { months_ahead: 1 });
        await waitForState(id, "completed");
        const job = await maintenance().getJob(id);
        expect(job?.attemptsMade).toBe(2);
      },
    );
    expect(attempts).toEqual([1, 2]);
  });

  it("keeps a job that exhausted its attempts in the failed set for inspection", async () => {
    await withWorkers(
      {
        handlers: {
          [JOB]: async () => {
            throw new Error("always broken");
          },
        },
      },
      async () => {
        const id = await enqueueNow(queues, JOB, { months_ahead: 1 }, { attempts: 2, backoff: 10 });
        await waitForState(id, "failed");
        const job = await maintenance().getJob(id);
        expect(job?.failedReason).toBe("always broken");
        expect(job?.attemptsMade).toBe(2);
      },
    );
  });

  it("a job whose worker crashed (lock lost) is picked up by another worker", async () => {
    const crashed = await startWorkers(runtime, {
      ...FAST,
      relay: false,
      lockDurationMs: 1_000,
      handlers: { [JOB]: () => new Promise(() => {}) },
    });
    const id = await enqueueNow(queues, JOB, { months_ahead: 1 });
    await waitForState(id, "active");
    // A crash: the process stops renewing its lock and never reports the job.
    await Promise.all(crashed.workers.map((w) => w.close(true)));
    await crashed.queues.close();
    await withWorkers({ lockDurationMs: 1_000 }, async () => {
      await waitForState(id, "completed", 20_000);
    });
  });

  it("shutdown lets a short in-flight job finish and hands a long one back to the queue", async () => {
    let release: (() => void) | undefined;
    const calls: string[] = [];
    const w = await startWorkers(runtime, {
      ...FAST,
      handlers: {
        [JOB]: async (payload: { months_ahead: number }, ctx: JobContext) => {
          calls.push(`${payload.months_ahead}:${ctx.attempt}`);
          if (payload.months_ahead === 1) {
            await new Promise<void>((r) => {
              release = r;
            });
            return "finished";
          }
          // Long: only stops when aborted.
          await new Promise<void>((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))),
          );
        },
      },
    });
    const short = await enqueueNow(queues, JOB, { months_ahead: 1 });
    const long = await enqueueNow(queues, JOB, { months_ahead: 2 });
    await waitForState(short, "active");
    await waitForState(long, "active");
    const closing = w.close(500);
    await sleep(100);
    release?.();
    await closing;
    expect(await stateOf(short)).toBe("completed");
    expect(await stateOf(long)).toBe("waiting");
    const returned: Job | undefined = await maintenance().getJob(long);
    expect(returned?.attemptsMade).toBe(0);
    await withWorkers({}, async () => waitForState(long, "completed"));
  });

  it("schedules repeatable jobs once, however many workers boot, and drops unlisted ones only", async () => {
    const schedule = {
      id: "test-every-hour",
      job: JOB,
      data: { months_ahead: 3 },
      repeat: { every: 3_600_000 },
    } as const;
    // Made at run time, not from the list: never removed by a boot.
    await maintenance().upsertJobScheduler(
      "per-tz:Australia/Perth",
      { every: 3_600_000 },
      {
        name: JOB,
        data: { months_ahead: 1 },
      },
    );
    const a = await startWorkers(runtime, { ...FAST, schedules: [schedule], relay: false });
    const b = await startWorkers(runtime, { ...FAST, schedules: [schedule], relay: false });
    const ids = async () => (await maintenance().getJobSchedulers()).map((s) => s.key ?? s.id);
    expect((await ids()).filter((k) => k === "static:test-every-hour")).toHaveLength(1);
    await b.close(0);
    await a.close(0);
    await startWorkers(runtime, { ...FAST, relay: false }).then((c) => c.close(0));
    expect(await ids()).not.toContain("static:test-every-hour");
    expect(await ids()).toContain("per-tz:Australia/Perth");
  });

  it("reports queue depth per queue and state at /metrics", async () => {
    await maintenance().add(JOB, { months_ahead: 1 }, { delay: 3_600_000 });
    const text = await metricsText(url);
    expect(text).toMatch(/sitesync_queue_depth\{queue="maintenance",state="delayed"\} [1-9]/);
    expect(text).toMatch(/sitesync_job_outbox_pending \d+/);
  });
});

describe("queue dashboard at /admin/queues", () => {
  it("asks for credentials, refuses organisation admins, and opens for platform administrators", async () => {
    const none = await api(url, "GET", "/admin/queues");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic /);
    expect(none.headers.get("content-type")).toMatch(/problem\+json/);

    const orgOwner = await buildOrgWithUser(runtime.serviceDb, "owner");
    expect((await api(url, "GET", "/admin/queues", { token: orgOwner.token })).status).toBe(403);

    const password = "platform-operator-pw";
    const operator = await buildUser(runtime.serviceDb, {
      organizationId: null,
      userType: "admin",
      passwordHash: await hashPassword(password),
    });
    const { token } = await sessionFor(runtime.serviceDb, operator);
    const viaBearer = await api(url, "GET", "/admin/queues", { token });
    expect(viaBearer.status).toBe(200);
    expect(String(viaBearer.body)).toContain("<html");

    const basic = (p: string) =>
      `Basic ${Buffer.from(`${operator.email}:${p}`).toString("base64")}`;
    const wrong = await api(url, "GET", "/admin/queues", {
      headers: { authorization: basic("x") },
    });
    expect(wrong.status).toBe(401);
    const viaBasic = await api(url, "GET", "/admin/queues/api/queues", {
      headers: { authorization: basic(password) },
    });
    expect(viaBasic.status).toBe(200);
    const names = viaBasic.body.queues.map((q: { name: string }) => q.name);
    expect(names).toContain("maintenance");
  });
});
