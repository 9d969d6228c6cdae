import pg from "pg";
import {
  createPool,
  type DatabasePool,
  type DriverTypeParser,
  type Interceptor,
  SchemaValidationError,
  sql,
} from "slonik";
import { z } from "zod";

/**
 * Validates every row of a `sql.type(schema)` query against its zod schema, so a row
 * that drifts from what the code expects fails loudly at the query, not three calls later.
 */
const resultParserInterceptor: Interceptor = {
  name: "sitesync-result-parser",
  transformRow: (context, query, row) => {
    const parser = context.resultParser;
    if (!parser) return row;
    const result = parser["~standard"].validate(row);
    if (result instanceof Promise) throw new Error("async result parsers are not supported");
    if (result.issues) throw new SchemaValidationError(query, row, result.issues);
    return result.value as typeof row;
  },
};

/**
 * Postgres' own text for a timestamp ('2026-07-01 10:00:00.123456+10', '0050-06-01
 * 00:00:00+00', '0044-03-15 12:00:00+00 BC', 'infinity') is not ISO-8601, and `new Date(text)`
 * falls back to a lenient parser that reads year 0050 as 1950 and fails on BC. pg's own
 * parser (postgres-date) reads every part of it; the Date then gives the ISO string, with
 * milliseconds (pagination relies on that, see http/pagination.ts). What a Date cannot hold
 * (±infinity, beyond ±275,760 years) is passed on as Postgres wrote it rather than failing
 * the whole request.
 */
const parsePgTimestamptz: (text: string) => Date | number | null = pg.types.getTypeParser(
  pg.types.builtins.TIMESTAMPTZ,
);
/** `zoned` false is a `timestamp` without zone, read as UTC (the offset goes before ' BC'). */
const toIso = (value: string, zoned = true): string => {
  const text = zoned || value.endsWith("infinity") ? value : value.replace(/( BC)?$/, "+00$1");
  const parsed = parsePgTimestamptz(text);
  return parsed instanceof Date && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : value;
};

/**
 * JSON-facing types: timestamps are ISO-8601 UTC strings, money (numeric) stays an exact
 * decimal string, dates stay 'YYYY-MM-DD', and counts (int8) become numbers.
 */
const typeParsers: DriverTypeParser[] = [
  { name: "int8", parse: (v) => Number.parseInt(v, 10) },
  { name: "numeric", parse: (v) => v },
  { name: "timestamptz", parse: (v) => toIso(v) },
  { name: "timestamp", parse: (v) => toIso(v, false) },
  { name: "date", parse: (v) => v },
];

export type PoolOptions = {
  maxPoolSize?: number;
  statementTimeoutMs?: number;
  name?: string;
  /**
   * slonik runs `DISCARD ALL` whenever a connection goes back to the pool (default true):
   * one more round trip per query, and the guarantee that no session state (a session-level
   * set_config, a prepared statement) outlives the request that made it.
   */
  resetOnRelease?: boolean;
  /** More slonik interceptors after the row parser (a benchmark capturing its statements). */
  interceptors?: Interceptor[];
};

export async function createDatabasePool(
  url: string,
  options: PoolOptions = {},
): Promise<DatabasePool> {
  return createPool(url, {
    interceptors: [resultParserInterceptor, ...(options.interceptors ?? [])],
    typeParsers,
    maxPoolSize: options.maxPoolSize ?? 10,
    statementTimeout: options.statementTimeoutMs ?? 30_000,
    idleTimeout: 10_000,
    connectionTimeout: 5_000,
    poolName: options.name,
    // Retrying a whole request transaction is the caller's decision, not the driver's.
    transactionRetryLimit: 0,
    queryRetryLimit: 0,
    // slonik drops `undefined` options, so "no reset" is a reset that does nothing.
    ...(options.resetOnRelease === false ? { resetConnection: async () => {} } : {}),
  });
}

/** True when the pool answers a trivial query (readiness). */
export async function pingDatabase(pool: DatabasePool): Promise<boolean> {
  return (await pool.oneFirst(sql.type(z.object({ ok: z.number() }))`SELECT 1 AS ok`)) === 1;
}
