import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo, Socket as TcpSocket } from "node:net";
import { Server, type Socket } from "socket.io";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coalesceQueuedPackets } from "../server/realtime/socket-writes.ts";
import { waitFor } from "./helpers/realtime.ts";

/**
 * server/realtime/socket-writes.ts relies on engine.io internals (its WebSocket transport's
 * `send`, the ws socket's TCP socket). These tests use a real socket.io server and client
 * over loopback and count the write calls on the server's TCP socket, so an engine.io
 * upgrade that stops the coalescing fails here rather than only in a benchmark.
 */
let http: HttpServer;
let io: Server;
let client: ClientSocket;
let serverSide: Socket;
const received: number[] = [];

beforeAll(async () => {
  expect(coalesceQueuedPackets()).toBe(true);
  http = createServer();
  io = new Server(http, { serveClient: false });
  const connected = new Promise<Socket>((resolve) => io.once("connection", resolve));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  client = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true });
  client.on("n", (n: number) => received.push(n));
  serverSide = await connected;
});

afterAll(async () => {
  client?.disconnect();
  await io?.close();
});

/** Counts the system-call-level writes (`_write` / `_writev`) on the server's TCP socket. */
function countWrites(): { count: () => number } {
  const ws = (serverSide.conn as unknown as { transport: { socket: { _socket: TcpSocket } } })
    .transport.socket;
  const tcp = ws._socket as TcpSocket & {
    _write: (...a: unknown[]) => void;
    _writev?: (...a: unknown[]) => void;
  };
  let count = 0;
  for (const name of ["_write", "_writev"] as const) {
    const original = tcp[name];
    if (typeof original !== "function") continue;
    tcp[name] = function (this: unknown, ...args: unknown[]) {
      count++;
      return original.apply(this, args);
    };
  }
  return { count: () => count };
}

describe("socket writes", () => {
  it("packets queued for one socket in one turn go out in one write after the first, in order", async () => {
    received.length = 0;
    const writes = countWrites();
    // The first emit is written at once; the other 19 queue until its write completes.
    for (let n = 0; n < 20; n++) serverSide.emit("n", n);
    await waitFor(() => received.length === 20, 5_000, "20 events");
    expect(received).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(writes.count()).toBeLessThanOrEqual(2);
  });

  it("control: packets sent in separate turns are separate writes (the counting sees them)", async () => {
    received.length = 0;
    const writes = countWrites();
    for (let n = 0; n < 5; n++) {
      serverSide.emit("n", n);
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => received.length === 5, 5_000, "5 events");
    expect(writes.count()).toBe(5);
  });

  it("installs once: a second call is a no-op that reports the same state", () => {
    expect(coalesceQueuedPackets()).toBe(true);
  });
});
