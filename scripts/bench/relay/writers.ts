import pg from "pg";
import { now } from "./histogram.ts";

export type WriteResult = {
  target: number;
  committed: number;
  errors: number;
  seconds: number;
  /** Commits per second actually achieved over the run. */
  rate: number;
  firstError?: string;
};

/** Opens `n` connections for the writers of one phase. */
export async function openWriters(url: string, n: number): Promise<pg.Client[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: "bench-relay-writer" });
      await c.connect();
      return c;
    }),
  );
}

/**
 * Paced writers: change `seq` is due at start + seq / rate; each connection takes the next
 * due change, waits for its time, stamps it and sends it (one round trip that commits).
 * When the database cannot keep up the achieved rate falls below the target, which the
 * result reports. `rate = Infinity` runs flat out (the raw NOTIFY ceiling).
 */
export async function runWriters(
  clients: pg.Client[],
  rate: number,
  durationMs: number,
  send: (c: pg.Client, seq: number, stamp: number) => Promise<unknown>,
): Promise<WriteResult & { startedAt: number; endedAt: number }> {
  const startedAt = now();
  const endAt = startedAt + durationMs;
  const total = Number.isFinite(rate) ? Math.floor((rate * durationMs) / 1000) : Infinity;
  let next = 0;
  let committed = 0;
  let errors = 0;
  let firstError: string | undefined;
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const seq = next++;
        if (seq >= total) return;
        const due = Number.isFinite(rate) ? startedAt + (seq * 1000) / rate : now();
        const wait = due - now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        if (now() >= endAt + 1_000) return; // hopelessly behind: stop, the rate says so
        if (!Number.isFinite(rate) && now() >= endAt) return;
        try {
          await send(c, seq, now());
          committed++;
        } catch (err) {
          errors++;
          firstError ??= (err as Error).message;
        }
      }
    }),
  );
  const endedAt = now();
  const seconds = (endedAt - startedAt) / 1000;
  return {
    target: rate,
    committed,
    errors,
    seconds,
    rate: committed / seconds,
    startedAt,
    endedAt,
    ...(firstError ? { firstError } : {}),
  };
}

export async function closeWriters(clients: pg.Client[]): Promise<void> {
  await Promise.allSettled(clients.map((c) => c.end()));
}
