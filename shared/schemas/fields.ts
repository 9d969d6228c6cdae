import { z } from "zod";

/**
 * Request field types shared by the resource schemas, so every resource gets the same
 * rules (documented in docs/api.md). Money and other exact decimals travel as
 * strings (a float would lose cents); dates as 'YYYY-MM-DD'; timestamps as ISO-8601 with
 * an offset.
 */

/** Non-negative money: up to 8 digits before the point and 2 after ("1250.00", "0.1"). */
export const money = z
  .string()
  .regex(/^\d{1,8}(\.\d{1,2})?$/, "must be a non-negative decimal string with at most 2 decimals");

/** A decimal given as a string or a JSON number; sent to Postgres as text so it stays exact. */
export const decimal = z
  .union([z.string().regex(/^-?\d{1,12}(\.\d{1,8})?$/, "must be a decimal"), z.number()])
  .transform((v) => String(v));

/**
 * The dates and instants the API accepts: 1800-01-01 to 9999-12-31 (instants in UTC after
 * applying the offset). Years before 100 are read as 19xx by much date code, year 0 and BC
 * have no ISO-8601 basic form, and years past 9999 no 4-digit one; 1800 leaves room for the
 * oldest buildings and lifts (a site's year_built starts there too).
 */
export const DATE_RANGE = { min: "1800-01-01", max: "9999-12-31" } as const;
const MIN_INSTANT = Date.UTC(1800, 0, 1);
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const DATES = `from ${DATE_RANGE.min} to ${DATE_RANGE.max}`;
const INSTANTS = `from ${DATE_RANGE.min}T00:00:00Z to ${DATE_RANGE.max}T23:59:59.999Z`;

export const isoDate = z.iso
  .date()
  .refine((v) => v >= DATE_RANGE.min && v <= DATE_RANGE.max, `must be a date ${DATES}`)
  .meta({ description: `A date (YYYY-MM-DD) ${DATES}` });

export const isoTimestamp = z.iso
  .datetime({ offset: true })
  .refine((v) => {
    // A 4-digit ISO-8601 string, so Date.parse reads its year as written.
    const t = Date.parse(v);
    return t >= MIN_INSTANT && t <= MAX_INSTANT;
  }, `must be an instant ${INSTANTS}`)
  .meta({ description: `An ISO-8601 timestamp with Z or an offset, ${INSTANTS}` });

export const text = (max: number) => z.string().trim().min(1).max(max);

/**
 * How deep a free-form JSON value may nest ({"a":1} is 1). Deeper values make JSON.stringify,
 * Postgres' jsonb (stack depth) and every client's recursive code fail; 32 is far beyond
 * any settings or metadata document.
 */
export const JSON_MAX_DEPTH = 32;

/** True when the value nests at most `max` objects/arrays; iterative, so depth cannot overflow it. */
export function jsonDepthWithin(value: unknown, max = JSON_MAX_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== "object" || current === null) continue;
    if (depth + 1 > max) return false;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return true;
}

const tooDeep = `must nest at most ${JSON_MAX_DEPTH} levels deep`;
/** A free-form JSON object (settings, metadata, specifications…). */
export const jsonObject = z
  .record(z.string(), z.unknown())
  .refine((v) => jsonDepthWithin(v), tooDeep)
  .meta({ description: `Free-form JSON, nested at most ${JSON_MAX_DEPTH} levels` });
/** A free-form JSON array. */
export const jsonArray = z
  .array(z.unknown())
  .refine((v) => jsonDepthWithin(v), tooDeep)
  .meta({ description: `Free-form JSON, nested at most ${JSON_MAX_DEPTH} levels` });

/**
 * A link shown to other users (website, logo, avatar): http or https with a domain name
 * only, so `javascript:`, `data:` and the like can never reach an href.
 */
export const httpUrl = z
  .httpUrl("must be an http(s) URL with a domain name")
  .max(500)
  .meta({ description: "An http or https URL with a domain name" });

/**
 * IANA names are Area/Location with each part capitalised ("America/Argentina/Buenos_Aires",
 * "Etc/GMT+5", "UTC"). ICU would also take offsets ("+05:00") and any letter case, so the
 * shape is checked first.
 */
const IANA_ZONE_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;
/** Names ICU knows: its canonical list plus links (Asia/Kolkata), memoised per name. */
const knownZones = new Map<string, boolean>(
  [...Intl.supportedValuesOf("timeZone"), "UTC"].map((name) => [name, true]),
);
function icuKnowsZone(name: string): boolean {
  let known = knownZones.get(name);
  if (known !== undefined) return known;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    known = true;
  } catch {
    known = false;
  }
  if (knownZones.size < 2_000) knownZones.set(name, known);
  return known;
}

const NOT_A_ZONE = "must be an IANA time zone name such as Australia/Sydney or UTC";
/** An IANA time zone name: "Australia/Sydney", "UTC", links such as "Asia/Kolkata". */
export const timeZone = z
  .string()
  .max(50)
  .regex(IANA_ZONE_SHAPE, { message: NOT_A_ZONE, abort: true })
  .refine(icuKnowsZone, NOT_A_ZONE)
  .meta({ description: "An IANA time zone name such as Australia/Sydney or UTC" });

/**
 * An integer in a query string: decimal digits only, so "0x10", "1e2", "10.0", "+10" and
 * " 10" are refused rather than read as numbers by Number().
 */
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a decimal integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .meta({ description: `A decimal integer from ${min} to ${max}` });

/** `?flag=true|false` in a query string. */
export const queryBoolean = z.enum(["true", "false"]).transform((v) => v === "true");

export const IdParams = z.strictObject({ id: z.uuid() });
