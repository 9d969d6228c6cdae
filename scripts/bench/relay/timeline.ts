import { add, type Histogram, merge, type WireHistogram } from "./histogram.ts";

/**
 * What the clients saw, keyed by 250 ms slots of absolute time: latency histograms by the
 * slot the change was SENT in (lag of what was committed then) and delivery counts by
 * the slot it was RECEIVED in (throughput). A step's window is then any range of slots.
 */
export const SLOT_MS = 250;
export const slotOf = (ms: number) => Math.floor(ms / SLOT_MS);

export type Timeline = { sent: Map<number, Histogram>; received: Map<number, number> };
export type WireTimeline = {
  sent: Array<[number, WireHistogram]>;
  received: Array<[number, number]>;
};

export const emptyTimeline = (): Timeline => ({ sent: new Map(), received: new Map() });

export function record(t: Timeline, sentMs: number, receivedMs: number, bucket: number): void {
  const s = slotOf(sentMs);
  let h = t.sent.get(s);
  if (!h) {
    h = new Map();
    t.sent.set(s, h);
  }
  add(h, bucket);
  const r = slotOf(receivedMs);
  t.received.set(r, (t.received.get(r) ?? 0) + 1);
}

export const toWire = (t: Timeline): WireTimeline => ({
  sent: [...t.sent].map(([slot, h]) => [slot, [...h]]),
  received: [...t.received],
});

export function mergeWire(into: Timeline, wire: WireTimeline): Timeline {
  for (const [slot, h] of wire.sent) {
    let mine = into.sent.get(slot);
    if (!mine) {
      mine = new Map();
      into.sent.set(slot, mine);
    }
    merge(mine, h);
  }
  for (const [slot, c] of wire.received)
    into.received.set(slot, (into.received.get(slot) ?? 0) + c);
  return into;
}

/** Latencies of everything sent in [from, to) ms. */
export function sentBetween(t: Timeline, from: number, to: number): Histogram {
  const h: Histogram = new Map();
  for (const [slot, sh] of t.sent) {
    const start = slot * SLOT_MS;
    if (start >= from && start + SLOT_MS <= to) merge(h, sh);
  }
  return h;
}

/** Deliveries received in [from, to) ms (whole slots only). */
export function receivedBetween(t: Timeline, from: number, to: number): number {
  let n = 0;
  for (const [slot, c] of t.received) {
    const start = slot * SLOT_MS;
    if (start >= from && start + SLOT_MS <= to) n += c;
  }
  return n;
}

export function totalReceived(t: Timeline): number {
  let n = 0;
  for (const c of t.received.values()) n += c;
  return n;
}
