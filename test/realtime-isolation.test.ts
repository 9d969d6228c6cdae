import { sql } from "slonik";
import { expect, it } from "vitest";
import { z } from "zod";
import { decodeCursor } from "../shared/realtime/cursor.ts";
import type { Envelope } from "../shared/realtime/envelope.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { buildUser, sessionFor } from "./factories.ts";
import { buildWorld, connected, emitAck, rawSocket, sleep, startHub } from "./helpers/realtime.ts";

/**
 * Guarantee 4 under fuzz: random users of several organisations and tenants subscribe to
 * random topics, their own and others'; over thousands of random changes no socket
 * receives anything it is not admitted to, a tenant never sees work order costs, and every
 * socket receives exactly what its admitted topics carry. Admission is checked against an
 * oracle written from the protocol's table, not from the hub's code.
 */
const hub = await startHub();
const db = hub.runtime.serviceDb;
const one = async (q: Parameters<typeof db.one>[0]): Promise<any> => db.one(q);

let seed = 20_240_601;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

const TENANT_FIELDS = new Set([
  "id",
  "work_order_number",
  "status",
  "priority",
  "scheduled_start",
  "scheduled_end",
  "actual_start",
  "actual_end",
  "completed_at",
  "updated_at",
]);

type Person = {
  id: string;
  token: string;
  orgId: string | null;
  role: string;
  userType: string;
  tenantId?: string;
};

