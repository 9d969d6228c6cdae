import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { parseEnv } from "../server/env.ts";
import { logger } from "../server/logger.ts";
import type { Runtime } from "../server/runtime.ts";
import { topicName } from "../shared/realtime/topics.ts";
import type { JobContext } from "../workers/handlers/context.ts";
import { diagnose } from "../workers/handlers/diagnose.ts";
import { type RunningWorkers, startWorkers } from "../workers/start.ts";
import { buildElevator, buildOrgWithUser, buildSite, buildUser, sessionFor } from "./factories.ts";
import { connectClient, startHub, waitFor } from "./helpers/realtime.ts";
import { api } from "./helpers/runtime.ts";

/**
 * Fault diagnosis end to end: real HTTP, the job outbox, BullMQ workers, Postgres under
 * the requesting user's RLS context, and the hub streaming the result.
 */
const hub = await startHub();
const runtime = hub.runtime;
const db = runtime.serviceDb;
let workers: RunningWorkers;

beforeAll(async () => {
  workers = await startWorkers(runtime, { schedules: [] });
});
afterAll(() => workers.close(0));

type Org = Awaited<ReturnType<typeof buildOrgWithUser>> & { siteId: string; elevatorId: string };

async function org(): Promise<Org> {
  const o = await buildOrgWithUser(db, "admin");
  const site = await buildSite(db, o.orgId);
  const lift = await buildElevator(db, o.orgId, site.id);
  return { ...o, siteId: site.id, elevatorId: lift.id };
}

/** A completed work order with its fix, as history to learn from. */
async function resolved(
  o: Org,
  fields: { fault_code: string; root_cause: string; symptoms?: string[]; parts?: string[] },
) {
  await db.query(sql.unsafe`
    INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, status,
                             title, fault_code, reported_symptoms, root_cause, resolution_notes,
                             custom_fields, completed_at)
    VALUES (${o.orgId}, ${o.siteId}, ${o.elevatorId}, ${o.userId}, 'breakdown', 'completed',
            'Door lock circuit open', ${fields.fault_code},
            ${sql.array(fields.symptoms ?? ["doors won't close"], "text")},
            ${fields.root_cause}, 'Fixed it',
            ${sql.jsonb({ parts_used: fields.parts ?? [] })}, now())`);
}

const WorkOrder = z.object({
  ai_diagnosis_id: z.string().nullable(),
  ai_suggested_causes: z.array(z.string()).nullable(),
  ai_suggested_parts: z.array(z.string()).nullable(),
  ai_confidence: z.string().nullable(),
  ai_diagnosis_at: z.string().nullable(),
});
const workOrder = (id: string) =>
  db.one(sql.type(WorkOrder)`
    SELECT ai_diagnosis_id, ai_suggested_causes, ai_suggested_parts, ai_confidence, ai_diagnosis_at
      FROM work_orders WHERE id = ${id}`);

const auditOf = (id: string, type: string) =>
  db.any(sql.type(
    z.object({ event_data: z.record(z.string(), z.unknown()), actor_type: z.string() }),
  )`
    SELECT event_data, actor_type FROM audit_events
     WHERE entity_id = ${id} AND event_type = ${type} ORDER BY created_at`);

async function untilDiagnosed(id: string) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const row = await workOrder(id);
    if (row.ai_diagnosis_at) return row;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("no diagnosis");
}

