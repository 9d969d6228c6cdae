import type { Envelope } from "../../shared/realtime/envelope.ts";
import type { HubServer } from "./types.ts";

type Pending = { envelopes: Envelope[]; key: string };
/** Sockets due the same envelopes, split by how they take them. */
type Group = { envelopes: Envelope[]; batched: string[]; single: string[] };

/**
 * The live events of one delivery slice, held per socket and sent when the slice ends
 * (the pump calls `flush` before it yields to the event loop and after each read).
 *
 * A socket that asked for batches in its handshake (`auth.batch: true`, the typed client
 * does) gets all of its slice's events as one `events` packet, in order; any other socket
 * gets them as `event` packets, one each, in the same order. Under load a slice hands a
 * socket several events (a read takes every commit since the last one), and each packet a
 * socket is sent costs the hub a socket.io encode and a TCP write and the client a frame to
 * decode and dispatch; one packet for the lot costs that once. Nothing waits for a batch:
 * a slice is synchronous, so an event goes out in the same turn of the event loop it would
 * have gone out in alone.
 *
 * Sockets with the same sequence of envelopes (a room's sockets, typically) are sent it
 * with one emit, so socket.io encodes it once for all of them. Order is safe because a
 * slice runs without yielding: no replay or other emit can come between its events.
 */
export class Outgoing {
  private readonly pending = new Map<string, Pending>();
  /** Names each added envelope inside the slice, to group sockets by what they get. */
  private serial = 0;

  private readonly io: HubServer;

  constructor(io: HubServer) {
    this.io = io;
  }

  add(socketIds: readonly string[], envelope: Envelope): void {
    const serial = `${++this.serial},`;
    for (const id of socketIds) {
      const p = this.pending.get(id);
      if (p) {
        p.envelopes.push(envelope);
        p.key += serial;
      } else this.pending.set(id, { envelopes: [envelope], key: serial });
    }
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const nsp = this.io.of("/");
    const groups = new Map<string, Group>();
    for (const [id, { envelopes, key }] of this.pending) {
      const socket = nsp.sockets.get(id);
      if (!socket) continue;
      let g = groups.get(key);
      if (!g) {
        g = { envelopes, batched: [], single: [] };
        groups.set(key, g);
      }
      (socket.data.batch ? g.batched : g.single).push(id);
    }
    this.pending.clear();
    this.serial = 0;
    for (const { envelopes, batched, single } of groups.values()) {
      if (batched.length > 0) {
        if (envelopes.length === 1) nsp.local.to(batched).emit("event", envelopes[0] as Envelope);
        else nsp.local.to(batched).emit("events", envelopes);
      }
      if (single.length > 0) {
        for (const envelope of envelopes) nsp.local.to(single).emit("event", envelope);
      }
    }
  }
}
