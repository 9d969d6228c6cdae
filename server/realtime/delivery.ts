import { comparePositions, type Position } from "../../shared/realtime/cursor.ts";
import type { Envelope } from "../../shared/realtime/envelope.ts";
import { type OutboxRow, positionOf } from "../db/realtime-events.ts";
import { eventsRelayed, relayLag } from "../metrics.ts";
import { type Audience, envelopeFor, visibleTo } from "./audience.ts";
import type { Outgoing } from "./outgoing.ts";
import type { HubServer, HubSocket, Subscription } from "./types.ts";

/** Sockets that get the same envelope: their subscription's topic and audience. */
type Group = { sub: Subscription; ids: string[] };

/**
 * Hands one event read by this process's pump to this process's own sockets only, and
 * returns how many sockets it went to. Every hub node reads the whole outbox, so emitting
 * through the Redis adapter would give each client N copies (socket.io-redis-adapter#135);
 * local emits give exactly one.
 *
 * A socket gets an event once even when several of its topics carry it: the envelope
 * names the first of the event's topics the socket is in. Sockets sharing a topic and
 * audience share one envelope. The envelopes go to `outgoing`, which sends them when the
 * pump's slice ends (outgoing.ts).
 */
export function deliverLive(io: HubServer, outgoing: Outgoing, row: OutboxRow): number {
  const nsp = io.of("/");
  const position = positionOf(row);
  // The row's topics that have a room here, in the row's order (usually one), and those rooms.
  const roomTopics: string[] = [];
  const rooms: Array<Set<string>> = [];
  for (const topic of row.topics) {
    const room = nsp.adapter.rooms.get(topic);
    if (room) {
      roomTopics.push(topic);
      rooms.push(room);
    }
  }
  // With one room there is nobody to de-duplicate across topics.
  const seen = rooms.length > 1 ? new Set<string>() : null;
  const groups = new Map<string, Map<Audience, Group>>();
  for (const room of rooms) {
    for (const socketId of room) {
      if (seen) {
        if (seen.has(socketId)) continue;
        seen.add(socketId);
      }
      const socket = nsp.sockets.get(socketId);
      if (!socket) continue;
      const target = routeFor(socket, roomTopics, row, position);
      if (!target) continue;
      let byAudience = groups.get(target.topic);
      if (!byAudience) {
        byAudience = new Map();
        groups.set(target.topic, byAudience);
      }
      const group = byAudience.get(target.audience);
      if (group) group.ids.push(socketId);
      else byAudience.set(target.audience, { sub: target, ids: [socketId] });
    }
  }
  let sent = 0;
  for (const byAudience of groups.values()) {
    for (const { sub, ids } of byAudience.values()) {
      if (!visibleTo(row, sub.audience)) continue;
      const { topic } = sub;
      outgoing.add(ids, envelopeFor(row, position, topic, sub.audience));
      sent += ids.length;
    }
  }
  if (sent > 0) {
    eventsRelayed.inc({ type: row.type }, sent);
    // From the commit when known (live reads, track_commit_timestamp on), else the statement.
    const from = Date.parse(row.committed_at ?? row.occurred_at);
    relayLag.observe(Math.max(0, Date.now() - from) / 1000);
  }
  return sent;
}

/**
 * Which of the socket's subscriptions carries the row now, or null when it must not be
 * sent live: a replay already covered it, or every matching topic is mid-replay (then
 * it waits in that topic's buffer and goes out right after the replay, in order).
 *
 * `topics` are the row's topics that have a room on this node, in the row's order. A socket
 * holds a subscription exactly when it is in the topic's room (subscriptions.ts and hub.ts
 * set or delete the one and join or leave the other in the same tick), so looking only
 * there finds every subscription of the socket that carries the row: one lookup per socket
 * instead of one per row topic, in the hottest loop at large fan-out.
 */
function routeFor(
  socket: HubSocket,
  topics: readonly string[],
  row: OutboxRow,
  position: Position,
): Subscription | null {
  const subs = socket.data.subscriptions;
  let live: Subscription | null = null;
  let buffering: Subscription | null = null;
  for (const topic of topics) {
    const sub = subs.get(topic);
    if (!sub) continue;
    if (sub.floor && comparePositions(position, sub.floor) <= 0) return null;
    if (sub.buffer) buffering ??= sub;
    else live ??= sub;
  }
  if (live) return live;
  buffering?.buffer?.push(row);
  return null;
}

/** Sends one event to one socket (replay and buffer flush), honouring its audience. */
export function emitTo(
  socket: HubSocket,
  row: OutboxRow,
  sub: Subscription,
  replay: boolean,
): boolean {
  if (!visibleTo(row, sub.audience)) return false;
  const envelope: Envelope = envelopeFor(row, positionOf(row), sub.topic, sub.audience);
  if (replay) envelope.replay = true;
  socket.emit("event", envelope);
  return true;
}
