import pg from "pg";
import type { SoakClient } from "./clients.ts";

/**
 * End-of-run accounting: what every client received against what the database committed
 * on that client's topics since the soak began (the outbox, realtime_events, is the record
 * of every committed change). Per client: lost = committed and never delivered; duplicated
 * = delivered to the app more than once (after the typed client's de-duplication). Jobs:
 * every canary probe queued must have committed its notification exactly once.
 */
export type Accounting = {
  clients: number;
  /** Sum over clients of the events committed on their topics. */
  committed: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** Delivered ids the database does not have on that client's topics (must be 0). */
  unexpected: number;
  /** Distinct changes committed on the clients' topics. */
  distinctCommitted: number;
  jobs: { queued: number; committed: number; missing: number; duplicated: number };
  /** The first few losses, for the log. */
  examples: string[];
};

export class SoakDatabase {
  private readonly c: pg.Client;
  constructor(url: string) {
    this.c = new pg.Client({ connectionString: url, application_name: "sitesync-soak" });
    this.c.on("error", () => {});
  }
  connect = () => this.c.connect();
  end = () => this.c.end().catch(() => {});

  async maxEventId(): Promise<string> {
    const { rows } = await this.c.query<{ id: string }>(
      "SELECT coalesce(max(id), 0)::text AS id FROM realtime_events",
    );
    return rows[0]?.id ?? "0";
  }

  /** Outbox ids committed after `since` carrying any of `topics`. */
  async committedOn(topics: string[], since: string): Promise<Set<string>> {
    const { rows } = await this.c.query<{ id: string }>(
      "SELECT id::text AS id FROM realtime_events WHERE id > $1 AND topics && $2::text[]",
      [since, topics],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** How many notifications each canary probe wrote. */
  async probeRows(probes: string[]): Promise<Map<string, number>> {
    const { rows } = await this.c.query<{ title: string; n: number }>(
      `SELECT title, count(*)::int AS n FROM notifications
        WHERE notification_type = 'ops_canary' AND title = ANY($1::text[]) GROUP BY title`,
      [probes.map((p) => `canary ${p}`)],
    );
    return new Map(rows.map((r) => [r.title.slice("canary ".length), r.n]));
  }

  async pids(database: string): Promise<number[]> {
    const { rows } = await this.c.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1",
      [database],
    );
    return rows.map((r) => r.pid);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Committed sets per distinct topic list (clients of one user share theirs). */
async function committedByClient(
  db: SoakDatabase,
  clients: SoakClient[],
  since: string,
): Promise<Map<SoakClient, Set<string>>> {
  const byTopics = new Map<string, Promise<Set<string>>>();
  const out = new Map<SoakClient, Set<string>>();
  for (const c of clients) {
    const key = c.topics.join(",");
    let p = byTopics.get(key);
    if (!p) {
      p = db.committedOn(c.topics, since);
      byTopics.set(key, p);
    }
    out.set(c, await p);
  }
  return out;
}

const missingOf = (c: SoakClient, committed: Set<string>) =>
  [...committed].filter((id) => !c.seen.has(id));

/**
 * Waits (bounded) until every queued probe committed and every client has everything
 * committed on its topics, then counts.
 */
export async function account(
  db: SoakDatabase,
  clients: SoakClient[],
  since: string,
  probes: string[],
  timeoutMs: number,
): Promise<Accounting> {
  const deadline = Date.now() + timeoutMs;
  let rows = await db.probeRows(probes);
  while (probes.some((p) => !rows.has(p)) && Date.now() < deadline) {
    await sleep(500);
    rows = await db.probeRows(probes);
  }
  let committed = await committedByClient(db, clients, since);
  while (
    clients.some((c) => missingOf(c, committed.get(c) ?? new Set()).length > 0) &&
    Date.now() < deadline
  ) {
    await sleep(500);
    committed = await committedByClient(db, clients, since);
  }
  const acc: Accounting = {
    clients: clients.length,
    committed: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
    distinctCommitted: new Set([...committed.values()].flatMap((s) => [...s])).size,
    jobs: {
      queued: probes.length,
      committed: [...rows.values()].filter((n) => n >= 1).length,
      missing: probes.filter((p) => !rows.has(p)).length,
      duplicated: [...rows.values()].filter((n) => n > 1).length,
    },
    examples: [],
  };
  for (const c of clients) {
    const mine = committed.get(c) ?? new Set<string>();
    const missing = missingOf(c, mine);
    acc.committed += mine.size;
    acc.lost += missing.length;
    for (const [id, n] of c.seen) {
      // Committed before the soak began (a transaction already open then): not counted.
      if (BigInt(id) <= BigInt(since)) continue;
      if (!mine.has(id)) acc.unexpected++;
      else acc.delivered++;
      if (n > 1) acc.duplicated += n - 1;
    }
    if (missing.length > 0 && acc.examples.length < 5) {
      acc.examples.push(
        `client ${c.index} (${c.topics.join(", ")}): ${missing.slice(0, 5).join(", ")}`,
      );
    }
  }
  return acc;
}
