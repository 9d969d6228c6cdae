import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { type DatabasePool, sql } from "slonik";
import { io, type Socket } from "socket.io-client";
import { afterAll } from "vitest";
import { z } from "zod";
import { freePort } from "../../scripts/cluster/ports.ts";
import { attachRealtime } from "../../server/realtime/hub.ts";
import type { Pump } from "../../server/realtime/pump.ts";
import type { Runtime } from "../../server/runtime.ts";
import {
  createSiteSyncClient,
  type SiteSyncClient,
  type SiteSyncClientOptions,
} from "../../shared/client.ts";
import { type Envelope, parseEnvelope } from "../../shared/realtime/envelope.ts";
import { buildElevator, buildOrgWithUser, buildSite, buildWorkOrder } from "../factories.ts";
import { testServer } from "./runtime.ts";

/** Ports for processes a test starts: below the ephemeral range (scripts/cluster/ports.ts). */
export { freePort };

/** The API + hub in this test process, on a free port, and the hub's pump (tests hold it). */
export async function startHub(runtime?: Runtime) {
  const started: { pump?: Pump } = {};
  const server = await testServer(runtime, [
    async (http, rt) => {
      const hub = await attachRealtime(http, rt);
      started.pump = hub.pump;
      return hub;
    },
  ]);
  const { pump } = started;
  if (!pump) throw new Error("the hub did not start its pump");
  return { ...server, pump };
}

/** Typed client, connected, closed after the file. */
export async function connectClient(
  url: string,
  token: string,
  options: Partial<SiteSyncClientOptions> = {},
): Promise<SiteSyncClient & { events: Envelope[] }> {
  const client = createSiteSyncClient(url, { token, ...options });
  const events: Envelope[] = [];
  client.on("event", (e) => events.push(parseEnvelope(e)));
  afterAll(() => client.close());
  await client.ready();
  return Object.assign(client, { events });
}

/**
 * A bare socket.io client (no recovery, no dedupe): what the wire really carries. `events`
 * holds every envelope in arrival order, whether it came alone (`event`) or in a batch
 * (`events`, only with `auth.batch: true`); `packets` holds them as they were packed.
 */
export function rawSocket(
  url: string,
  auth: Record<string, unknown>,
): Socket & {
  events: Envelope[];
  packets: Array<{ kind: "event" | "events"; envelopes: Envelope[] }>;
} {
  const socket = io(url, { transports: ["websocket"], reconnection: false, auth, forceNew: true });
  const events: Envelope[] = [];
  const packets: Array<{ kind: "event" | "events"; envelopes: Envelope[] }> = [];
  // Every envelope a test receives is checked against the declared contract (a mismatch
  // throws in the socket's handler and fails the run).
  socket.on("event", (e: unknown) => {
    const envelope = parseEnvelope(e);
    events.push(envelope);
    packets.push({ kind: "event", envelopes: [envelope] });
  });
  socket.on("events", (list: unknown[]) => {
    const envelopes = list.map(parseEnvelope);
    events.push(...envelopes);
    packets.push({ kind: "events", envelopes });
  });
  afterAll(() => {
    socket.close();
  });
  return Object.assign(socket, { events, packets });
}

export function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
}

export function connectError(socket: Socket): Promise<Error & { data?: { code?: string } }> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("connected, expected a connect_error")));
    socket.once("connect_error", (err) => resolve(err));
  });
}

export function emitAck(socket: Socket, event: string, ...args: any[]): Promise<any> {
  return socket.timeout(5_000).emitWithAck(event, ...args);
}

export async function waitFor(predicate: () => boolean, timeoutMs = 5_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The row's title when the event carries one (work orders, forum threads), else "". */
export function titleOf(e: Envelope | undefined): string {
  return e && "title" in e.data && typeof e.data.title === "string" ? e.data.title : "";
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An organisation with an admin, a site, an elevator and a work order. */
export async function buildWorld(
  db: DatabasePool,
  role: Parameters<typeof buildOrgWithUser>[1] = "admin",
) {
  const owner = await buildOrgWithUser(db, role);
  const site = await buildSite(db, owner.orgId);
  const elevator = await buildElevator(db, owner.orgId, site.id);
  const workOrder = await buildWorkOrder(db, {
    organizationId: owner.orgId,
    siteId: site.id,
    elevatorId: elevator.id,
    createdBy: owner.userId,
  });
  return { ...owner, siteId: site.id, elevatorId: elevator.id, workOrderId: workOrder.id };
}

/** Every committed outbox event carrying a topic, in cursor order (service role). */
export async function committedEvents(db: DatabasePool, topic: string) {
  return db.any(sql.type(z.object({ id: z.number(), entity_id: z.string(), type: z.string() }))`
    SELECT id, entity_id, type FROM realtime_events
     WHERE topics @> ARRAY[${topic}]::text[] ORDER BY xid, id`);
}

export type HubProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  kill: (signal?: NodeJS.Signals) => Promise<void>;
};

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * Every hub process a test file spawns, killed after the file (a hook registered here, at
 * import time, because hooks registered inside a running test are not honoured) and when
 * the test process exits for any reason, so no hub outlives its test run.
 */
const spawned = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of spawned) child.kill("SIGKILL");
});
afterAll(async () => {
  await Promise.all(
    [...spawned].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
});

/**
 * A real hub process (`node server/main.ts`, SITESYNC_ROLES=api) against this test file's
 * database and Redis prefix. Resolves once /readyz says the listener is connected.
 */
export async function spawnHub(
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<HubProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ["server/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      SITESYNC_ROLES: "api",
      LOG_LEVEL: "warn",
      SITESYNC_SKIP_DOTENV: "1",
      NODE_ENV: "test",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.add(child);
  child.once("exit", () => spawned.delete(child));
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const hub: HubProcess = {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output: () => output,
    kill: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hub exited during boot:\n${output}`);
    if (Date.now() > deadline) await hub.kill("SIGKILL");
    try {
      const res = await fetch(`${hub.url}/readyz`);
      if (res.status === 200) return hub;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`hub not ready in 30 s:\n${output}`);
    await sleep(100);
  }
}
