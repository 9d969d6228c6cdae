import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { emptyTimeline, mergeWire, type Timeline } from "./timeline.ts";
import type { PerSocket, SocketSpec, WorkerReply, WorkerRequest } from "./worker-protocol.ts";

type Pending = { resolve: (r: WorkerReply & { ok: true }) => void; reject: (e: Error) => void };
type Body<T> = T extends unknown ? Omit<T, "id"> : never;

/**
 * The benchmark's clients: `processes` forked socket.io-client processes sharing the
 * sockets round-robin. They run on the same cores as the server under test, as a real
 * single-machine benchmark must; that cost is identical for the bare broadcast and the hub.
 */
export class ClientPool {
  private readonly workers: ChildProcess[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(processes: number) {
    for (let i = 0; i < processes; i++) {
      const child = fork(path.join(import.meta.dirname, "client-worker.ts"), [], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        // e.g. BENCH_CLIENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/client-prof".
        execArgv: [
          ...process.execArgv,
          ...(process.env.BENCH_CLIENT_NODE_ARGS ?? "").split(" ").filter(Boolean),
        ],
      });
      child.on("message", (reply: WorkerReply) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.ok) p.resolve(reply);
        else p.reject(new Error(reply.error));
      });
      this.workers.push(child);
    }
  }

  private ask(worker: ChildProcess, body: Body<WorkerRequest>) {
    const id = this.nextId++;
    return new Promise<WorkerReply & { ok: true }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.send({ ...body, id } as WorkerRequest);
    });
  }

  /** Socket i goes to process i mod n, in order (connect and subscribe agree on it). */
  private split<T>(items: T[]): T[][] {
    const shares = this.workers.map((): T[] => []);
    items.forEach((s, i) => {
      shares[i % shares.length]!.push(s);
    });
    return shares;
  }

  /**
   * Connects and subscribes every socket; returns how many are connected. `perSocket`
   * counts each socket's deliveries per event id (collect reports them).
   */
  async connect(
    url: string,
    sockets: SocketSpec[],
    concurrency = 25,
    perSocket = false,
  ): Promise<number> {
    const shares = this.split(sockets);
    const replies = await Promise.all(
      this.workers.map((w, i) =>
        this.ask(w, { type: "connect", url, sockets: shares[i]!, concurrency, perSocket }),
      ),
    );
    return replies.reduce((n, r) => n + (r.connected ?? 0), 0);
  }

  /** The i-th socket connected (over all processes) subscribes to topics[i] too. */
  async subscribe(topics: string[][], concurrency = 25): Promise<void> {
    const shares = this.split(topics);
    await Promise.all(
      this.workers.map((w, i) =>
        this.ask(w, { type: "subscribe", topics: shares[i]!, concurrency }),
      ),
    );
  }

  /** Everything received since the last collect, merged over the processes. */
  async collect(): Promise<{ timeline: Timeline; unstamped: number }> {
    const replies = await Promise.all(this.workers.map((w) => this.ask(w, { type: "collect" })));
    const timeline = emptyTimeline();
    let unstamped = 0;
    for (const r of replies) {
      if (r.timeline) mergeWire(timeline, r.timeline);
      unstamped += r.unstamped ?? 0;
    }
    return { timeline, unstamped };
  }

  /**
   * Each socket's deliveries since the last call (perSocket connections): the least and
   * most any socket got, and how often a socket got an event id it already had.
   */
  async counts(): Promise<PerSocket | undefined> {
    const replies = await Promise.all(this.workers.map((w) => this.ask(w, { type: "counts" })));
    let perSocket: PerSocket | undefined;
    for (const r of replies) {
      if (r.perSocket) {
        perSocket = perSocket
          ? {
              sockets: perSocket.sockets + r.perSocket.sockets,
              min: Math.min(perSocket.min, r.perSocket.min),
              max: Math.max(perSocket.max, r.perSocket.max),
              duplicates: perSocket.duplicates + r.perSocket.duplicates,
            }
          : r.perSocket;
      }
    }
    return perSocket;
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((w) => this.ask(w, { type: "disconnect" })));
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid ?? 0);
  }

  close(): void {
    for (const w of this.workers) if (w.connected) w.disconnect();
  }
}
