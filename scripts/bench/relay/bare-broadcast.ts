import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import type { Envelope } from "../../../shared/realtime/envelope.ts";
import type { Produced } from "./steps.ts";

type Ran = { type: "ran"; sent: number; startedAt: number; endedAt: number };

export type BareServer = {
  url: string;
  pid: number;
  /** Round-robin over `target.rooms` with `target.envelope` (default: the start's). */
  broadcast: (
    rate: number,
    durationMs: number,
    target?: { rooms: string[]; envelope: Envelope },
  ) => Promise<Produced>;
  stop: () => void;
};

/**
 * Physical limit 2: a bare socket.io broadcast, no database, no auth, in its own process
 * (bare-server.ts). The benchmark connects the same number of sockets in the same rooms as
 * for the hub and broadcasts the hub's real envelope round-robin over the rooms.
 */
export async function startBareServer(rooms: string[], envelope: Envelope): Promise<BareServer> {
  // e.g. BENCH_BARE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/bare-prof", as for the hub.
  const nodeArgs = (process.env.BENCH_BARE_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child: ChildProcess = fork(path.join(import.meta.dirname, "bare-server.ts"), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: [...process.execArgv, ...nodeArgs],
  });
  const port = await new Promise<number>((resolve) =>
    child.once("message", (m: { port: number }) => resolve(m.port)),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    broadcast: (rate, durationMs, target = { rooms, envelope }) =>
      new Promise((resolve) => {
        const onMessage = (m: Ran) => {
          if (m.type !== "ran") return;
          child.off("message", onMessage);
          resolve({ committed: m.sent, startedAt: m.startedAt, endedAt: m.endedAt });
        };
        child.on("message", onMessage);
        child.send({ type: "run", rate, durationMs, ...target });
      }),
    stop: () => {
      if (child.connected) child.disconnect();
    },
  };
}
