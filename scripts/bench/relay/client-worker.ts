/**
 * One client process of the benchmark (forked by clients.ts): holds a share of the
 * sockets, stamps every `event` with its receive time and keeps a Timeline. The change's
 * send time travels in `data.title` ("bench <ms>"), written by the writer just before it
 * sent the committing statement (or by the bare server just before its broadcast).
 */
import { io, type Socket } from "socket.io-client";
import { bucketOf, now } from "./histogram.ts";
import { emptyTimeline, record, toWire } from "./timeline.ts";
import type { SocketSpec, WorkerReply, WorkerRequest } from "./worker-protocol.ts";

let sockets: Socket[] = [];
let timeline = emptyTimeline();
let unstamped = 0;
/** Per socket (perSocket connections): event ids delivered since the last `counts`. */
const delivered = new Map<Socket, Map<string, number>>();

function onEvent(envelope: { id?: unknown; data?: { title?: unknown } }, socket?: Socket): void {
  const received = now();
  const seen = socket ? delivered.get(socket) : undefined;
  if (seen) {
    const id = String(envelope?.id);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const title = envelope?.data?.title;
  if (typeof title !== "string" || !title.startsWith("bench ")) {
    unstamped++;
    return;
  }
  const sent = Number(title.slice(6));
  record(timeline, sent, received, bucketOf(received - sent));
}

async function subscribeAll(socket: Socket, topics: string[]): Promise<void> {
  for (const topic of topics) {
    const ack = await socket.timeout(30_000).emitWithAck("subscribe", { topic });
    if (!ack?.ok) throw new Error(`subscribe ${topic} refused: ${JSON.stringify(ack)}`);
  }
}

async function connectOne(
  url: string,
  auth: Record<string, unknown>,
  topics: string[],
  perSocket: boolean,
) {
  const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, auth });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message}`)));
  });
  const own = perSocket ? socket : undefined;
  if (own) delivered.set(own, new Map());
  socket.on("event", (envelope: { id?: unknown; data?: { title?: unknown } }) =>
    onEvent(envelope, own),
  );
  // The hub's batches (the sockets connect with auth.batch, as the typed client does).
  socket.on("events", (envelopes: unknown) => {
    if (Array.isArray(envelopes)) for (const envelope of envelopes) onEvent(envelope, own);
  });
  await subscribeAll(socket, topics);
  return socket;
}

function perSocketStats() {
  if (delivered.size === 0) return undefined;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let duplicates = 0;
  for (const seen of delivered.values()) {
    let n = 0;
    for (const count of seen.values()) {
      n += count;
      duplicates += count - 1;
    }
    min = Math.min(min, n);
    max = Math.max(max, n);
    seen.clear();
  }
  return { sockets: delivered.size, min, max, duplicates };
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.type) {
    case "connect": {
      // Kept in the order asked for, so a later `subscribe` lines up with it.
      const slots: Socket[] = [];
      let next = 0;
      const lanes = Array.from({ length: req.concurrency }, async () => {
        for (let i = next++; i < req.sockets.length; i = next++) {
          const s = req.sockets[i] as SocketSpec;
          slots[i] = await connectOne(req.url, s.auth, s.topics, req.perSocket === true);
        }
      });
      await Promise.all(lanes);
      sockets.push(...slots);
      return { id: req.id, ok: true, connected: sockets.length };
    }
    case "subscribe": {
      const queue = sockets.map((socket, i) => ({ socket, topics: req.topics[i] ?? [] }));
      const lanes = Array.from({ length: req.concurrency }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) await subscribeAll(s.socket, s.topics);
      });
      await Promise.all(lanes);
      return { id: req.id, ok: true, connected: sockets.length };
    }
    case "counts": {
      const stats = perSocketStats();
      return { id: req.id, ok: true, ...(stats ? { perSocket: stats } : {}) };
    }
    case "collect": {
      const wire = toWire(timeline);
      const reply: WorkerReply = { id: req.id, ok: true, timeline: wire, unstamped };
      timeline = emptyTimeline();
      unstamped = 0;
      return reply;
    }
    case "disconnect": {
      for (const s of sockets) s.disconnect();
      sockets = [];
      delivered.clear();
      return { id: req.id, ok: true };
    }
  }
}

process.on("message", (req: WorkerRequest) => {
  handle(req).then(
    (reply) => process.send?.(reply),
    (err: Error) => process.send?.({ id: req.id, ok: false, error: err.message }),
  );
});
process.on("disconnect", () => process.exit(0));
