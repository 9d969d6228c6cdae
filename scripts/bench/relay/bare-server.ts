/**
 * The bare broadcast limit (forked by bare-broadcast.ts): plain socket.io with the hub's
 * server options, no database, no Redis, no auth. `subscribe` joins a room; on `run` it
 * broadcasts the hub's real envelope (stamped in data.title) round-robin over the rooms
 * at the requested rate, one encode per broadcast, like the hub's grouped emit.
 */
import { createServer } from "node:http";
import { Server } from "socket.io";
import { now } from "./histogram.ts";

type Run = {
  type: "run";
  rate: number;
  durationMs: number;
  rooms: string[];
  envelope: Record<string, unknown> & { data: Record<string, unknown> };
};

const http = createServer();
const io = new Server(http, {
  serveClient: false,
  maxHttpBufferSize: 1_000_000,
  pingInterval: 10_000,
  pingTimeout: 5_000,
});
io.on("connection", (socket) => {
  socket.on("subscribe", (payload: { topic?: unknown }, ack: (r: unknown) => void) => {
    if (typeof payload?.topic === "string") socket.join(payload.topic);
    ack({ ok: true, topic: payload?.topic });
  });
});

function run(req: Run): Promise<{ sent: number; startedAt: number; endedAt: number }> {
  return new Promise((resolve) => {
    const startedAt = now();
    const total = Math.floor((req.rate * req.durationMs) / 1000);
    let sent = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - startedAt) * req.rate) / 1000) + 1);
      while (sent < due) {
        const room = req.rooms[sent % req.rooms.length]!;
        io.to(room).emit("event", {
          ...req.envelope,
          data: { ...req.envelope.data, title: `bench ${now()}` },
        });
        sent++;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve({ sent, startedAt, endedAt: now() });
      }
    };
    const timer = setInterval(tick, 1);
  });
}

http.listen(0, "127.0.0.1", () => {
  const a = http.address();
  process.send?.({ type: "listening", port: typeof a === "object" && a ? a.port : 0 });
});
process.on("message", (req: Run) => {
  if (req.type === "run") void run(req).then((r) => process.send?.({ type: "ran", ...r }));
});
process.on("disconnect", () => process.exit(0));
