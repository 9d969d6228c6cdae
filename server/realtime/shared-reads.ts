import type { Position } from "../../shared/realtime/cursor.ts";
import type { TopicPage } from "../db/realtime-events.ts";

type Read = (topic: string, from: Position, limit: number) => Promise<TopicPage>;

/**
 * Replay page reads shared between the sockets of one hub that ask for the same page (same
 * topic, same cursor, same size) at about the same time: after a reconnect storm the
 * sockets of one organisation come back with the same cursor, and each of them read and
 * parsed the same rows.
 *
 * A read may only serve a socket that had already joined the topic's room (and started
 * buffering live events) when the read's statement ran: rows committed after the snapshot
 * reach it live, and rows before it come from the read. A replay asks for its page only
 * after its socket joined, so a socket may join a read that has not started yet, never one
 * already running (that read's snapshot may predate the join, and rows the pump delivered
 * in between would be lost for this socket). Hence: one read per page at a time; requests
 * that arrive while it runs wait for it to finish and then share the next one, which
 * starts after every one of them asked. Under load (reads slow) more sockets share a read.
 */
export class SharedPageReads {
  /** Per page: the read running now, if any. */
  private readonly running = new Map<string, Promise<unknown>>();
  /** Per page: the next read, not started yet, that new requests join. */
  private readonly next = new Map<string, Promise<TopicPage>>();
  private readonly read: Read;

  constructor(read: Read) {
    this.read = read;
  }

  page(topic: string, from: Position, limit: number): Promise<TopicPage> {
    const key = `${topic}\u0000${from.xid}\u0000${from.id}\u0000${limit}`;
    const queued = this.next.get(key);
    if (queued) return queued;
    const before = this.running.get(key);
    const start = () => {
      // Sealed: from here on a new request waits for the read after this one.
      this.next.delete(key);
      const read = this.read(topic, from, limit);
      const done = read.then(
        () => {},
        () => {},
      );
      this.running.set(key, done);
      void done.then(() => {
        if (this.running.get(key) === done) this.running.delete(key);
      });
      return read;
    };
    if (!before) return start();
    const read = before.then(start);
    this.next.set(key, read);
    return read;
  }
}
