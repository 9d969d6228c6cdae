import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { connect } from "node:net";

/**
 * One supervised child of the cluster: started with its output appended to a log file,
 * stopped gracefully (then killed), killed on purpose for a fault, started again. Every
 * child is tracked so that stopping the cluster (or this process dying) leaves nothing
 * behind.
 */
export type Managed = {
  readonly name: string;
  readonly logFile: string;
  pid: () => number | undefined;
  running: () => boolean;
  /** Resolves when the current child has exited. */
  exited: () => Promise<void>;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`. */
  stop: (signal?: NodeJS.Signals, graceMs?: number) => Promise<void>;
  /** The fault: SIGKILL, no goodbye (nginx: use stop, see exitSignal). */
  kill: () => Promise<void>;
  /** Starts the child again (after a stop or kill) and waits until it is ready. */
  start: () => Promise<void>;
};

export type ProcessSpec = {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Resolves true once the process serves; polled every 100 ms. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /**
   * What this process gets if the orchestrator exits without stopping it (default SIGKILL).
   * nginx gets SIGTERM: a SIGKILLed master leaves its workers running, still listening.
   */
  exitSignal?: NodeJS.Signals;
};

const everyChild = new Map<ChildProcess, NodeJS.Signals>();
let exitHookInstalled = false;

/** If this process exits without stopping the cluster, take the children with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const [child, signal] of everyChild) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs} ms`);
    await sleep(100);
  }
}

export function managed(spec: ProcessSpec): Managed {
  installExitHook();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const alive = () => child !== null && child.exitCode === null && child.signalCode === null;

  const launch = () => {
    const fd = openSync(spec.logFile, "a");
    const c = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    everyChild.set(c, spec.exitSignal ?? "SIGKILL");
    exited = new Promise<void>((resolve) => {
      c.once("exit", () => {
        everyChild.delete(c);
        resolve();
      });
      c.once("error", () => {
        everyChild.delete(c);
        resolve();
      });
    });
    child = c;
  };

  const self: Managed = {
    name: spec.name,
    logFile: spec.logFile,
    pid: () => child?.pid,
    running: alive,
    exited: () => exited,
    stop: async (signal = "SIGTERM", graceMs = 15_000) => {
      if (!alive()) return;
      child?.kill(signal);
      const timer = setTimeout(() => child?.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (!alive()) return;
      child?.kill("SIGKILL");
      await exited;
    },
    start: async () => {
      if (alive()) return;
      launch();
      const timeout = spec.readyTimeoutMs ?? 30_000;
      const deadline = Date.now() + timeout;
      for (;;) {
        if (!alive()) {
          throw new Error(`${spec.name} exited during start-up (see ${spec.logFile})`);
        }
        if (await spec.ready().catch(() => false)) return;
        if (Date.now() > deadline) {
          await self.kill();
          throw new Error(`${spec.name} not ready within ${timeout} ms (see ${spec.logFile})`);
        }
        await sleep(100);
      }
    },
  };
  return self;
}
