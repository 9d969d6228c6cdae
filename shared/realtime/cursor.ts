/**
 * A cursor names one event's position in the global outbox order (xid, id). It is encoded
 * as two fixed-width base36 numbers, so cursors also compare correctly as plain strings:
 * clients may keep the larger of two cursors with `a > b` without decoding them.
 */
export type Position = { xid: bigint; id: bigint };

const WIDTH = 13; // 36^13 > 2^64
const CURSOR = /^[0-9a-z]{13}-[0-9a-z]{13}$/;
/** What the outbox can hold: xid is an xid8 (unsigned 64 bits), id a bigserial (signed). */
const MAX_XID = 2n ** 64n - 1n;
const MAX_ID = 2n ** 63n - 1n;

export function encodeCursor(p: Position): string {
  return `${p.xid.toString(36).padStart(WIDTH, "0")}-${p.id.toString(36).padStart(WIDTH, "0")}`;
}

function parseBase36(s: string): bigint {
  let n = 0n;
  for (const ch of s) n = n * 36n + BigInt(Number.parseInt(ch, 36));
  return n;
}

/** null when the string is not a cursor this server could have issued. */
export function decodeCursor(cursor: string): Position | null {
  if (!CURSOR.test(cursor)) return null;
  const [xid, id] = cursor.split("-") as [string, string];
  const p = { xid: parseBase36(xid), id: parseBase36(id) };
  return p.xid <= MAX_XID && p.id <= MAX_ID ? p : null;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.xid !== b.xid) return a.xid < b.xid ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

export function maxPosition(a: Position, b: Position): Position {
  return comparePositions(a, b) >= 0 ? a : b;
}

/** Larger of two cursors (either may be missing). */
export function maxCursor(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a >= b ? a : b;
}
