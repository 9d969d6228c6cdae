/**
 * One client process of the reconnect storm (forked by storm.ts): typed clients
 * (shared/client.ts, the recovery a real app has: re-subscribe with cursors, de-duplicate),
 * each on its organisation's `org:` topic through nginx. It records per client the outbox
 * ids delivered on that topic (and how many twice), and the storm's phases: when it lost its
 * connection, connected again, had its `org:` re-subscribe acknowledged (the replay of what
 * it missed sent) and got the marker; and every connect error by message.
 */
import { createSiteSyncClient, type SiteSyncClient } from "../../../shared/client.ts";
import { decodeCursor } from "../../../shared/realtime/cursor.ts";
import { topicName } from "../../../shared/realtime/topics.ts";
import type { StormPhases } from "./storm-phases.ts";

type Client = {
  orgId: string;
  topic: string;
  client: SiteSyncClient;
  seen: Set<string>;
  duplicates: number;
  disconnectedAt: number;
  connectedAt: number;
  subscribedAt: number;
  markers: Map<string, number>;
};

let clients: Client[] = [];
/** Connect errors since the last `status` reset, by message (and handshake code). */
let errors: Record<string, number> = {};

function connect(url: string, spec: { token: string; orgId: string }): Promise<Client> {
  const client = createSiteSyncClient(url, { token: spec.token, dedupeWindow: 1_000_000 });
  const c: Client = {
    orgId: spec.orgId,
    topic: topicName("org", spec.orgId),
    client,
    seen: new Set(),
    duplicates: 0,
    disconnectedAt: 0,
    connectedAt: 0,
    subscribedAt: 0,
    markers: new Map(),
  };
  client.on("disconnected", () => {
    c.disconnectedAt = Date.now();
  });
  client.on("connected", () => {
    c.connectedAt = Date.now();
  });
  client.on("subscribed", ({ topic }) => {
    if (topic === c.topic) c.subscribedAt = Date.now();
  });
  const count = (key: string) => {
    errors[key] = (errors[key] ?? 0) + 1;
  };
  // Handshake refusals reach the socket; transport failures of a reconnect attempt only the
  // manager (socket.io-client does not repeat them on the socket).
  client.socket.on("connect_error", (err) => {
    const code = (err as Error & { data?: { code?: string } }).data?.code;
    count(code ? `handshake ${err.message} (${code})` : `connect ${err.message}`);
  });
  client.socket.io.on("reconnect_error", (err) => {
    const cause = (err as Error & { description?: { message?: string } }).description?.message;
    count(`reconnect attempt ${err.message}${cause ? ` (${cause})` : ""}`);
  });
  client.on("event", (e) => {
    if (e.topic !== c.topic) return;
    const id = String(decodeCursor(e.id)?.id ?? e.id);
    if (c.seen.has(id)) c.duplicates++;
    c.seen.add(id);
    const title = "title" in e.data ? e.data.title : undefined;
    if (typeof title === "string" && title.startsWith("marker ") && !c.markers.has(title))
      c.markers.set(title, Date.now());
  });
  return client
    .ready()
    .then(() => client.subscribe(c.topic))
    .then((ack) => {
      if (!ack.ok) throw new Error(`subscribe refused: ${ack.error.code}`);
      return c;
    });
}

type Request =
  | { id: number; type: "connect"; url: string; specs: Array<{ token: string; orgId: string }> }
  | { id: number; type: "status"; marker: string; since: number }
  | { id: number; type: "account"; committed: Record<string, string[]> }
  | { id: number; type: "close" };

/** Each phase's times in ms since `since`, for the clients that reached it after `since`. */
function phases(marker: string, since: number): StormPhases {
  const after = (t: number) => (t >= since ? [t - since] : []);
  const p: StormPhases = {
    clients: clients.length,
    dropped: [],
    reconnected: [],
    resubscribed: [],
    caughtUp: [],
    connectedNow: 0,
    gaveUp: 0,
    errors,
  };
  for (const c of clients) {
    p.dropped.push(...after(c.disconnectedAt));
    if (c.connectedAt >= since) p.reconnected.push(c.connectedAt - since);
    if (c.subscribedAt >= since && c.subscribedAt >= c.connectedAt)
      p.resubscribed.push(c.subscribedAt - since);
    const at = [...c.markers].find(([t]) => t.startsWith(marker))?.[1];
    if (at !== undefined) p.caughtUp.push(at - since);
    if (c.client.socket.connected) p.connectedNow++;
    // Neither connected nor trying again: socket.io gave this client up.
    else if (!c.client.socket.active) p.gaveUp++;
  }
  return p;
}

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.type) {
    case "connect": {
      const queue = [...req.specs];
      const lanes = Array.from({ length: 25 }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) clients.push(await connect(req.url, s));
      });
      await Promise.all(lanes);
      errors = {};
      return { connected: clients.length };
    }
    case "status":
      return phases(req.marker, req.since);
    case "account": {
      let committed = 0;
      let delivered = 0;
      let lost = 0;
      let duplicates = 0;
      for (const c of clients) {
        const ids = req.committed[c.orgId] ?? [];
        committed += ids.length;
        for (const id of ids) {
          if (c.seen.has(id)) delivered++;
          else lost++;
        }
        duplicates += c.duplicates;
      }
      return { committed, delivered, lost, duplicates };
    }
    case "close": {
      for (const c of clients) c.client.close();
      clients = [];
      return {};
    }
  }
}

process.on("message", (req: Request) => {
  handle(req).then(
    (reply) => process.send?.({ ...reply, id: req.id, ok: true }),
    (err: Error) => process.send?.({ id: req.id, ok: false, error: err.message }),
  );
});
process.on("disconnect", () => process.exit(0));
