import type { Server, Socket } from "socket.io";
import type { Position } from "../../shared/realtime/cursor.ts";
import type { ClientToServerEvents, ServerToClientEvents } from "../../shared/realtime/events.ts";
import type { TopicName } from "../../shared/realtime/topics.ts";
import type { Principal } from "../auth/principal.ts";
import type { OutboxRow } from "../db/realtime-events.ts";
import type { Runtime } from "../runtime.ts";
import type { Audience } from "./audience.ts";
import type { TokenBucket } from "./rate-limit.ts";
import type { SharedPageReads } from "./shared-reads.ts";

/** One topic a socket is in, and what it may see of the events on it. */
export type Subscription = {
  topic: TopicName;
  audience: Audience;
  /** Events at or below this position reached the client through a replay: skip them live. */
  floor: Position | null;
  /** Non-null while the replay runs: live events on this topic wait here (the seam). */
  buffer: OutboxRow[] | null;
  /**
   * Once the subscription is complete (buffer null), every event on this topic after this
   * position that its audience may see has reached the socket, by replay or live. A replay
   * of another topic skips those, so a socket gets an event once across all its topics.
   */
  deliveredFrom: Position | null;
};

type SocketData = {
  principal: Principal;
  token: string;
  /** The handshake asked for `events` batches (outgoing.ts). */
  batch: boolean;
  subscriptions: Map<string, Subscription>;
  subscribeBucket: TokenBucket;
  actionBucket: TokenBucket;
  ended: boolean;
  expiryTimer: NodeJS.Timeout | null;
  /** Replays of one socket run one after another (see subscriptions.ts). */
  replayQueue: Promise<unknown>;
};

export type HubServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type HubSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** What the handlers of one hub process share. */
export type HubContext = {
  io: HubServer;
  runtime: Runtime;
  /** Position up to which the pump has handed every event to delivery. */
  pumpPosition: () => Position;
  /** Replay pages, read once for the sockets that ask for the same page together. */
  pageReads: SharedPageReads;
};