async function createBreakdown(o: Org, body: Record<string, unknown> = {}) {
  const res = await api(hub.url, "POST", "/api/v1/work-orders", {
    token: o.token,
    body: {
      site_id: o.siteId,
      elevator_id: o.elevatorId,
      type: "breakdown",
      title: "Door lock circuit open",
      ...body,
    },
  });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

/** A known history: fault 0001 was fixed 3× by A (with a roller), 1× by B; 0015 by C. */
async function knownHistory(o: Org) {
  for (let i = 0; i < 3; i++) {
    await resolved(o, {
      fault_code: "0001",
      root_cause: "Worn landing door lock roller",
      parts: ["landing door lock roller"],
    });
  }
  await resolved(o, { fault_code: "0001", root_cause: "Landing door lock contact misaligned" });
  await resolved(o, { fault_code: "0015", root_cause: "Door operator belt stretched" });
}

describe("diagnosis on a small known history", () => {
  it("a new breakdown with a fault code is diagnosed automatically, from its own organisation's history", async () => {
    const o = await org();
    await knownHistory(o);
    // Another organisation's history with the same code must never leak in (RLS).
    const other = await org();
    for (let i = 0; i < 5; i++) {
      await resolved(other, { fault_code: "0001", root_cause: "Someone else's secret cause" });
    }
    const created = await createBreakdown(o, { fault_code: "0001" });
    const row = await untilDiagnosed(created.id);
    expect(row.ai_suggested_causes).toEqual([
      "Worn landing door lock roller",
      "Landing door lock contact misaligned",
    ]);
    expect(row.ai_suggested_parts).toEqual(["landing door lock roller"]);
    // 3 agreeing of 4, plus the prior: well above a coin toss, well below certainty.
    const confidence = Number(row.ai_confidence);
    expect(confidence).toBeGreaterThan(0.5);
    expect(confidence).toBeLessThan(0.75);

    const [requested] = await auditOf(created.id, "diagnosis_requested");
    expect(requested?.event_data).toMatchObject({ trigger: "automatic" });
    const [completed] = await auditOf(created.id, "diagnosis_completed");
    expect(completed?.event_data).toMatchObject({
      diagnosis_id: requested?.event_data.diagnosis_id,
      no_evidence: false,
      // The 0015 fix on the same model with the same title is weak evidence for C, too
      // weak (under a tenth of the top cause) to be suggested.
      evidence: { work_orders: 5, knowledge: 0, quirks: 0 },
      summary: null,
    });
    expect(row.ai_diagnosis_id).toBe(requested?.event_data.diagnosis_id);
  });

  it("does not diagnose planned work or a breakdown that says nothing about the fault", async () => {
    const o = await org();
    const quiet = await createBreakdown(o);
    const service = await createBreakdown(o, { type: "preventive", fault_code: "0001" });
    await new Promise((r) => setTimeout(r, 500));
    expect(await auditOf(quiet.id, "diagnosis_requested")).toEqual([]);
    expect(await auditOf(service.id, "diagnosis_requested")).toEqual([]);
  });

  it("with no evidence says so and suggests nothing", async () => {
    const o = await org();
    const created = await createBreakdown(o, { fault_code: "9999", reported_symptoms: ["smoke"] });
    const row = await untilDiagnosed(created.id);
    expect(row.ai_suggested_causes).toEqual([]);
    expect(row.ai_suggested_parts).toEqual([]);
    expect(row.ai_confidence).toBe("0.00");
    const [completed] = await auditOf(created.id, "diagnosis_completed");
    expect(completed?.event_data).toMatchObject({ no_evidence: true, causes: [] });
  });

  it("uses approved knowledge and the lift's known quirks, never drafts", async () => {
    const o = await org();
    await resolved(o, { fault_code: "0002", root_cause: "Landing door lock contact misaligned" });
    await resolved(o, { fault_code: "0002", root_cause: "Worn landing door lock roller" });
    await db.query(sql.unsafe`
      UPDATE elevators SET known_quirks = ARRAY['Landing door lock contact misaligned after heavy use']
       WHERE id = ${o.elevatorId}`);
    const insertKnowledge = (status: string, title: string, type = "solution") =>
      db.query(sql.unsafe`
        INSERT INTO knowledge_contributions (author_id, title, content, contribution_type,
                                             fault_code, equipment_manufacturer, status)
        VALUES (${o.userId}, ${title}, ${`${title}. Check it first.`},
                ${type}::contribution_type, '0002', 'KONE', ${status}::contribution_status)`);
    await insertKnowledge("approved", "Debris in landing door sill obstructing lock");
    await insertKnowledge("draft", "An unreviewed guess");
    const created = await createBreakdown(o, { fault_code: "0002" });
    const row = await untilDiagnosed(created.id);
    expect(row.ai_suggested_causes?.[0]).toBe("Landing door lock contact misaligned");
    expect(row.ai_suggested_causes).toContain("Debris in landing door sill obstructing lock");
    expect(row.ai_suggested_causes).not.toContain("An unreviewed guess");
    const [completed] = await auditOf(created.id, "diagnosis_completed");
    expect(completed?.event_data).toMatchObject({ evidence: { knowledge: 1, quirks: 1 } });
  });
});

describe("POST /work-orders/:id/diagnose", () => {
  it("queues a diagnosis (202), which the dispatch board sees arrive live over the socket", async () => {
    const o = await org();
    await knownHistory(o);
    const wo = await createBreakdown(o); // no fault code: not diagnosed automatically
    await db.query(sql.unsafe`UPDATE work_orders SET fault_code = '0001' WHERE id = ${wo.id}`);
    const client = await connectClient(hub.url, o.token);
    expect((await client.subscribe(topicName("org", o.orgId))).ok).toBe(true);

    const res = await api(hub.url, "POST", `/api/v1/work-orders/${wo.id}/diagnose`, {
      token: o.token,
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ work_order_id: wo.id, status: "queued" });
    const diagnosed = () =>
      client.events.find(
        (e) =>
          e.type === "work_order.updated" &&
          e.entity.id === wo.id &&
          (e.data as { ai_diagnosis_id?: string }).ai_diagnosis_id === res.body.diagnosis_id,
      );
    await waitFor(() => diagnosed() !== undefined, 20_000, "the diagnosis event");
    expect(diagnosed()?.data).toMatchObject({
      ai_suggested_causes: [
        "Worn landing door lock roller",
        "Landing door lock contact misaligned",
      ],
    });
    expect(diagnosed()?.changes).toEqual(
      expect.arrayContaining(["ai_diagnosis_id", "ai_suggested_causes", "ai_confidence"]),
    );
  });

  it("is 404 for another organisation's work order, 403 without the permission, 400 for a bad id", async () => {
    const o = await org();
    const other = await org();
    const theirs = await createBreakdown(other);
    const path = (id: string) => `/api/v1/work-orders/${id}/diagnose`;
    expect((await api(hub.url, "POST", path(theirs.id), { token: o.token })).status).toBe(404);
    const readonly = await buildUser(db, { organizationId: o.orgId, role: "readonly" });
    const { token } = await sessionFor(db, readonly);
    const mine = await createBreakdown(o);
    expect((await api(hub.url, "POST", path(mine.id), { token })).status).toBe(403);
    expect((await api(hub.url, "POST", path("nope"), { token: o.token })).status).toBe(400);
    expect(await auditOf(theirs.id, "diagnosis_requested")).toEqual([]);
  });
});

describe("the diagnosis job", () => {
  async function queuedPayload(o: Org) {
    const wo = await createBreakdown(o);
    return {
      organization_id: o.orgId,
      work_order_id: wo.id,
      diagnosis_id: randomUUID(),
      requested_by: o.userId,
    };
  }
  const ctx = (rt: Runtime, signal = new AbortController().signal): JobContext => ({
    runtime: rt,
    signal,
    jobId: "test",
    attempt: 1,
    log: logger,
  });

  it("is idempotent: a second run, and a run after a crash halfway, leave one result", async () => {
    const o = await org();
    await knownHistory(o);
    const payload = await queuedPayload(o);
    await db.query(
      sql.unsafe`UPDATE work_orders SET fault_code = '0001' WHERE id = ${payload.work_order_id}`,
    );

    // Crash halfway: aborted just before commit, so nothing of it stays.
    const aborted = new AbortController();
    aborted.abort();
    await expect(diagnose(payload, ctx(runtime, aborted.signal))).rejects.toThrow();
    expect((await workOrder(payload.work_order_id)).ai_diagnosis_id).toBeNull();
    expect(await auditOf(payload.work_order_id, "diagnosis_completed")).toEqual([]);

    expect(await diagnose(payload, ctx(runtime))).toMatchObject({ outcome: "completed" });
    const first = await workOrder(payload.work_order_id);
    expect(await diagnose(payload, ctx(runtime))).toEqual({ outcome: "already_done" });
    expect(await workOrder(payload.work_order_id)).toEqual(first);
    expect(await auditOf(payload.work_order_id, "diagnosis_completed")).toHaveLength(1);
  });

  it("phrases a summary through an OpenAI-compatible chat endpoint when configured, and survives it failing", async () => {
    const requests: Array<{ url: string; auth: string; body: any }> = [];
    let fail = false;
    const llm = createServer(async (req: IncomingMessage, res) => {
      let raw = "";
      for await (const chunk of req) raw += chunk;
      requests.push({
        url: req.url ?? "",
        auth: req.headers.authorization ?? "",
        body: JSON.parse(raw),
      });
      if (fail) {
        res.writeHead(500).end("overloaded");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: "chatcmpl-1",
          object: "chat.completion",
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: " Check the roller first. " },
              finish_reason: "stop",
            },
          ],
        }),
      );
    });
    await new Promise<void>((r) => llm.listen(0, "127.0.0.1", () => r()));
    afterAll(() => new Promise<void>((r) => llm.close(() => r())));
    const port = (llm.address() as AddressInfo).port;
    const withLlm: Runtime = {
      ...runtime,
      env: parseEnv({
        ...process.env,
        DIAGNOSIS_LLM_BASE_URL: `http://127.0.0.1:${port}/v1`,
        DIAGNOSIS_LLM_MODEL: "test-model",
        DIAGNOSIS_LLM_API_KEY: "sk-test",
      }),
    };
    const o = await org();
    await knownHistory(o);
    const payload = await queuedPayload(o);
    await db.query(
      sql.unsafe`UPDATE work_orders SET fault_code = '0001' WHERE id = ${payload.work_order_id}`,
    );
    await diagnose(payload, ctx(withLlm));
    const [completed] = await auditOf(payload.work_order_id, "diagnosis_completed");
    expect(completed?.event_data.summary).toBe("Check the roller first.");
    expect(requests[0]).toMatchObject({ url: "/v1/chat/completions", auth: "Bearer sk-test" });
    expect(requests[0]?.body.model).toBe("test-model");
    expect(JSON.stringify(requests[0]?.body.messages)).toContain("Worn landing door lock roller");

    fail = true;
    const again = await queuedPayload(o);
    await db.query(
      sql.unsafe`UPDATE work_orders SET fault_code = '0001' WHERE id = ${again.work_order_id}`,
    );
    expect(await diagnose(again, ctx(withLlm))).toMatchObject({ outcome: "completed" });
    const [saved] = await auditOf(again.work_order_id, "diagnosis_completed");
    expect(saved?.event_data.summary).toBeNull();
  });
});
