/**
 * Errors that carry an HTTP status and a stable machine code. Anything thrown that is not
 * an AppError becomes a 500 with no details (see http/error-handler.ts).
 */
export type ErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "request_header_too_large"
  | "request_timeout"
  | "unprocessable"
  | "rate_limited"
  | "unavailable"
  | "internal";

export type FieldIssue = { path: string; message: string };

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly errors?: FieldIssue[];
  readonly headers?: Record<string, string>;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    extra: { errors?: FieldIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = extra.errors;
    this.headers = extra.headers;
  }
}

export const invalidRequest = (message: string, errors?: FieldIssue[]) =>
  new AppError(400, "invalid_request", message, { errors });
export const unauthorized = (message = "Missing or invalid credentials") =>
  new AppError(401, "unauthorized", message);
export const forbidden = (message = "Your role does not allow this") =>
  new AppError(403, "forbidden", message);
export const notFound = (what = "Resource") => new AppError(404, "not_found", `${what} not found`);
export const conflict = (message: string) => new AppError(409, "conflict", message);
export const unprocessable = (message: string) => new AppError(422, "unprocessable", message);
export const rateLimited = (retryAfterSeconds: number) =>
  new AppError(429, "rate_limited", "Too many requests", {
    headers: { "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
export const unavailable = (message = "A dependency is unavailable; nothing was written") =>
  new AppError(503, "unavailable", message);

const TITLES: Record<ErrorCode, string> = {
  invalid_request: "Invalid request",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  payload_too_large: "Payload too large",
  request_header_too_large: "Request header fields too large",
  request_timeout: "Request timeout",
  unprocessable: "Unprocessable",
  rate_limited: "Too many requests",
  unavailable: "Service unavailable",
  internal: "Internal server error",
};

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldIssue[];
  request_id?: string;
};

/** RFC 9457 problem details. */
export function toProblem(err: AppError, requestId?: string): Problem {
  return {
    type: `https://sitesync.dev/problems/${err.code.replaceAll("_", "-")}`,
    title: TITLES[err.code],
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(err.errors ? { errors: err.errors } : {}),
    ...(requestId ? { request_id: requestId } : {}),
  };
}
