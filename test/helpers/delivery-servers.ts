import { createECDH, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type RequestListener } from "node:http";
import { createServer as createTlsServer, globalAgent } from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll } from "vitest";

/** One request as a local provider stub received it. */
export type Received = { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer };

const TLS_DIR = path.resolve(import.meta.dirname, "../fixtures/tls");
/** A self-signed certificate for 127.0.0.1, made for these tests only (never trusted elsewhere). */
const tls = {
  cert: readFileSync(path.join(TLS_DIR, "loopback.crt")),
  key: readFileSync(path.join(TLS_DIR, "loopback.key")),
};

/**
 * Makes this test process's default HTTPS agent trust the loopback certificate: push
 * endpoints are always https (web-push only speaks https), and the adapter under test uses
 * the default agent, as it does in production.
 */
export function trustLoopbackCertificate(): void {
  globalAgent.options.ca = tls.cert;
}

/**
 * A real HTTP(S) server on loopback standing in for a provider (a browser vendor's push
 * service, an SMS gateway): it records every request and answers with the status the test
 * chose for its path (default `status`). Closed after the file.
 */
export async function providerStub(
  status = 201,
  body: (req: Received) => string = () => "",
  options: { https?: boolean } = {},
): Promise<{
  url: string;
  received: Received[];
  statusFor: Map<string, number>;
}> {
  const received: Received[] = [];
  const statusFor = new Map<string, number>();
  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(r);
      const code = statusFor.get(r.path) ?? status;
      res.writeHead(code, { "content-type": "application/json" });
      res.end(code < 300 ? body(r) : JSON.stringify({ code: 21211, message: "refused" }));
    });
  };
  const server = options.https ? createTlsServer(tls, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const scheme = options.https ? "https" : "http";
  return { url: `${scheme}://127.0.0.1:${port}`, received, statusFor };
}

/** A browser's side of a push subscription: the keys its payloads are encrypted for. */
export function pushSubscriber(endpoint: string) {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = randomBytes(16).toString("base64url");
  return { endpoint, p256dh: ecdh.getPublicKey().toString("base64url"), auth, ecdh };
}
