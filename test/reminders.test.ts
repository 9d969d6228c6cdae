import { sql } from "slonik";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { REMINDER_KINDS, type ReminderKind } from "../server/db/reminders.ts";
import { withTenant } from "../server/db/tenant-context.ts";
import { enqueueNow } from "../server/jobs/queues.ts";
import type { JobContext } from "../workers/handlers/context.ts";
import {
  dispatchReminders,
  remindOrganization,
  remindUser,
} from "../workers/handlers/reminders.ts";
import type { ReminderHooks } from "../workers/reminders/run.ts";
import { startWorkers } from "../workers/start.ts";
import { buildElevator, buildOrganization, buildSite, buildUser } from "./factories.ts";
import { jobContext, jobRuntime, waitForJob } from "./helpers/jobs.ts";
import { sleep } from "./helpers/realtime.ts";

/**
 * Reminder delivery against real Postgres (RLS as sitesync_app) and real BullMQ workers:
 * who is told, the seed's flags, and exactly once when the job runs twice, runs on two
 * workers at once, or crashes between sending and flagging.
 */
const { runtime, queues, db } = await jobRuntime();

/** The run's local day; every date below is relative to it. */
const D = "2026-06-01";
const day = (n: number) => {
  const d = new Date(`${D}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};

const ctx = () => jobContext(runtime);

const Id = z.object({ id: z.string() });

/**
 * An organisation with an owner and a manager (told of everything), a technician
 * (told of their own certificate only), a contractor whose own user account belongs to no
 * organisation, and one of each thing to remind of.
 */
async function world(timezone?: string) {
  const org = await buildOrganization(db);
  if (timezone) {
    await db.query(sql.unsafe`
      UPDATE organizations SET settings = jsonb_build_object('timezone', ${timezone}::text)
       WHERE id = ${org.id}`);
  }
  const owner = await buildUser(db, { organizationId: org.id, role: "owner" });
  const manager = await buildUser(db, { organizationId: org.id, role: "manager" });
  const technician = await buildUser(db, { organizationId: org.id, role: "technician" });
  const contractorUser = await buildUser(db, { organizationId: null, role: "user" });
  const site = await buildSite(db, org.id, { name: "Harbour Tower" });
  const lift = await buildElevator(db, org.id, site.id, { unit_number: "L1" });
  await db.query(sql.unsafe`
    UPDATE elevators SET next_inspection_due = ${day(14)} WHERE id = ${lift.id}`);
  const requirement = await db.oneFirst(sql.type(Id)`
    INSERT INTO compliance_requirements (jurisdiction_country, equipment_type, requirement_type, name)
    VALUES ('Australia', 'elevator', 'inspection', 'Annual safety inspection') RETURNING id`);
  const compliance = async (due: string, status = "pending") =>
    db.oneFirst(sql.type(Id)`
      INSERT INTO compliance_tracking (organization_id, elevator_id, requirement_id, next_due_date, status)
      VALUES (${org.id}, ${lift.id}, ${requirement}, ${due}, ${status}) RETURNING id`);
  const policy = async (expiry: string, number: string) =>
    db.oneFirst(sql.type(Id)`
      INSERT INTO insurance_policies (organization_id, policy_type, policy_number, insurer_name,
                                      effective_date, expiry_date)
      VALUES (${org.id}, 'liability', ${number}, 'QBE', '2025-06-01', ${expiry}) RETURNING id`);
  const ids = {
    due30: await compliance(day(20)),
    due7: await compliance(day(5)),
    overdue: await compliance(day(-3)),
    far: await compliance(day(45)),
    exempt: await compliance(day(5), "exempt"),
    policy30: await policy(day(25), "POL-30"),
    policyExpired: await policy(day(-1), "POL-OLD"),
    certificate: await db.oneFirst(sql.type(Id)`
      INSERT INTO user_certifications (user_id, name, issued_date, expiry_date)
      VALUES (${technician.id}, 'Lift mechanic licence', '2021-06-01', ${day(10)}) RETURNING id`),
    contractor: await db.oneFirst(sql.type(Id)`
      INSERT INTO contractors (organization_id, user_id, contractor_type, company_name, contact_name,
                               license_number, license_expiry, insurance_policy, insurance_expiry)
      VALUES (${org.id}, ${contractorUser.id}, 'subcontractor', 'Lift Co', 'Sam', 'LIC-9', ${day(6)},
              'INS-4', ${day(29)}) RETURNING id`),
    elevator: lift.id,
  };
  return { org, owner, manager, technician, contractorUser, ids };
}
type World = Awaited<ReturnType<typeof world>>;

/** Every reminder each user has, as dedupe keys with the row's stage. */
async function remindersOf(userId: string): Promise<string[]> {
  return [
    ...(await db.anyFirst(sql.type(z.object({ k: z.string() }))`
      SELECT dedupe_key AS k FROM notifications
       WHERE user_id = ${userId} AND notification_type = 'reminder' ORDER BY dedupe_key`)),
  ];
}

const Flags = z.object({
  reminder_sent_30: z.boolean(),
  reminder_sent_7: z.boolean(),
  status: z.string(),
});
const complianceFlags = (id: string) =>
  db.one(sql.type(Flags)`
    SELECT reminder_sent_30, reminder_sent_7, status FROM compliance_tracking WHERE id = ${id}`);
const policyFlags = (id: string) =>
  db.one(sql.type(Flags)`
    SELECT reminder_sent_30, reminder_sent_7, status FROM insurance_policies WHERE id = ${id}`);
const certificateSent = (id: string) =>
  db.oneFirst(sql.type(z.object({ s: z.boolean() }))`
    SELECT reminder_sent AS s FROM user_certifications WHERE id = ${id}`);

/** What one run for D must leave, whoever ran it and however often. */
async function expectRemindedOnce(w: World) {
  const { ids } = w;
  const staffKeys = [
    `reminder:compliance:${ids.due30}:${day(20)}:30`,
    `reminder:compliance:${ids.due7}:${day(5)}:7`,
    `reminder:compliance:${ids.overdue}:${day(-3)}:overdue`,
    `reminder:insurance_policy:${ids.policy30}:${day(25)}:30`,
    `reminder:insurance_policy:${ids.policyExpired}:${day(-1)}:overdue`,
    `reminder:certification:${ids.certificate}:${day(10)}:30`,
    `reminder:contractor_licence:${ids.contractor}:${day(6)}:7`,
    `reminder:contractor_insurance:${ids.contractor}:${day(29)}:30`,
    `reminder:elevator_inspection:${ids.elevator}:${day(14)}:30`,
  ].sort();
  expect(await remindersOf(w.owner.id)).toEqual(staffKeys);
  expect(await remindersOf(w.manager.id)).toEqual(staffKeys);
  expect(await remindersOf(w.technician.id)).toEqual([
    `reminder:certification:${ids.certificate}:${day(10)}:30`,
  ]);
  expect(await remindersOf(w.contractorUser.id)).toEqual(
    [
      `reminder:contractor_licence:${ids.contractor}:${day(6)}:7`,
      `reminder:contractor_insurance:${ids.contractor}:${day(29)}:30`,
    ].sort(),
  );
  expect(await complianceFlags(ids.due30)).toEqual({
    reminder_sent_30: true,
    reminder_sent_7: false,
    status: "pending",
  });
  expect(await complianceFlags(ids.due7)).toEqual({
    reminder_sent_30: true,
    reminder_sent_7: true,
    status: "pending",
  });
  expect((await complianceFlags(ids.overdue)).status).toBe("overdue");
  expect(await complianceFlags(ids.far)).toEqual({
    reminder_sent_30: false,
    reminder_sent_7: false,
    status: "pending",
  });
  expect(await complianceFlags(ids.exempt)).toMatchObject({ reminder_sent_30: false });
  expect(await policyFlags(ids.policy30)).toMatchObject({ reminder_sent_30: true });
  expect((await policyFlags(ids.policyExpired)).status).toBe("expired");
  expect(await certificateSent(ids.certificate)).toBe(true);
}

/**
 * Ends a backend of the app role as a crash would (Postgres rolls its transaction back).
 * Through the app pool: a role may signal its own backends, the service role may not.
 */
const terminate = (pid: number) =>
  runtime.db.oneFirst(
    sql.type(z.object({ ok: z.boolean() }))`SELECT pg_terminate_backend(${pid}) AS ok`,
  );

const reminderQueue = () => queues.get("reminders");

const waitForState = (id: string, wanted: string, timeoutMs?: number) =>
  waitForJob(queues, "reminders", id, wanted, timeoutMs);

/** Workers without schedules or relay (the jobs are queued directly), fast stall checks. */
const FAST = { schedules: [], relay: false, stalledIntervalMs: 300 } as const;

describe("reminder delivery", () => {
  it("tells the right people of each due item once and sets the seed's flags", async () => {
    const w = await world();
    const counts = await remindOrganization({ organization_id: w.org.id, local_date: D }, ctx());
    expect(counts.compliance.reminders).toBe(3);
    expect(counts.insurance_policy.reminders).toBe(2);
    expect(counts.certification).toEqual({ reminders: 1, notifications: 3 });
    expect(counts.contractor_licence).toEqual({ reminders: 1, notifications: 3 });
    expect(counts.elevator_inspection).toEqual({ reminders: 1, notifications: 2 });
    await expectRemindedOnce(w);

    const title = await db.oneFirst(sql.type(z.object({ t: z.string() }))`
      SELECT title AS t FROM notifications
       WHERE user_id = ${w.owner.id} AND dedupe_key LIKE ${`reminder:compliance:${w.ids.due7}:%`}`);
    expect(title).toBe(
      "Compliance due in 5 days: Annual safety inspection (Harbour Tower, lift L1)",
    );
  });

  it("a second run sends nothing; the 7-day reminder follows the 30-day one, and a new date starts over", async () => {
    const w = await world();
    await remindOrganization({ organization_id: w.org.id, local_date: D }, ctx());
    const again = await remindOrganization({ organization_id: w.org.id, local_date: D }, ctx());
    expect(Object.values(again).every((c) => c.reminders === 0)).toBe(true);
    await expectRemindedOnce(w);

    // The kinds without a seed flag are recorded in reminder_deliveries, the organisation's
    // own (RLS): an admin who joins later is not sent what already went out, of any kind.
    const deliveries = (organizationId: string) =>
      withTenant(runtime.db, { organizationId, userId: null }, (tx) =>
        tx.anyFirst(sql.type(z.object({ k: z.string() }))`
          SELECT kind || ':' || stage AS k FROM reminder_deliveries ORDER BY 1`),
      );
    expect(await deliveries(w.org.id)).toEqual([
      "contractor_insurance:30",
      "contractor_licence:7",
      "elevator_inspection:30",
    ]);
    expect(await deliveries((await buildOrganization(db)).id)).toEqual([]);
    const newcomer = await buildUser(db, { organizationId: w.org.id, role: "admin" });
    await remindOrganization({ organization_id: w.org.id, local_date: day(1) }, ctx());
    expect(await remindersOf(newcomer.id)).toEqual([]);

    // 15 days later the first item is 5 days away: its 7-day reminder, once.
    const later = await remindOrganization(
      { organization_id: w.org.id, local_date: day(15) },
      ctx(),
    );
    expect(later.compliance.reminders).toBeGreaterThanOrEqual(1);
    expect(await remindersOf(w.owner.id)).toContain(
      `reminder:compliance:${w.ids.due30}:${day(20)}:7`,
    );
    expect(await complianceFlags(w.ids.due30)).toMatchObject({ reminder_sent_7: true });

    // Completed: the date moves a year on and the flags clear for the next cycle.
    await db.query(sql.unsafe`
      UPDATE compliance_tracking SET next_due_date = ${day(380)}, status = 'compliant'
       WHERE id = ${w.ids.due30}`);
    expect(await complianceFlags(w.ids.due30)).toEqual({
      reminder_sent_30: false,
      reminder_sent_7: false,
      status: "compliant",
    });
    // An update that sets a flag itself keeps it.
    await db.query(sql.unsafe`
      UPDATE compliance_tracking SET next_due_date = ${day(381)}, reminder_sent_30 = true
       WHERE id = ${w.ids.due30}`);
    expect(await complianceFlags(w.ids.due30)).toMatchObject({ reminder_sent_30: true });
  });

  it("exactly once when two workers run the same organisation's reminders at the same time", async () => {
    const w = await world();
    // Each reminder's transaction stays open a moment after notifying, so the two runs
    // overlap on every item.
    const slow: ReminderHooks = {
      afterNotify: async () => {
        await sleep(40);
      },
    };
    const spans: { from: number; to: number }[] = [];
    const handlers = {
      "reminders.organization": async (
        p: { organization_id: string; local_date: string },
        c: JobContext,
      ) => {
        const span = { from: Date.now(), to: Number.POSITIVE_INFINITY };
        spans.push(span);
        try {
          return await remindOrganization(p, c, slow);
        } finally {
          span.to = Date.now();
        }
      },
    };
    const a = await startWorkers(runtime, { ...FAST, handlers });
    const b = await startWorkers(runtime, { ...FAST, handlers });
    try {
      const payload = { organization_id: w.org.id, local_date: D };
      const [one, two] = await Promise.all([
        enqueueNow(queues, "reminders.organization", payload),
        enqueueNow(queues, "reminders.organization", payload),
      ]);
      await waitForState(one, "completed");
      await waitForState(two, "completed");
      const done = await Promise.all([one, two].map((id) => reminderQueue().getJob(id)));
      // Both ran (neither was skipped as a duplicate), on different workers at once.
      expect(done.every((j) => j?.attemptsMade === 1)).toBe(true);
      const sent = done.map((j) => j?.returnvalue.compliance.reminders);
      expect(sent.reduce((s, n) => s + n, 0)).toBe(3);
      // They really overlapped: each started before the other ended.
      expect(spans).toHaveLength(2);
      expect(spans[0]!.from < spans[1]!.to && spans[1]!.from < spans[0]!.to).toBe(true);
    } finally {
      await a.close(0);
      await b.close(0);
    }
    await expectRemindedOnce(w);
  });

  it("exactly once for every kind when the database connection dies between sending and flagging (retried)", async () => {
    const w = await world();
    // The first reminder of each kind loses its connection after notify() and before its
    // flag (or, for the kinds without one, before the commit that makes its notifications
    // real); the other reminders of the run go out, and the job fails for the retry.
    const crashed = new Map<ReminderKind, string>();
    const crashOncePerKind: ReminderHooks = {
      afterNotify: async (tx, kind, item, stage) => {
        if (crashed.has(kind)) return;
        crashed.set(kind, `reminder:${kind}:${item.id}:${item.due_date}:${stage}`);
        const pid = await tx.oneFirst(
          sql.type(z.object({ pid: z.number() }))`SELECT pg_backend_pid() AS pid`,
        );
        expect(await terminate(pid)).toBe(true);
        throw new Error("connection lost between sending and flagging");
      },
    };
    const workers = await startWorkers(runtime, {
      ...FAST,
      handlers: {
        "reminders.organization": async (p, c) => {
          // What the crashed attempt left, seen by the retry before it does anything.
          if (c.attempt === 2) {
            leftBehind = await db.anyFirst(sql.type(z.object({ k: z.string() }))`
              SELECT dedupe_key AS k FROM notifications
               WHERE dedupe_key = ANY(${sql.array([...crashed.values()], "text")})`);
            flagsBehind = [
              (await complianceFlags(w.ids.overdue)).status,
              (await policyFlags(w.ids.policyExpired)).status,
              await certificateSent(w.ids.certificate),
            ];
            othersSent = (await remindersOf(w.owner.id)).length;
          }
          return remindOrganization(p, c, crashOncePerKind);
        },
      },
    });
    let leftBehind: readonly string[] | null = null;
    let flagsBehind: (string | boolean)[] = [];
    let othersSent = 0;
    try {
      const id = await enqueueNow(queues, "reminders.organization", {
        organization_id: w.org.id,
        local_date: D,
      });
      await waitForState(id, "completed");
      expect((await reminderQueue().getJob(id))?.attemptsMade).toBe(2);
    } finally {
      await workers.close(0);
    }
    // Each kind's first item crashed (the past-due ones first: they are the earliest).
    const { ids } = w;
    expect([...crashed.values()].sort()).toEqual(
      [
        `reminder:compliance:${ids.overdue}:${day(-3)}:overdue`,
        `reminder:insurance_policy:${ids.policyExpired}:${day(-1)}:overdue`,
        `reminder:certification:${ids.certificate}:${day(10)}:30`,
        `reminder:contractor_licence:${ids.contractor}:${day(6)}:7`,
        `reminder:contractor_insurance:${ids.contractor}:${day(29)}:30`,
        `reminder:elevator_inspection:${ids.elevator}:${day(14)}:30`,
      ].sort(),
    );
    // The crashed reminders left neither notifications nor flags or statuses; the others
    // went out in the first attempt.
    expect(leftBehind).toEqual([]);
    expect(flagsBehind).toEqual(["pending", "active", false]);
    expect(othersSent).toBe(9 - REMINDER_KINDS.length);
    await expectRemindedOnce(w);
  });

  it("exactly once when the worker dies between sending and flagging and another takes the job over", async () => {
    const w = await world();
    let hung: { pid: number; release: () => void } | null = null;
    const dieOnce: ReminderHooks = {
      afterNotify: async (tx) => {
        if (hung) return;
        const pid = await tx.oneFirst(
          sql.type(z.object({ pid: z.number() }))`SELECT pg_backend_pid() AS pid`,
        );
        // The process stops here for good: it neither commits nor reports the job.
        await new Promise<void>((release) => {
          hung = { pid, release };
        });
        throw new Error("a dead process does not continue");
      },
    };
    const dying = await startWorkers(runtime, {
      ...FAST,
      lockDurationMs: 1_000,
      handlers: { "reminders.organization": (p, c) => remindOrganization(p, c, dieOnce) },
    });
    const id = await enqueueNow(queues, "reminders.organization", {
      organization_id: w.org.id,
      local_date: D,
    });
    const deadline = Date.now() + 15_000;
    while (!hung && Date.now() < deadline) await sleep(20);
    const stuck = hung as { pid: number; release: () => void } | null;
    expect(stuck).not.toBeNull();
    // What a crash does: its connections close (Postgres rolls back), its lock lapses.
    expect(await terminate(stuck!.pid)).toBe(true);
    await Promise.all(dying.workers.map((x) => x.close(true)));
    await dying.queues.close();
    // Nothing of the dead run survived: no notification, no flag.
    expect(await remindersOf(w.owner.id)).toEqual([]);
    expect(await complianceFlags(w.ids.due30)).toMatchObject({ reminder_sent_30: false });

    const survivor = await startWorkers(runtime, { ...FAST, lockDurationMs: 1_000 });
    try {
      await waitForState(id, "completed", 30_000);
    } finally {
      await survivor.close(0);
      stuck!.release();
    }
    await expectRemindedOnce(w);
  });

  it("a user without an organisation is reminded of their own certificate, as themselves", async () => {
    const user = await buildUser(db, { organizationId: null, role: "user" });
    const cert = await db.oneFirst(sql.type(Id)`
      INSERT INTO user_certifications (user_id, name, issued_date, expiry_date)
      VALUES (${user.id}, 'Electrical licence', '2022-01-01', ${day(3)}) RETURNING id`);
    const counts = await remindUser({ user_id: user.id, local_date: D }, ctx());
    expect(counts.certification).toEqual({ reminders: 1, notifications: 1 });
    expect(await remindersOf(user.id)).toEqual([`reminder:certification:${cert}:${day(3)}:30`]);
    expect(await certificateSent(cert)).toBe(true);
    const again = await remindUser({ user_id: user.id, local_date: D }, ctx());
    expect(again.certification.reminders).toBe(0);
  });

  it("queues each organisation's run once per local day, from 07:00 in its own timezone", async () => {
    const perth = await world("Australia/Perth");
    const sydney = await world(); // no timezone: Australia/Sydney
    const bogus = await world("Mars/Olympus_Mons"); // unknown: Australia/Sydney
    const loner = await buildUser(db, { organizationId: null, role: "user" });
    await db.query(sql.unsafe`UPDATE users SET timezone = 'Europe/London' WHERE id = ${loner.id}`);
    await db.query(sql.unsafe`
      INSERT INTO user_certifications (user_id, name, issued_date, expiry_date)
      VALUES (${loner.id}, 'First aid', '2024-01-01', '2026-06-20')`);

    const queued = async () =>
      db.any(sql.type(
        z.object({ job_name: z.string(), payload: z.record(z.string(), z.unknown()) }),
      )`
        SELECT job_name, payload FROM job_outbox WHERE job_name LIKE 'reminders.%' ORDER BY id`);
    const runFor = async (subject: string) =>
      (await queued()).filter(
        (r) => r.payload.organization_id === subject || r.payload.user_id === subject,
      );

    // 21:30 UTC on 1 June: 07:30 on 2 June in Sydney (AEST), 05:30 in Perth, 22:30 in London.
    await dispatchReminders({ at: "2026-06-01T21:30:00Z" }, ctx());
    expect(await runFor(sydney.org.id)).toEqual([
      {
        job_name: "reminders.organization",
        payload: { organization_id: sydney.org.id, local_date: "2026-06-02" },
      },
    ]);
    expect(await runFor(bogus.org.id)).toHaveLength(1);
    expect(await runFor(perth.org.id)).toHaveLength(0);
    // Already past 07:00 on 1 June in London: that day's run.
    expect(await runFor(loner.id)).toEqual([
      { job_name: "reminders.user", payload: { user_id: loner.id, local_date: "2026-06-01" } },
    ]);

    // Every 15 minutes again: nothing twice. At 23:00 UTC Perth reaches 07:00.
    await dispatchReminders({ at: "2026-06-01T21:45:00Z" }, ctx());
    await dispatchReminders({ at: "2026-06-01T23:00:00Z" }, ctx());
    expect(await runFor(sydney.org.id)).toHaveLength(1);
    expect(await runFor(perth.org.id)).toEqual([
      {
        job_name: "reminders.organization",
        payload: { organization_id: perth.org.id, local_date: "2026-06-02" },
      },
    ]);
    // London's next day starts at 07:00 BST, 06:00 UTC on 2 June.
    await dispatchReminders({ at: "2026-06-02T05:59:00Z" }, ctx());
    expect(await runFor(loner.id)).toHaveLength(1);
    await dispatchReminders({ at: "2026-06-02T06:00:00Z" }, ctx());
    expect((await runFor(loner.id)).map((r) => r.payload.local_date)).toEqual([
      "2026-06-01",
      "2026-06-02",
    ]);
    // The next local day runs again.
    await dispatchReminders({ at: "2026-06-02T21:30:00Z" }, ctx());
    expect((await runFor(sydney.org.id)).map((r) => r.payload.local_date)).toEqual([
      "2026-06-02",
      "2026-06-03",
    ]);
    // Nothing here runs the queued jobs; leave no outbox rows for later files' relays.
    await db.query(sql.unsafe`DELETE FROM job_outbox`);
  });

  it("two dispatchers at the same moment (two workers' ticks) queue each run once", async () => {
    const w = await world();
    const at = "2026-07-01T21:30:00Z"; // 07:30 on 2 July in Sydney
    const runsOf = () =>
      db.any(sql.type(z.object({ local_date: z.string() }))`
        SELECT payload ->> 'local_date' AS local_date FROM job_outbox
         WHERE job_name = 'reminders.organization'
           AND payload ->> 'organization_id' = ${w.org.id}`);
    const [one, two] = await Promise.all([
      dispatchReminders({ at }, ctx()),
      dispatchReminders({ at }, ctx()),
    ]);
    expect(await runsOf()).toEqual([{ local_date: "2026-07-02" }]);
    // Every run recorded now was queued by exactly one of the two.
    const recorded = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(*)::int AS n FROM reminder_runs WHERE local_date = '2026-07-02'`);
    expect(one.queued + two.queued).toBe(recorded);
    await db.query(sql.unsafe`DELETE FROM job_outbox`);
  });

  it("refuses a payload without a proper date or organisation id", async () => {
    await expect(
      enqueueNow(queues, "reminders.organization", {
        organization_id: "not-a-uuid",
        local_date: D,
      }),
    ).rejects.toThrow();
    await expect(
      enqueueNow(queues, "reminders.organization", {
        organization_id: "6f1c2a70-0000-4000-8000-000000000000",
        local_date: "1 June",
      }),
    ).rejects.toThrow();
  });
});
