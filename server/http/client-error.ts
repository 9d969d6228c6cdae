import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { AppError, toProblem } from "../errors.ts";

type ClientError = Error & { code?: string };
type ParserSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/** What Node's HTTP parser refuses before express sees a request, as status and problem. */
function appErrorOf(err: ClientError): AppError {
  switch (err.code) {
    case "HPE_HEADER_OVERFLOW":
      return new AppError(
        431,
        "request_header_too_large",
        "The request headers are larger than the server accepts",
      );
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new AppError(408, "request_timeout", "The request took too long to arrive");
    default:
      return new AppError(400, "invalid_request", "The request is not valid HTTP/1.1");
  }
}

/**
 * The http server's `clientError` handler: Node's own answer is a bare status line with no
 * body; this one is the same status with a problem+json body, like every other error. When
 * the client is gone (ECONNRESET, socket not writable) or a response has already started on
 * the connection, there is no one to answer and the socket is only destroyed.
 */
export function answerClientError(err: ClientError, socket: Duplex): void {
  const started = (socket as ParserSocket)._httpMessage?.headersSent === true;
  if (err.code === "ECONNRESET" || !socket.writable || started) {
    socket.destroy();
    return;
  }
  const appError = appErrorOf(err);
  const body = JSON.stringify(toProblem(appError));
  socket.end(
    `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\n` +
      "Content-Type: application/problem+json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}
