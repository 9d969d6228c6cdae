import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { sql } from "slonik";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { streamDeclaration } from "../scripts/realtime-stream-sql.ts";
import {
  actionsOf,
  type EnvelopeOf,
  eventTypes,
  parseEnvelope,
} from "../shared/realtime/envelope.ts";
import { isEntity, STREAMS } from "../shared/realtime/streams.ts";
import { TOPIC_KINDS, topicName } from "../shared/realtime/topics.ts";
import type { ElevatorStatus } from "../shared/resources/elevators.ts";
import { buildUser } from "./factories.ts";
import {
  buildWorld,
  connectClient,
  connected,
  emitAck,
  rawSocket,
  startHub,
  waitFor,
} from "./helpers/realtime.ts";

/**
 * The realtime contract has one source, shared/realtime/streams.ts: the database's capture
 * triggers are declared with the same strings (migrations/0056), every event the hub sends
 * is an envelope exactly as declared (test/helpers/realtime.ts parses each one a test
 * receives), and the typed client hands each event type's handler its typed envelope.
 */
const hub = await startHub();
const db = hub.runtime.serviceDb;
let world: Awaited<ReturnType<typeof buildWorld>>;
const entities = Object.keys(STREAMS).filter(isEntity);
const Id = z.object({ id: z.string() });

beforeAll(async () => {
  world = await buildWorld(db);
});

describe("the database's streams are the shared declaration", () => {
  it("every declared entity is declared to the database with the same strings, and nothing else is", async () => {
    const rows = await db.any(sql.type(
      z.object({
        table_name: z.string(),
        entity: z.string(),
        organization: z.string().nullable(),
        topics: z.array(z.string()),
        updates: z.array(z.string()),
        anonymous: z.array(z.string()).nullable(),
        hold: z.string().nullable(),
      }),
    )`
      SELECT table_name, entity, organization, topics, updates, anonymous, hold
        FROM realtime_streams ORDER BY table_name`);
    // On a mismatch, `node scripts/realtime-stream-sql.ts <entity>` prints the call to add.
    expect(rows).toEqual(
      entities.map(streamDeclaration).sort((a, b) => a.table_name.localeCompare(b.table_name)),
    );
  });

  it("each streamed table, and only those, has its generated capture trigger", async () => {
    const triggers = await db.any(sql.type(z.object({ table: z.string(), fn: z.string() }))`
      SELECT c.relname AS table, p.proname AS fn
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
       WHERE p.proname LIKE 'realtime_capture%' AND NOT t.tgisinternal
       ORDER BY c.relname`);
    expect(triggers).toEqual(
      entities
        .map((e) => STREAMS[e].table)
        .sort()
        .map((table) => ({ table, fn: `realtime_capture_${table}` })),
    );
  });
});