it("no socket receives anything it is not admitted to, over thousands of random changes", async () => {
  const orgs: Array<Awaited<ReturnType<typeof buildWorld>>> = [];
  const people: Person[] = [];
  const workOrders: Array<{ id: string; orgId: string; siteId: string; elevatorId: string }> = [];
  const elevators: Array<{ id: string; orgId: string }> = [];
  const sites: Array<{ id: string; orgId: string }> = [];
  const tenants: Array<{ id: string; orgId: string; portalUserId: string }> = [];
  const requests: Array<{ id: string; orgId: string; tenantId: string; workOrderId: string }> = [];
  for (let o = 0; o < 3; o++) {
    const w = await buildWorld(db);
    orgs.push(w);
    people.push({
      id: w.userId,
      token: w.token,
      orgId: w.orgId,
      role: "admin",
      userType: "standard",
    });
    const site2 = await one(
      sql.unsafe`INSERT INTO sites (organization_id, name) VALUES (${w.orgId}, 'Second') RETURNING id`,
    );
    sites.push({ id: w.siteId, orgId: w.orgId }, { id: site2.id, orgId: w.orgId });
    const elev2 = await one(sql.unsafe`
      INSERT INTO elevators (organization_id, site_id, unit_number) VALUES (${w.orgId}, ${site2.id}, 'L2') RETURNING id`);
    elevators.push({ id: w.elevatorId, orgId: w.orgId }, { id: elev2.id, orgId: w.orgId });
    const wo2 = await one(sql.unsafe`
      INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, title)
      VALUES (${w.orgId}, ${site2.id}, ${elev2.id}, ${w.userId}, 'preventive', 'PM') RETURNING id`);
    workOrders.push(
      { id: w.workOrderId, orgId: w.orgId, siteId: w.siteId, elevatorId: w.elevatorId },
      { id: wo2.id, orgId: w.orgId, siteId: site2.id, elevatorId: elev2.id },
    );
    for (const [role, userType] of [
      ["technician", "technician"],
      ["guest", "standard"],
    ] as const) {
      const u = await buildUser(db, { organizationId: w.orgId, role, userType });
      people.push({
        id: u.id,
        token: (await sessionFor(db, u)).token,
        orgId: w.orgId,
        role,
        userType,
      });
    }
    // A tenant at the first site with a portal user, and a request linked to the first work order.
    const portal = await buildUser(db, { organizationId: null, role: "guest" });
    const tenant = await one(sql.unsafe`
      INSERT INTO tenants (site_id, name, portal_enabled, portal_user_id)
      VALUES (${w.siteId}, 'Tenant', true, ${portal.id}) RETURNING id`);
    tenants.push({ id: tenant.id, orgId: w.orgId, portalUserId: portal.id });
    const sr = await one(sql.unsafe`
      INSERT INTO service_requests (site_id, tenant_id, request_type, subject, assigned_work_order_id)
      VALUES (${w.siteId}, ${tenant.id}, 'issue_report', 'Noisy', ${w.workOrderId}) RETURNING id`);
    requests.push({ id: sr.id, orgId: w.orgId, tenantId: tenant.id, workOrderId: w.workOrderId });
    people.push({
      id: portal.id,
      token: (await sessionFor(db, portal)).token,
      orgId: null,
      role: "guest",
      userType: "standard",
      tenantId: tenant.id,
    });
  }
  const categories = [
    {
      id: (
        await one(
          sql.unsafe`INSERT INTO forum_categories (name, slug, scope_type, visibility) VALUES ('Pub', 'pub', 'global', 'public') RETURNING id`,
        )
      ).id,
      admits: (_p: Person) => true,
    },
    {
      id: (
        await one(
          sql.unsafe`INSERT INTO forum_categories (name, slug, scope_type, scope_value, visibility) VALUES ('Org0', 'org0', 'organization', ${orgs[0]!.orgId}, 'organization') RETURNING id`,
        )
      ).id,
      admits: (p: Person) => p.orgId === orgs[0]!.orgId,
    },
    {
      id: (
        await one(
          sql.unsafe`INSERT INTO forum_categories (name, slug, scope_type, visibility, required_user_type) VALUES ('Techs', 'techs', 'trade', 'role_based', 'technician') RETURNING id`,
        )
      ).id,
      admits: (p: Person) => p.userType === "technician",
    },
  ];
  const threads = [];
  for (const c of categories) {
    const t = await one(sql.unsafe`
      INSERT INTO forum_threads (category_id, author_id, title, slug)
      VALUES (${c.id}, ${orgs[0]!.userId}, 'Thread', 'thread') RETURNING id`);
    threads.push({ id: t.id as string, admits: c.admits });
  }

  // The oracle: the protocol's admission table, from the fixture's facts.
  const staff = (p: Person, orgId: string) => p.orgId === orgId && p.role !== "guest";
  const universe: Array<{
    topic: string;
    admits: (p: Person) => "staff" | "tenant" | "self" | null;
  }> = [
    ...orgs.map((o) => ({
      topic: topicName("org", o.orgId),
      admits: (p: Person) => (staff(p, o.orgId) ? "staff" : null),
    })),
    ...sites.map((s) => ({
      topic: topicName("site", s.id),
      admits: (p: Person) => (staff(p, s.orgId) ? "staff" : null),
    })),
    ...elevators.map((e) => ({
      topic: topicName("elevator", e.id),
      admits: (p: Person) => (staff(p, e.orgId) ? "staff" : null),
    })),
    ...workOrders.map((w) => ({
      topic: topicName("work_order", w.id),
      admits: (p: Person) =>
        staff(p, w.orgId)
          ? "staff"
          : requests.some((r) => r.workOrderId === w.id && r.tenantId === p.tenantId)
            ? "tenant"
            : null,
    })),
    ...requests.map((r) => ({
      topic: topicName("service_request", r.id),
      admits: (p: Person) =>
        staff(p, r.orgId) ? "staff" : p.tenantId === r.tenantId ? "tenant" : null,
    })),
    ...tenants.map((t) => ({
      topic: topicName("tenant", t.id),
      admits: (p: Person) => (staff(p, t.orgId) ? "staff" : p.tenantId === t.id ? "tenant" : null),
    })),
    ...categories.map((c) => ({
      topic: topicName("forum_category", c.id),
      admits: (p: Person) => (c.admits(p) ? "staff" : null),
    })),
    ...threads.map((t) => ({
      topic: topicName("forum_thread", t.id),
      admits: (p: Person) => (t.admits(p) ? "staff" : null),
    })),
    ...people.map((u) => ({
      topic: topicName("user", u.id),
      admits: (p: Person) => (p.id === u.id ? "self" : null),
    })),
  ] as const;

  // Two sockets per person, each subscribing to random topics (their own and others'); the
  // second takes its events in batches (auth.batch), as the typed client does.
  const sockets: Array<{
    person: Person;
    socket: ReturnType<typeof rawSocket>;
    admitted: Map<string, string>;
  }> = [];
  for (const person of people) {
    for (let n = 0; n < 2; n++) {
      const socket = rawSocket(hub.url, { token: person.token, batch: n === 1 });
      await connected(socket);
      const admitted = new Map<string, string>([[topicName("user", person.id), "self"]]);
      for (let k = 0; k < 10; k++) {
        const entry = pick(universe);
        const expected = entry.admits(person);
        const ack = await emitAck(socket, "subscribe", { topic: entry.topic });
        expect(ack.ok, `${person.role}/${person.orgId} -> ${entry.topic}`).toBe(expected !== null);
        if (!ack.ok) expect(["not_found", "forbidden"]).toContain(ack.error.code);
        if (ack.ok) admitted.set(entry.topic, expected as string);
        await sleep(60); // stay under the subscribe rate limit
      }
      sockets.push({ person, socket, admitted });
    }
  }

  const startId = await db.oneFirst(
    sql.type(
      z.object({ id: z.number() }),
    )`SELECT coalesce(max(id), 0)::int AS id FROM realtime_events`,
  );
  const members = people.filter((p) => p.orgId);
  for (let i = 0; i < 2_000; i++) {
    const r = random();
    if (i % 50 === 0) {
      // Several changes in one transaction reach the hub in one read: batches of several.
      await db.transaction(async (tx) => {
        for (let k = 0; k < 4; k++)
          await tx.query(
            sql.unsafe`UPDATE work_orders SET title = ${`t${i}.${k}`} WHERE id = ${pick(workOrders).id}`,
          );
      });
    } else if (r < 0.3) {
      const w = pick(workOrders);
      const field = pick(["title", "labor_cost", "status", "resolution_notes"]);
      if (field === "labor_cost")
        await db.query(sql.unsafe`UPDATE work_orders SET labor_cost = ${i} WHERE id = ${w.id}`);
      else if (field === "status")
        await db.query(
          sql.unsafe`UPDATE work_orders SET status = ${pick(["scheduled", "in_progress", "on_hold"])} WHERE id = ${w.id}`,
        );
      else
        await db.query(
          sql.unsafe`UPDATE work_orders SET ${sql.identifier([field])} = ${`v${i}`} WHERE id = ${w.id}`,
        );
    } else if (r < 0.45) {
      await db.query(
        sql.unsafe`UPDATE elevators SET floors_served = ${i} WHERE id = ${pick(elevators).id}`,
      );
    } else if (r < 0.6) {
      await db.query(
        sql.unsafe`UPDATE service_requests SET description = ${`d${i}`} WHERE id = ${pick(requests).id}`,
      );
    } else if (r < 0.75) {
      await db.query(
        sql.unsafe`INSERT INTO forum_posts (thread_id, author_id, content) VALUES (${pick(threads).id}, ${orgs[0]!.userId}, ${`p${i}`})`,
      );
    } else if (r < 0.9) {
      const from = pick(members);
      const to = pick(members.filter((m) => m.orgId === from.orgId && m.id !== from.id));
      await db.query(
        sql.unsafe`INSERT INTO messages (sender_id, recipient_id, content) VALUES (${from.id}, ${to.id}, ${`m${i}`})`,
      );
    } else {
      await db.query(
        sql.unsafe`INSERT INTO notifications (user_id, notification_type, title) VALUES (${pick(people).id}, 'fuzz', ${`n${i}`})`,
      );
    }
  }

  const rows = await db.any(
    sql.type(
      z.object({
        id: z.number(),
        topics: z.array(z.string()),
        entity_type: z.string(),
        changes: z.array(z.string()).nullable(),
      }),
    )`SELECT id, topics, entity_type, changes FROM realtime_events ORDER BY xid, id`,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  // Fixture events may still be in flight while sockets subscribe (the pump waits for the
  // cluster-wide xmin): they are checked for isolation, completeness is checked after startId.
  const fuzzRows = rows.filter((row) => row.id > startId);
  const expectedFor = (admitted: Map<string, string>) =>
    fuzzRows.filter((row) => {
      const topic = row.topics.find((t) => admitted.has(t));
      if (!topic) return false;
      if (
        admitted.get(topic) !== "tenant" ||
        row.entity_type !== "work_order" ||
        row.changes === null
      )
        return true;
      return row.changes.some((c) => TENANT_FIELDS.has(c));
    });

  // Quiescence: every socket has what it should.
  const deadline = Date.now() + 30_000;
  const fuzzEvents = (events: Envelope[]) =>
    events.map((e) => Number(decodeCursor(e.id)!.id)).filter((id) => id > startId);
  while (
    Date.now() < deadline &&
    sockets.some((s) => fuzzEvents(s.socket.events).length < expectedFor(s.admitted).length)
  ) {
    await sleep(100);
  }
  await sleep(300);
  let delivered = 0;
  for (const { person, socket, admitted } of sockets) {
    const label = `${person.role}/${person.orgId ?? `tenant ${person.tenantId}`}`;
    for (const event of socket.events as Envelope[]) {
      const id = Number(decodeCursor(event.id)!.id);
      const row = byId.get(id);
      expect(row, `${label} got an event that was never committed`).toBeDefined();
      expect(admitted.has(event.topic), `${label} got ${event.topic}`).toBe(true);
      expect(row!.topics, label).toContain(event.topic);
      if (admitted.get(event.topic) === "tenant" && event.entity.type === "work_order") {
        for (const key of Object.keys(event.data))
          expect(TENANT_FIELDS.has(key), `${label} saw ${key}`).toBe(true);
      }
    }
    const all = socket.events.map((e) => e.id);
    expect(new Set(all).size, `${label} duplicates`).toBe(all.length);
    const got = fuzzEvents(socket.events);
    expect(got, `${label} completeness`).toEqual(expectedFor(admitted).map((r) => r.id));
    delivered += got.length;
  }
  expect(fuzzRows.length).toBeGreaterThanOrEqual(2_000);
  expect(delivered).toBeGreaterThan(1_000);
  // The batched sockets really got batches; the others never did.
  const batches = (n: number) =>
    sockets
      .filter((_, i) => i % 2 === n)
      .flatMap((s) => s.socket.packets.filter((p) => p.kind === "events"));
  expect(batches(1).length).toBeGreaterThan(0);
  expect(batches(0)).toEqual([]);
}, 180_000);
