import type { z } from "zod";
import {
  comparePositions,
  decodeCursor,
  encodeCursor,
  maxPosition,
  type Position,
} from "../../shared/realtime/cursor.ts";
import {
  type AckError,
  type ErrorCode,
  type OkAck,
  type SubscribeAck,
  SubscribePayload,
  UnsubscribePayload,
} from "../../shared/realtime/events.ts";
import { parseTopic } from "../../shared/realtime/topics.ts";
import { type OutboxRow, positionOf } from "../db/realtime-events.ts";
import { logger } from "../logger.ts";
import { replays, subscriptionsActive } from "../metrics.ts";
import { visibleTo } from "./audience.ts";
import { authorizeTopic } from "./authorize.ts";
import { emitTo } from "./delivery.ts";
import type { HubContext, HubSocket, Subscription } from "./types.ts";

const log = logger.child({ component: "realtime-subscriptions" });

/** Beyond this many missed events a client is better served by a REST refetch (reset). */
const MAX_REPLAY = 10_000;
const REPLAY_PAGE = 1_000;

export function ackError(code: ErrorCode, message: string, error?: z.ZodError): AckError {
  const issues = error?.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  return { ok: false, error: { code, message, ...(issues ? { issues } : {}) } };
}

export async function handleSubscribe(
  ctx: HubContext,
  socket: HubSocket,
  payload: unknown,
): Promise<SubscribeAck> {
  if (!socket.data.subscribeBucket.take()) {
    return ackError("rate_limited", "Too many subscribe requests; slow down");
  }
  const parsed = SubscribePayload.safeParse(payload);
  if (!parsed.success)
    return ackError("invalid_request", "Invalid subscribe payload", parsed.error);
  const topic = parseTopic(parsed.data.topic);
  if (!topic) return ackError("invalid_topic", `Unknown or malformed topic "${parsed.data.topic}"`);
  let since: Position | null = null;
  if (parsed.data.since !== undefined) {
    since = decodeCursor(parsed.data.since);
    if (!since) return ackError("invalid_request", "since is not a cursor issued by this server");
  }

  const admission = await authorizeTopic(ctx.runtime, socket.data.principal, topic);
  if (!admission.ok) return ackError(admission.code, admission.message);
  if (!socket.connected) return ackError("invalid_request", "Socket disconnected");

  const subs = socket.data.subscriptions;
  if (!subs.has(topic.name)) subscriptionsActive.inc();
  // Join first and buffer live events while the replay runs: no gap, no duplicate.
  const sub: Subscription = {
    topic: topic.name,
    audience: admission.audience,
    floor: null,
    buffer: since ? [] : null,
    deliveredFrom: since ? null : ctx.pumpPosition(),
  };
  subs.set(topic.name, sub);
  socket.join(topic.name);
  if (!since) return { ok: true, topic: topic.name, cursor: encodeCursor(ctx.pumpPosition()) };

  try {
    // One replay at a time per socket (a reconnecting client re-subscribes every topic at
    // once): each replay then sees the others complete and can skip what they delivered.
    const run = socket.data.replayQueue.then(() => replay(ctx, socket, sub, since));
    socket.data.replayQueue = run.catch(() => {});
    return await run;
  } catch (err) {
    log.warn({ err: (err as Error).message, topic: topic.name }, "replay failed");
    replays.inc({ outcome: "error" });
    if (subs.get(topic.name) === sub) {
      subs.delete(topic.name);
      socket.leave(topic.name);
      subscriptionsActive.dec();
    }
    return ackError("unavailable", "Replay failed; try again");
  }
}

async function replay(
  ctx: HubContext,
  socket: HubSocket,
  sub: Subscription,
  since: Position,
): Promise<SubscribeAck> {
  // One statement per page, the retention floor read with the rows (readTopicPage), shared
  // with the sockets that ask for the same page together (shared-reads.ts: this socket has
  // joined the room, so any read that starts from now on may serve it). The
  // floor only rises, so the last page's floor not above `since` means nothing after
  // `since` had been pruned when any page was read; above it, the replay may have a gap
  // (or the cursor was older than the window all along), and only a reset is honest.
  let rows: OutboxRow[] | null = [];
  let from = since;
  for (;;) {
    const page = await ctx.pageReads.page(sub.topic, from, REPLAY_PAGE);
    if (comparePositions(since, page.floor) < 0) {
      rows = null;
      break;
    }
    rows.push(...page.rows);
    const last = page.rows.at(-1);
    if (rows.length > MAX_REPLAY) {
      rows = null;
      break;
    }
    if (!last || page.rows.length < REPLAY_PAGE) break;
    from = positionOf(last);
  }

  if (rows === null) {
    // Too old (or too much): the client refetches over REST; what is live from now on
    // follows the pump, so the buffered events are already part of that fresh state.
    sub.buffer = null;
    sub.deliveredFrom = ctx.pumpPosition();
    replays.inc({ outcome: "reset" });
    return { ok: true, topic: sub.topic, cursor: encodeCursor(ctx.pumpPosition()), reset: true };
  }

  let covered = since;
  const pumped = ctx.pumpPosition();
  for (const row of rows) {
    if (!deliveredByAnotherTopic(socket, row, sub, pumped)) emitTo(socket, row, sub, true);
    covered = positionOf(row);
  }
  // Live events that arrived during the replay, minus those the replay already sent.
  const buffered = sub.buffer ?? [];
  sub.buffer = null;
  sub.floor = covered;
  sub.deliveredFrom = since;
  for (const row of buffered) {
    if (comparePositions(positionOf(row), covered) > 0) emitTo(socket, row, sub, false);
  }
  replays.inc({ outcome: "ok" });
  return {
    ok: true,
    topic: sub.topic,
    cursor: encodeCursor(maxPosition(covered, ctx.pumpPosition())),
  };
}

/**
 * True when the socket already has this row through another of its topics: that topic's
 * subscription is complete, covers the row's position, lets its audience see the row, and
 * either the pump has already handed the row out (so it went out live, in that topic's
 * order) or the row lies inside that subscription's own replay (at or below its floor), which
 * sent it. The second case matters when the pump is behind the replays: every topic's replay
 * would otherwise send the rows the pump has not reached yet.
 */
function deliveredByAnotherTopic(
  socket: HubSocket,
  row: OutboxRow,
  sub: Subscription,
  pumped: Position,
): boolean {
  const position = positionOf(row);
  for (const topic of row.topics) {
    if (topic === sub.topic) continue;
    const other = socket.data.subscriptions.get(topic);
    if (!other || other.buffer !== null || other.deliveredFrom === null) continue;
    if (comparePositions(position, other.deliveredFrom) <= 0) continue;
    if (!visibleTo(row, other.audience)) continue;
    if (comparePositions(position, pumped) <= 0) return true;
    if (other.floor && comparePositions(position, other.floor) <= 0) return true;
  }
  return false;
}

export function handleUnsubscribe(socket: HubSocket, payload: unknown): OkAck {
  const parsed = UnsubscribePayload.safeParse(payload);
  if (!parsed.success)
    return ackError("invalid_request", "Invalid unsubscribe payload", parsed.error);
  const topic = parseTopic(parsed.data.topic);
  if (!topic) return ackError("invalid_topic", `Unknown or malformed topic "${parsed.data.topic}"`);
  // The own user room is permanent (protocol: a socket is always in it).
  if (topic.kind === "user" && topic.id === socket.data.principal.userId) return { ok: true };
  if (socket.data.subscriptions.delete(topic.name)) subscriptionsActive.dec();
  socket.leave(topic.name);
  return { ok: true };
}