describe("envelopes", () => {
  it("every declared event type reaches a socket as an envelope exactly as declared", async () => {
    const colleague = await buildUser(db, { organizationId: world.orgId, role: "technician" });
    const category = await db.one(sql.type(Id)`
      INSERT INTO forum_categories (name, slug, scope_type, visibility)
      VALUES ('Contract', 'contract', 'global', 'public') RETURNING id`);
    const thread = await db.one(sql.type(Id)`
      INSERT INTO forum_threads (category_id, author_id, title, slug)
      VALUES (${category.id}, ${world.userId}, 'Posts', 'posts') RETURNING id`);
    // rawSocket runs every envelope through parseEnvelope: a stray field or type fails.
    const socket = rawSocket(hub.url, { token: world.token, batch: true });
    await connected(socket);
    for (const topic of [
      topicName("org", world.orgId),
      topicName("forum_category", category.id),
      topicName("forum_thread", thread.id),
    ]) {
      expect((await emitAck(socket, "subscribe", { topic })).ok).toBe(true);
    }
    await db.transaction(async (tx) => {
      await tx.query(sql.unsafe`SELECT set_config('app.current_user', ${world.userId}, true)`);
      const wo = await tx.one(sql.type(Id)`
        INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, title)
        VALUES (${world.orgId}, ${world.siteId}, ${world.elevatorId}, ${world.userId}, 'breakdown', 'c')
        RETURNING id`);
      await tx.query(sql.unsafe`UPDATE work_orders SET labor_cost = 10 WHERE id = ${wo.id}`);
      await tx.query(sql.unsafe`DELETE FROM work_orders WHERE id = ${wo.id}`);
      const el = await tx.one(sql.type(Id)`
        INSERT INTO elevators (organization_id, site_id, unit_number)
        VALUES (${world.orgId}, ${world.siteId}, 'C1') RETURNING id`);
      await tx.query(sql.unsafe`UPDATE elevators SET model = 'M' WHERE id = ${el.id}`);
      await tx.query(sql.unsafe`UPDATE elevators SET status = 'degraded' WHERE id = ${el.id}`);
      await tx.query(sql.unsafe`UPDATE elevators SET deleted_at = now() WHERE id = ${el.id}`);
      const tenant = await tx.one(sql.type(Id)`
        INSERT INTO tenants (site_id, name) VALUES (${world.siteId}, 'c') RETURNING id`);
      const sr = await tx.one(sql.type(Id)`
        INSERT INTO service_requests (site_id, tenant_id, request_type, subject)
        VALUES (${world.siteId}, ${tenant.id}, 'inquiry', 'c') RETURNING id`);
      await tx.query(sql.unsafe`UPDATE service_requests SET status = 'closed' WHERE id = ${sr.id}`);
      await tx.query(sql.unsafe`DELETE FROM service_requests WHERE id = ${sr.id}`);
      const th = await tx.one(sql.type(Id)`
        INSERT INTO forum_threads (category_id, author_id, title, slug)
        VALUES (${category.id}, ${world.userId}, 'c', 'c') RETURNING id`);
      await tx.query(sql.unsafe`UPDATE forum_threads SET title = 'd' WHERE id = ${th.id}`);
      await tx.query(sql.unsafe`UPDATE forum_threads SET deleted_at = now() WHERE id = ${th.id}`);
      const post = await tx.one(sql.type(Id)`
        INSERT INTO forum_posts (thread_id, author_id, content, is_anonymous)
        VALUES (${thread.id}, ${world.userId}, 'c', true) RETURNING id`);
      await tx.query(sql.unsafe`UPDATE forum_posts SET content = 'd' WHERE id = ${post.id}`);
      await tx.query(sql.unsafe`UPDATE forum_posts SET deleted_at = now() WHERE id = ${post.id}`);
      const msg = await tx.one(sql.type(Id)`
        INSERT INTO messages (sender_id, recipient_id, content)
        VALUES (${world.userId}, ${colleague.id}, 'c') RETURNING id`);
      await tx.query(sql.unsafe`UPDATE messages SET subject = 's' WHERE id = ${msg.id}`);
      await tx.query(sql.unsafe`UPDATE messages SET is_read = true WHERE id = ${msg.id}`);
      await tx.query(sql.unsafe`DELETE FROM messages WHERE id = ${msg.id}`);
      const n = await tx.one(sql.type(Id)`
        INSERT INTO notifications (user_id, notification_type, title)
        VALUES (${world.userId}, 'assignment', 'c') RETURNING id`);
      await tx.query(sql.unsafe`UPDATE notifications SET title = 'd' WHERE id = ${n.id}`);
      await tx.query(sql.unsafe`UPDATE notifications SET is_read = true WHERE id = ${n.id}`);
      await tx.query(sql.unsafe`DELETE FROM notifications WHERE id = ${n.id}`);
    });
    const missing = () => {
      const seen = new Set<string>(socket.events.map((e) => e.type));
      return eventTypes().filter((t) => !seen.has(t));
    };
    await waitFor(() => missing().length === 0, 5_000, "every event type");
    // An anonymous post leaves out its author and actor on the wire (the schema allows it).
    const post = socket.events.find((e) => e.type === "forum_post.created");
    expect(post?.data).not.toHaveProperty("author_id");
    expect(post?.actor_id).toBeNull();
  });

  it("parseEnvelope refuses what the declaration does not allow", () => {
    const good = {
      id: "0000000000001-0000000000001",
      topic: topicName("work_order", world.workOrderId),
      type: "work_order.deleted",
      entity: { type: "work_order", id: world.workOrderId },
      organization_id: world.orgId,
      actor_id: null,
      occurred_at: "2026-12-03T00:00:00.000Z",
      changes: null,
      data: { id: world.workOrderId },
    };
    expect(parseEnvelope(good)).toEqual(good);
    for (const bad of [
      { ...good, type: "work_order.status_changed" },
      { ...good, type: "galaxy.created", entity: { type: "galaxy", id: world.workOrderId } },
      { ...good, entity: { type: "elevator", id: world.workOrderId } },
      { ...good, changes: ["status"] },
      { ...good, data: { id: world.workOrderId, title: "leak" } },
      { ...good, type: "work_order.updated", changes: ["no_such_column"] },
      {
        ...good,
        type: "elevator.status_changed",
        entity: { type: "elevator", id: world.workOrderId },
        changes: ["status"],
      },
    ]) {
      expect(() => parseEnvelope(bad), JSON.stringify(bad)).toThrow();
    }
  });
});

