import pg from "pg";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { LISTENER_APPLICATION_NAME } from "../server/realtime/listener.ts";
import { topicName } from "../shared/realtime/topics.ts";
import {
  buildWorld,
  connectClient,
  sleep,
  startHub,
  titleOf,
  waitFor,
} from "./helpers/realtime.ts";

/**
 * The listener while Postgres refuses it: /readyz says so for as long as it lasts (not
 * only after recovery), and once connections are allowed again it is back and nothing
 * committed in between is lost. Its own file: it closes this file's database to new
 * connections for a while.
 */
const hub = await startHub();
const db = hub.runtime.serviceDb;
let world: Awaited<ReturnType<typeof buildWorld>>;

// ALTER DATABASE ... ALLOW_CONNECTIONS may not be run from inside the database itself.
const fileDb = new URL(process.env.MIGRATION_DATABASE_URL as string);
const database = fileDb.pathname.slice(1);
fileDb.pathname = "/postgres";
const owner = new pg.Client({ connectionString: fileDb.toString() });
await owner.connect();
const allowConnections = (allow: boolean) =>
  owner.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS ${allow}`);
afterAll(async () => {
  await allowConnections(true);
  await owner.end();
});

beforeAll(async () => {
  world = await buildWorld(db);
});

type Readiness = { status: number; checks: Record<string, boolean> };

async function readiness(): Promise<Readiness> {
  const res = await fetch(`${hub.url}/readyz`);
  const body = (await res.json()) as { checks: Record<string, boolean> };
  return { status: res.status, checks: body.checks };
}

/** Polls /readyz until it answers `status` (or the time is up); returns the last answer. */
async function readinessOnceStatus(status: number, timeoutMs: number): Promise<Readiness> {
  const until = Date.now() + timeoutMs;
  let last = await readiness();
  while (last.status !== status && Date.now() < until) {
    await sleep(50);
    last = await readiness();
  }
  return last;
}

describe("listener outage", () => {
  it("/readyz reports the listener down during the outage and up after it; events committed meanwhile arrive", async () => {
    const client = await connectClient(hub.url, world.token);
    await client.subscribe(topicName("work_order", world.workOrderId));
    expect(await readiness()).toMatchObject({
      status: 200,
      checks: { realtime_listener: true },
    });

    await allowConnections(false);
    const killed = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = ${LISTENER_APPLICATION_NAME}`);
    expect(killed).toBe(1);

    // Down, and it stays down while Postgres keeps refusing it.
    const during = await readinessOnceStatus(503, 10_000);
    expect(during).toMatchObject({ status: 503, checks: { realtime_listener: false } });
    // An already-open pool connection still writes; its NOTIFY reaches no listener.
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'during outage' WHERE id = ${world.workOrderId}`,
    );
    await sleep(1_500);
    expect((await readiness()).checks.realtime_listener).toBe(false);

    await allowConnections(true);
    await waitFor(() => client.events.some((e) => titleOf(e) === "during outage"), 15_000);
    const after = await readinessOnceStatus(200, 15_000);
    expect(after).toMatchObject({ status: 200, checks: { realtime_listener: true } });
  }, 40_000);
});
