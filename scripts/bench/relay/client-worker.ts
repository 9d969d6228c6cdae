/**
 * One client process of the benchmark (forked by clients.ts): holds a share of the
 * sockets, stamps every `event` with its receive time and keeps a Timeline. The change's
 * send time travels in `data.title` ("bench <ms>"), written by the writer just before it
 * sent the committing statement (or by the bare server just before its broadcast).
 */
import { io, type Socket } from "socket.io-client";
import { bucketOf, now } from "./histogram.ts";
import { emptyTimeline, record, toWire } from "./timeline.ts";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.ts";

let sockets: Socket[] = [];
let timeline = emptyTimeline();
let unstamped = 0;

function onEvent(envelope: { data?: { title?: unknown } }): void {
  const received = now();
  const title = envelope?.data?.title;
  if (typeof title !== "string" || !title.startsWith("bench ")) {
    unstamped++;
    return;
  }
  const sent = Number(title.slice(6));
  record(timeline, sent, received, bucketOf(received - sent));
}

async function connectOne(url: string, auth: Record<string, unknown>, topics: string[]) {
  const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, auth });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message}`)));
  });
  socket.on("event", onEvent);
  // The hub's batches (the sockets connect with auth.batch, as the typed client does).
  socket.on("events", (envelopes: unknown) => {
    if (Array.isArray(envelopes)) for (const envelope of envelopes) onEvent(envelope);
  });
  for (const topic of topics) {
    const ack = await socket.timeout(30_000).emitWithAck("subscribe", { topic });
    if (!ack?.ok) throw new Error(`subscribe ${topic} refused: ${JSON.stringify(ack)}`);
  }
  sockets.push(socket);
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.type) {
    case "connect": {
      const queue = [...req.sockets];
      const lanes = Array.from({ length: req.concurrency }, async () => {
        for (let s = queue.shift(); s; s = queue.shift())
          await connectOne(req.url, s.auth, s.topics);
      });
      await Promise.all(lanes);
      return { id: req.id, ok: true, connected: sockets.length };
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
