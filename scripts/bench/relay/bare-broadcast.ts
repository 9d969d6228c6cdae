import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import type { Envelope } from "../../../shared/realtime/events.ts";
import type { ClientPool } from "./clients.ts";
import type { Config } from "./config.ts";
import {
  type Ceiling,
  ceilingOf,
  logStep,
  type Produced,
  ramp,
  runStep,
  type StepResult,
} from "./steps.ts";
import type { SocketSpec } from "./worker-protocol.ts";

export type BareResult = { sockets: number; fanout: number; steps: StepResult[]; ceiling: Ceiling };

type Ran = { type: "ran"; sent: number; startedAt: number; endedAt: number };

/**
 * Physical limit 2: a bare socket.io broadcast, no database, no auth, in its own process,
 * to the same sockets in the same rooms (fan-out 100) with the hub's real envelope, at
 * increasing broadcast rates until delivery lags unboundedly.
 */
export async function measureBareBroadcast(
  cfg: Config,
  pool: ClientPool,
  rooms: string[],
  envelope: Envelope,
): Promise<BareResult> {
  const server = fork(path.join(import.meta.dirname, "bare-server.ts"), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const port = await new Promise<number>((resolve) =>
      server.once("message", (m: { port: number }) => resolve(m.port)),
    );
    const perRoom = cfg.large.socketsPerOrg;
    const sockets: SocketSpec[] = rooms.flatMap((room) =>
      Array.from({ length: perRoom }, () => ({ auth: {}, topics: [room] })),
    );
    const connected = await pool.connect(`http://127.0.0.1:${port}`, sockets);
    console.log(`  bare: ${connected} sockets connected in ${rooms.length} rooms`);
    const pids = { server: [server.pid ?? 0], clients: pool.pids };
    const steps = await ramp(
      cfg.fanoutSteps,
      (rate) =>
        runStep(cfg, pool, pids, { target: rate, fanout: perRoom, durationMs: cfg.stepMs }, () =>
          broadcast(server, { rate, durationMs: cfg.stepMs, rooms, envelope }),
        ),
      logStep("bare"),
    );
    await pool.disconnect();
    return {
      sockets: connected,
      fanout: perRoom,
      steps,
      ceiling: ceilingOf(steps, (r) => r.msgsPerSec),
    };
  } finally {
    server.disconnect();
  }
}

function broadcast(
  server: ChildProcess,
  run: { rate: number; durationMs: number; rooms: string[]; envelope: Envelope },
): Promise<Produced> {
  return new Promise((resolve) => {
    const onMessage = (m: Ran) => {
      if (m.type !== "ran") return;
      server.off("message", onMessage);
      resolve({ committed: m.sent, startedAt: m.startedAt, endedAt: m.endedAt });
    };
    server.on("message", onMessage);
    server.send({ type: "run", ...run });
  });
}
