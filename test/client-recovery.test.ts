import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { afterAll, describe, expect, it } from "vitest";
import { createSiteSyncClient } from "../shared/client.ts";
import { encodeCursor } from "../shared/realtime/cursor.ts";

/**
 * The typed client's recovery against a bare socket.io server that plays the hub's
 * handshake and subscribe acks: a handshake refused with `unavailable` (the hub's database
 * busy or away) is tried again, not given up as socket.io does on any refusal; every
 * acknowledged subscribe, the app's own and the re-subscribes after a reconnect, is told.
 */
describe("typed client recovery", () => {
  const http = createServer();
  const io = new Server(http);
  let refuse = 2;
  let handshakes = 0;
  io.use((_socket, next) => {
    handshakes++;
    if (refuse > 0) {
      refuse--;
      next(Object.assign(new Error("unavailable"), { data: { code: "unavailable" } }));
      return;
    }
    next();
  });
  io.on("connection", (socket) => {
    socket.on("subscribe", (payload: { topic: string }, ack: (r: unknown) => void) =>
      ack({ ok: true, topic: payload.topic, cursor: encodeCursor({ xid: 1n, id: 1n }) }),
    );
  });
  afterAll(() => {
    io.close();
    http.close();
  });

  it("retries an unavailable handshake, then re-subscribes after a drop and says so", async () => {
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const { port } = http.address() as AddressInfo;
    const client = createSiteSyncClient(`http://127.0.0.1:${port}`, { token: "t" });
    const subscribed: string[] = [];
    client.on("subscribed", ({ topic }) => subscribed.push(topic));
    try {
      await client.ready();
      expect(handshakes).toBe(3);
      const topic = "org:00000000-0000-4000-8000-000000000001";
      const ack = await client.subscribe(topic);
      expect(ack.ok).toBe(true);
      expect(subscribed).toEqual([topic]);

      // The server drops the socket: the client comes back and re-subscribes by itself,
      // even when the first handshake after the drop is refused as unavailable.
      refuse = 1;
      for (const s of io.sockets.sockets.values()) s.conn.close();
      const deadline = Date.now() + 15_000;
      while (subscribed.length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(subscribed).toEqual([topic, topic]);
      expect(handshakes).toBe(5);
    } finally {
      client.close();
    }
  });
});
