/**
 * One client process of the messaging latency benchmark (forked by latency.ts). It holds
 * its pairs' sockets (sender and recipient of each pair in this process, so both times come
 * from one clock), sends `message.send` at its share of the rate, and measures, per
 * message, ack time minus send time, and the recipient's receive time minus the ack time.
 */
import { io, type Socket } from "socket.io-client";

type Pair = { senderToken: string; recipientToken: string; recipientId: string };
type Request =
  | { type: "connect"; url: string; pairs: Pair[] }
  | { type: "run"; perSecond: number; seconds: number; warmupSeconds: number }
  | { type: "close" };

type Sample = { ack: number; deliver: number };

let senders: Socket[] = [];
let recipients: Socket[] = [];
let pairs: Pair[] = [];
/** message id → ack time; message id → receive time (whichever comes first waits). */
const acked = new Map<string, number>();
const received = new Map<string, number>();
const sentAt = new Map<string, number>();
const samples: Sample[] = [];
/** Deliveries that came before their ack (kept until the ack says whether it is tracked). */
const early = new Map<string, number>();
const tracked = new Set<string>();
let measuring = false;
let refused = 0;
let errors: string[] = [];

function settle(id: string): void {
  const a = acked.get(id);
  const r = received.get(id);
  const s = sentAt.get(id);
  if (a === undefined || r === undefined || s === undefined) return;
  samples.push({ ack: a - s, deliver: r - a });
  acked.delete(id);
  received.delete(id);
  sentAt.delete(id);
}

function onEnvelope(envelope: { type?: string; data?: { id?: unknown } }): void {
  if (envelope?.type !== "message.created" || typeof envelope.data?.id !== "string") return;
  // Only messages sent while measuring are waited for (warm-up messages are not tracked).
  if (!tracked.has(envelope.data.id) && !acked.has(envelope.data.id)) {
    early.set(envelope.data.id, performance.now());
    return;
  }
  received.set(envelope.data.id, performance.now());
  settle(envelope.data.id);
}

async function connect(url: string, token: string, recipient: boolean): Promise<Socket> {
  const socket = io(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    auth: { token, batch: true },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message}`)));
  });
  if (recipient) {
    socket.on("event", onEnvelope);
    socket.on("events", (list: unknown) => {
      if (Array.isArray(list)) for (const e of list) onEnvelope(e);
    });
  }
  return socket;
}

async function run(perSecond: number, seconds: number, warmupSeconds: number) {
  const interval = 1000 / perSecond;
  const started = performance.now();
  let sent = 0;
  let next = 0;
  const total = Math.round(perSecond * (seconds + warmupSeconds));
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      measuring = now - started >= warmupSeconds * 1000;
      // Catch up on sends due by now (timers are coarse), never more than the schedule.
      while (sent < total && started + sent * interval <= now) {
        const i = next++ % pairs.length;
        const pair = pairs[i]!;
        const socket = senders[i]!;
        const t0 = performance.now();
        const counted = measuring;
        socket
          .timeout(10_000)
          .emitWithAck("message.send", { recipient_id: pair.recipientId, content: `bench ${sent}` })
          .then(
            (ack: { ok: boolean; message?: { id: string } }) => {
              if (!ack?.ok || !ack.message) {
                refused++;
                if (errors.length < 5) errors.push(JSON.stringify(ack).slice(0, 200));
                return;
              }
              const id = ack.message.id;
              const before = early.get(id);
              early.delete(id);
              if (!counted) return;
              tracked.add(id);
              sentAt.set(id, t0);
              acked.set(id, performance.now());
              if (before !== undefined) received.set(id, before);
              settle(id);
            },
            (err: Error) => {
              refused++;
              if (errors.length < 5) errors.push(err.message);
            },
          );
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(1, Math.min(interval, 5)));
    };
    tick();
  });
  // Stragglers: until every tracked message settled, at most 15 s.
  const deadline = performance.now() + 15_000;
  while (sentAt.size > 0 && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  measuring = false;
  const lost = sentAt.size;
  const report = { sent, samples: samples.splice(0), lost, refused, errors };
  errors = [];
  return report;
}

process.on("message", async (req: Request) => {
  try {
    if (req.type === "connect") {
      pairs = req.pairs;
      for (const p of pairs) {
        senders.push(await connect(req.url, p.senderToken, false));
        recipients.push(await connect(req.url, p.recipientToken, true));
      }
      process.send?.({ ok: true, connected: senders.length + recipients.length });
    } else if (req.type === "run") {
      process.send?.({ ok: true, ...(await run(req.perSecond, req.seconds, req.warmupSeconds)) });
    } else {
      for (const s of [...senders, ...recipients]) s.close();
      senders = [];
      recipients = [];
      process.send?.({ ok: true });
    }
  } catch (err) {
    process.send?.({ ok: false, error: (err as Error).message });
  }
});
