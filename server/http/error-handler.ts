import type { ErrorRequestHandler } from "express";
import {
  CheckIntegrityConstraintViolationError,
  ConnectionError,
  ForeignKeyIntegrityConstraintViolationError,
  InputSyntaxError,
  InvalidInputError,
  NotFoundError,
  NotNullIntegrityConstraintViolationError,
  UniqueIntegrityConstraintViolationError,
} from "slonik";
import { AppError, toProblem } from "../errors.ts";
import { logger } from "../logger.ts";

type PgLike = { code?: string; message?: string };

/** The Postgres error (SQLSTATE and its own message) under whatever slonik wrapped it in. */
export function pgError(err: unknown): { code: string; message: string } | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const { code, message } = e as PgLike;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) {
      return { code, message: typeof message === "string" ? message : "" };
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

const pgCode = (err: unknown): string | undefined => pgError(err)?.code;

/** Maps anything thrown to an AppError. Database details never leave the process. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (e?.type === "entity.too.large") {
    return new AppError(413, "payload_too_large", "The request body is larger than the limit");
  }
  if (e?.type === "entity.parse.failed") {
    return new AppError(400, "invalid_request", "The request body is not valid JSON");
  }
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported") {
    return new AppError(415 as number, "invalid_request", "Unsupported body encoding");
  }
  // The router could not percent-decode a path parameter (/sites/%E0%A4%A).
  if (err instanceof URIError && e.status === 400) {
    return new AppError(400, "invalid_request", "The path is not valid percent-encoding");
  }
  // Anything else express or body-parser refuse carries an http-errors 4xx: a body whose
  // bytes do not match its Content-Encoding (zlib, brotli or zstd failed), a body shorter
  // than its Content-Length, an aborted upload. Their own messages stay in the logs.
  if (e?.expose === true && typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    return new AppError(
      400,
      "invalid_request",
      e.type === "request.size.invalid" || e.type === "request.aborted"
        ? "The request body ended before its declared length"
        : "The request body could not be read; does it match its Content-Encoding?",
    );
  }
  if (err instanceof NotFoundError) return new AppError(404, "not_found", "Resource not found");
  if (err instanceof UniqueIntegrityConstraintViolationError) {
    return new AppError(409, "conflict", "A record with these values already exists");
  }
  if (err instanceof ForeignKeyIntegrityConstraintViolationError) {
    return new AppError(
      422,
      "unprocessable",
      "A referenced record does not exist or is not visible",
    );
  }
  if (
    err instanceof CheckIntegrityConstraintViolationError ||
    err instanceof NotNullIntegrityConstraintViolationError
  ) {
    return new AppError(400, "invalid_request", "A value is outside its allowed range");
  }
  if (err instanceof InputSyntaxError || err instanceof InvalidInputError) {
    return new AppError(400, "invalid_request", "A value has the wrong format");
  }
  const code = pgCode(err);
  if (code === "42501") return new AppError(404, "not_found", "Resource not found"); // RLS rejected the row
  if (code === "40001" || code === "40P01")
    return new AppError(409, "conflict", "Concurrent update; retry");
  // object_not_in_prerequisite_state: a trigger refusing what the row's state forbids
  // (e.g. a reply to a thread locked while the request was in flight).
  if (code === "55000")
    return new AppError(409, "conflict", "The record's current state does not allow this");
  if (code?.startsWith("22"))
    return new AppError(400, "invalid_request", "A value has the wrong format");
  if (code === "23505")
    return new AppError(409, "conflict", "A record with these values already exists");
  if (code === "23503")
    return new AppError(422, "unprocessable", "A referenced record does not exist");
  if (code === "23514" || code === "23502")
    return new AppError(400, "invalid_request", "A value is outside its allowed range");
  if (
    err instanceof ConnectionError ||
    code?.startsWith("08") ||
    code === "57P01" ||
    code === "57P03"
  ) {
    return new AppError(503, "unavailable", "The database is unavailable; nothing was written");
  }
  const message = (err as Error)?.message ?? "";
  if (/ECONNREFUSED|Connection is closed|The client is closed|ClientClosedError/i.test(message)) {
    return new AppError(503, "unavailable", "A dependency is unavailable; nothing was written");
  }
  return new AppError(500, "internal", "Something went wrong on our side");
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appError = toAppError(err);
  const requestId = String(req.id ?? "");
  if (appError.status >= 500) logger.error({ err, requestId }, "request failed");
  if (appError.headers) res.set(appError.headers);
  res
    .status(appError.status)
    .type("application/problem+json")
    .send(JSON.stringify(toProblem(appError, requestId)));
};
