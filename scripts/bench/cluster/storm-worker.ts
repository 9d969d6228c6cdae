/**
 * One client process of the reconnect storm (forked by storm.ts): typed clients
 * (shared/client.ts, the recovery a real app has: re-subscribe with cursors, de-duplicate),
 * each on its organisation's `org:` topic through nginx. It records per client the outbox
 * ids delivered on that topic (and how many twice), when it was connected, and when it got
 * each marker.
 */
import { createSiteSyncClient, type SiteSyncClient } from "../../../shared/client.ts";
import { decodeCursor } from "../../../shared/realtime/cursor.ts";
import { topicName } from "../../../shared/realtime/topics.ts";

type Client = {
  orgId: string;
  topic: string;
  client: SiteSyncClient;
  seen: Set<string>;
  duplicates: number;
  connectedAt: number;
  markers: Map<string, number>;
};

let clients: Client[] = [];

function connect(url: string, spec: { token: string; orgId: string }): Promise<Client> {
  const client = createSiteSyncClient(url, { token: spec.token, dedupeWindow: 1_000_000 });
  const c: Client = {
    orgId: spec.orgId,
    topic: topicName("org", spec.orgId),
    client,
    seen: new Set(),
    duplicates: 0,
    connectedAt: 0,
    markers: new Map(),
  };
  client.on("connected", () => {
    c.connectedAt = Date.now();
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

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.type) {
    case "connect": {
      const queue = [...req.specs];
      const lanes = Array.from({ length: 25 }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) clients.push(await connect(req.url, s));
      });
      await Promise.all(lanes);
      return { connected: clients.length };
    }
    case "status": {
      // Connected again since `since`, and the latest of those times; got the marker, and the
      // latest arrival.
      let reconnected = 0;
      let lastReconnect = 0;
      let marked = 0;
      let lastMarker = 0;
      for (const c of clients) {
        if (c.client.socket.connected && c.connectedAt >= req.since) {
          reconnected++;
          lastReconnect = Math.max(lastReconnect, c.connectedAt);
        }
        const at = [...c.markers].find(([t]) => t.startsWith(req.marker))?.[1];
        if (at !== undefined) {
          marked++;
          lastMarker = Math.max(lastMarker, at);
        }
      }
      return { clients: clients.length, reconnected, lastReconnect, marked, lastMarker };
    }
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
