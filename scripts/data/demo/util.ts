import type { Rng } from "./prng.ts";

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** One row to insert: column name → value (JSON-shaped; arrays become Postgres arrays). */
export type Row = Record<string, Json>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export { DAY, HOUR };

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Money as an exact decimal string, as the API returns numeric columns. */
export const money = (amount: number): string => (Math.round(amount * 100) / 100).toFixed(2);

const ABN_WEIGHTS = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19];

/**
 * A valid Australian Business Number ("51 824 753 556" style): subtract 1 from the first
 * digit, weight the digits, and the sum is divisible by 89. We draw the last nine digits
 * and solve for the first two.
 */
export function abn(rng: Rng): string {
  const tail = rng.digits(9).split("").map(Number);
  const tailSum = tail.reduce((sum, d, i) => sum + d * ABN_WEIGHTS[i + 2]!, 0);
  const lead = (89 - (tailSum % 89)) % 89; // (d1 - 1) * 10 + d2 must equal this mod 89
  const digits = [Math.floor(lead / 10) + 1, lead % 10, ...tail].join("");
  return `${digits.slice(0, 2)} ${digits.slice(2, 5)} ${digits.slice(5, 8)} ${digits.slice(8)}`;
}

export function isValidAbn(value: string): boolean {
  const digits = value.replace(/\s/g, "");
  if (!/^\d{11}$/.test(digits)) return false;
  const sum = digits
    .split("")
    .map(Number)
    .reduce((s, d, i) => s + (i === 0 ? d - 1 : d) * ABN_WEIGHTS[i]!, 0);
  return sum % 89 === 0;
}

/** A valid Australian Company Number ("004 085 616"): weights 8..1, complement check digit. */
export function acn(rng: Rng): string {
  const body = rng.digits(8).split("").map(Number);
  const sum = body.reduce((s, d, i) => s + d * (8 - i), 0);
  const check = (10 - (sum % 10)) % 10;
  const digits = [...body, check].join("");
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

/** "+61 2 9xxx xxxx" landline for an area code. */
export const landline = (rng: Rng, areaCode: string): string =>
  `+61 ${areaCode} ${rng.int(8, 9)}${rng.digits(3)} ${rng.digits(4)}`;

/** "+61 4xx xxx xxx" mobile. */
export const mobile = (rng: Rng): string =>
  `+61 4${rng.digits(2)} ${rng.digits(3)} ${rng.digits(3)}`;

export const slugify = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
