import { z } from "zod";

/**
 * Request field types shared by the resource schemas. Money and other exact decimals
 * travel as strings (a float would lose cents); dates as 'YYYY-MM-DD'; timestamps as
 * ISO-8601 with an offset.
 */

/** Non-negative money: up to 8 digits before the point and 2 after ("1250.00", "0.1"). */
export const money = z
  .string()
  .regex(/^\d{1,8}(\.\d{1,2})?$/, "must be a non-negative decimal string with at most 2 decimals");

/** A decimal given as a string or a JSON number; sent to Postgres as text so it stays exact. */
export const decimal = z
  .union([z.string().regex(/^-?\d{1,12}(\.\d{1,8})?$/, "must be a decimal"), z.number()])
  .transform((v) => String(v));

export const isoDate = z.iso.date();
export const isoTimestamp = z.iso.datetime({ offset: true });
export const text = (max: number) => z.string().trim().min(1).max(max);
export const jsonObject = z.record(z.string(), z.unknown());

/** `?flag=true|false` in a query string. */
export const queryBoolean = z.enum(["true", "false"]).transform((v) => v === "true");

export const IdParams = z.strictObject({ id: z.uuid() });
