import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { recordAudit } from "../server/audit/record.ts";
import { verifyChain } from "../server/db/audit-events.ts";
import { withTenant } from "../server/db/tenant-context.ts";
import type { Runtime } from "../server/runtime.ts";
import { buildOrgWithUser } from "./factories.ts";
import { api, testServer } from "./helpers/runtime.ts";

let runtime: Runtime;
let baseUrl: string;
let org: Awaited<ReturnType<typeof buildOrgWithUser>>;

const ctx = (userId: string) => ({
  actorId: userId,
  actorType: "user" as const,
  requestId: "test",
});

async function append(orgId: string, userId: string, n: number): Promise<void> {
  await withTenant(runtime.db, { organizationId: orgId, userId }, (tx) =>
    recordAudit(tx, ctx(userId), {
      organizationId: orgId,
      eventType: "user_action",
      entityType: "test",
      entityId: userId,
      data: { n, note: 'héllo "quoted" <b>' },
      newState: { n, amount: "12.50" },
    }),
  );
}

beforeAll(async () => {
  const server = await testServer();
  runtime = server.runtime;
  baseUrl = server.url;
  org = await buildOrgWithUser(runtime.serviceDb, "admin");
});

describe("audit hash chain", () => {
  it("chains events per organisation and verifies", async () => {
    for (let i = 0; i < 5; i++) await append(org.orgId, org.userId, i);
    const result = await verifyChain(runtime.serviceDb, org.orgId);
    expect(result).toEqual({ ok: true, checked: 5, first_bad: null });
  });

  it("never forks under concurrent writers of one organisation", async () => {
    const other = await buildOrgWithUser(runtime.serviceDb, "admin");
    await Promise.all(Array.from({ length: 40 }, (_, i) => append(other.orgId, other.userId, i)));
    const seqs = await runtime.serviceDb.anyFirst(sql.type(z.object({ chain_seq: z.number() }))`
      SELECT chain_seq FROM audit_events WHERE organization_id = ${other.orgId} ORDER BY chain_seq`);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await verifyChain(runtime.serviceDb, other.orgId)).ok).toBe(true);
  });

  it("a rolled-back append leaves no gap", async () => {
    const o = await buildOrgWithUser(runtime.serviceDb, "admin");
    await append(o.orgId, o.userId, 1);
    await expect(
      withTenant(runtime.db, { organizationId: o.orgId, userId: o.userId }, async (tx) => {
        await recordAudit(tx, ctx(o.userId), {
          organizationId: o.orgId,
          eventType: "user_action",
          entityType: "t",
          entityId: o.userId,
        });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await append(o.orgId, o.userId, 2);
    expect(await verifyChain(runtime.serviceDb, o.orgId)).toEqual({
      ok: true,
      checked: 2,
      first_bad: null,
    });
  });

  it("catches a row edited with plain SQL, and names it", async () => {
    const o = await buildOrgWithUser(runtime.serviceDb, "admin");
    for (let i = 0; i < 4; i++) await append(o.orgId, o.userId, i);
    const third = await runtime.serviceDb.oneFirst(sql.type(z.object({ id: z.string() }))`
      SELECT id FROM audit_events WHERE organization_id = ${o.orgId} AND chain_seq = 3`);
    await runtime.serviceDb.query(sql.unsafe`
      UPDATE audit_events SET event_data = '{"n": 999}' WHERE id = ${third}`);
    const result = await verifyChain(runtime.serviceDb, o.orgId);
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(2);
    expect(result.first_bad).toMatchObject({ id: third, chain_seq: 3 });
  });

  it("catches a deleted row in the middle and at the end", async () => {
    const o = await buildOrgWithUser(runtime.serviceDb, "admin");
    for (let i = 0; i < 4; i++) await append(o.orgId, o.userId, i);
    await runtime.serviceDb.query(sql.unsafe`
      DELETE FROM audit_events WHERE organization_id = ${o.orgId} AND chain_seq = 2`);
    expect((await verifyChain(runtime.serviceDb, o.orgId)).first_bad).toMatchObject({
      chain_seq: 2,
      problem: "missing event",
    });

    const p = await buildOrgWithUser(runtime.serviceDb, "admin");
    for (let i = 0; i < 3; i++) await append(p.orgId, p.userId, i);
    await runtime.serviceDb.query(sql.unsafe`
      DELETE FROM audit_events WHERE organization_id = ${p.orgId} AND chain_seq = 3`);
    expect((await verifyChain(runtime.serviceDb, p.orgId)).first_bad).toMatchObject({
      chain_seq: 3,
    });
  });

  it("the app role cannot rewrite or delete history", async () => {
    await expect(
      withTenant(runtime.db, { organizationId: org.orgId, userId: org.userId }, (tx) =>
        tx.query(sql.unsafe`UPDATE audit_events SET event_data = '{}'`),
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(
      withTenant(runtime.db, { organizationId: org.orgId, userId: org.userId }, (tx) =>
        tx.query(sql.unsafe`DELETE FROM audit_events`),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it("GET /api/v1/audit/verify reports on the caller's organisation (admins only)", async () => {
    const res = await api(baseUrl, "GET", "/api/v1/audit/verify", { token: org.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, first_bad: null });
    expect(res.body.checked).toBeGreaterThanOrEqual(5);

    const reader = await buildOrgWithUser(runtime.serviceDb, "readonly");
    expect(
      (await api(baseUrl, "GET", "/api/v1/audit/verify", { token: reader.token })).status,
    ).toBe(403);
    expect((await api(baseUrl, "GET", "/api/v1/audit/verify")).status).toBe(401);
  });
});