describe("the typed client", () => {
  it("hands each event type's handler only that type, with its typed envelope", async () => {
    const client = await connectClient(hub.url, world.token);
    await client.subscribe(topicName("elevator", world.elevatorId));
    const statuses: Array<ElevatorStatus | null> = [];
    client.on("elevator.status_changed", (e) => {
      expectTypeOf(e).toEqualTypeOf<EnvelopeOf<"elevator.status_changed">>();
      expectTypeOf(e.data.status).toEqualTypeOf<ElevatorStatus | null>();
      statuses.push(e.data.status);
    });
    const deleted: string[] = [];
    client.on("work_order.deleted", (e) => {
      expectTypeOf(e.data).toEqualTypeOf<{ id: string }>();
      deleted.push(e.data.id);
    });
    await db.query(sql.unsafe`UPDATE elevators SET model = 'typed' WHERE id = ${world.elevatorId}`);
    await db.query(
      sql.unsafe`UPDATE elevators SET status = 'maintenance' WHERE id = ${world.elevatorId}`,
    );
    await waitFor(() => client.events.length === 2);
    expect(statuses).toEqual(["maintenance"]);
    expect(deleted).toEqual([]);
  });
});

describe("the protocol document", () => {
  it("lists every streamed entity's topics and actions as declared", () => {
    const doc = readFileSync(
      path.resolve(import.meta.dirname, "../docs/realtime-protocol.md"),
      "utf8",
    );
    const code = (items: readonly string[]) => items.map((i) => `\`${i}\``).join(", ");
    for (const entity of entities) {
      const s = STREAMS[entity];
      const row = `| \`${entity}\` | \`${s.table}\` | ${code(s.topics)} | ${code(actionsOf(entity))} |`;
      expect(doc, `docs/realtime-protocol.md needs the row ${row}`).toContain(row);
    }
  });
});

describe("topic names", () => {
  it("are built only by topicName(): no hand-built <kind>:<id> strings in the code", () => {
    const handBuilt = new RegExp(`[\`"'](${TOPIC_KINDS.join("|")}):\\$\\{`);
    const root = path.resolve(import.meta.dirname, "..");
    const declaration = path.join(root, "shared/realtime/streams.ts");
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        // The declaration's type of its own vocabulary (site: plus a column) is not a topic.
        else if (
          file.endsWith(".ts") &&
          file !== declaration &&
          handBuilt.test(readFileSync(file, "utf8"))
        )
          offenders.push(path.relative(root, file));
      }
    };
    for (const dir of ["server", "shared", "workers", "scripts", "test"])
      walk(path.join(root, dir));
    expect(offenders).toEqual([]);
  });
});
