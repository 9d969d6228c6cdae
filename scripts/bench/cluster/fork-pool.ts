import { type ChildProcess, fork } from "node:child_process";

type Pending = { resolve: (r: unknown) => void; reject: (e: Error) => void };

/**
 * Client processes of a benchmark, asked over IPC: each request gets `id` and a reply
 * `{ id, ok, ... }` or `{ id, ok: false, error }`. Items are spread over the processes
 * round-robin by `split`.
 */
export class ForkPool {
  private readonly workers: ChildProcess[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(module: string, processes: number) {
    for (let i = 0; i < processes; i++) {
      const child = fork(module, [], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        execArgv: process.execArgv,
      });
      child.on("message", (reply: { id: number; ok: boolean; error?: string }) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        if (reply.ok) p.resolve(reply);
        else p.reject(new Error(reply.error ?? "worker failed"));
      });
      this.workers.push(child);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid ?? 0);
  }

  split<T>(items: T[]): T[][] {
    const shares = this.workers.map((): T[] => []);
    items.forEach((item, i) => {
      shares[i % shares.length]?.push(item);
    });
    return shares;
  }

  ask<R>(worker: number, body: Record<string, unknown>): Promise<R> {
    const id = this.nextId++;
    const w = this.workers[worker];
    if (!w) throw new Error(`no worker ${worker}`);
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      w.send({ ...body, id });
    });
  }

  all<R>(body: (i: number) => Record<string, unknown>): Promise<R[]> {
    return Promise.all(this.workers.map((_, i) => this.ask<R>(i, body(i))));
  }

  close(): void {
    for (const w of this.workers) if (w.connected) w.disconnect();
  }
}
