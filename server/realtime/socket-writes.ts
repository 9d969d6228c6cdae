import { transports } from "engine.io";
import { logger } from "../logger.ts";

/**
 * One write per socket for the packets engine.io has queued, instead of one per packet.
 *
 * engine.io's WebSocket transport writes a packet and, until that write's callback, queues
 * any further packets for the socket; it then sends the queue packet by packet, and every
 * packet becomes its own `writev` system call (ws writes a frame's header and body under a
 * cork of its own, frame by frame). A hub catching up hands a socket many events in one
 * turn of the event loop (at fan-out 1,000 a slice gives each socket about 20), so that
 * queue is long exactly when the hub is busiest. Corking the TCP socket around the queue's
 * send turns it into one `writev`, and the client reads it in one go too. Measured at
 * fan-out 1,000 saturation (2,000 sockets, 80 changes/s offered): 52-67k msgs/s without,
 * 73-80k with (docs/realtime.md, Performance notes).
 *
 * This wraps `send` of engine.io's WebSocket transport class, which is not public API, so
 * it checks what it relies on and leaves engine.io alone when that is not there;
 * test/realtime-socket-writes.test.ts fails if the coalescing stops happening, e.g. after an
 * engine.io upgrade. Nothing about what is sent, or in which order, changes.
 */

type Corkable = { cork(): void; uncork(): void };
type WebSocketTransport = { socket?: { _socket?: Partial<Corkable> } };
type Send = (this: WebSocketTransport, packets: unknown[]) => void;

const log = logger.child({ component: "realtime-socket-writes" });
let installed: boolean | null = null;

/** Installs the coalescing once per process; returns whether it is active. */
export function coalesceQueuedPackets(): boolean {
  if (installed !== null) return installed;
  const proto = (transports.websocket as unknown as { prototype?: { send?: Send } }).prototype;
  const send = proto?.send;
  if (!proto || typeof send !== "function") {
    log.warn("engine.io's WebSocket transport has no send(): socket writes are not coalesced");
    installed = false;
    return installed;
  }
  proto.send = function coalescedSend(this: WebSocketTransport, packets: unknown[]) {
    const tcp = this.socket?._socket;
    if (packets.length < 2 || typeof tcp?.cork !== "function" || typeof tcp.uncork !== "function")
      return send.call(this, packets);
    tcp.cork();
    try {
      send.call(this, packets);
    } finally {
      tcp.uncork();
    }
  };
  installed = true;
  return installed;
}
