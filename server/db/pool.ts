import {
  createPool,
  type DatabasePool,
  type DriverTypeParser,
  type Interceptor,
  SchemaValidationError,
} from "slonik";

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

const toIso = (value: string): string => new Date(value).toISOString();

/**
 * JSON-facing types: timestamps are ISO-8601 UTC strings, money (numeric) stays an exact
 * decimal string, dates stay 'YYYY-MM-DD', and counts (int8) become numbers.
 */
const typeParsers: DriverTypeParser[] = [
  { name: "int8", parse: (v) => Number.parseInt(v, 10) },
  { name: "numeric", parse: (v) => v },
  { name: "timestamptz", parse: toIso },
  { name: "timestamp", parse: (v) => toIso(`${v}Z`) },
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
};

export async function createDatabasePool(
  url: string,
  options: PoolOptions = {},
): Promise<DatabasePool> {
  return createPool(url, {
    interceptors: [resultParserInterceptor],
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
