import { createServer } from "node:net";

/**
 * The first port of Linux's default ephemeral range (net.ipv4.ip_local_port_range
 * 32768-60999): every outgoing connection on the machine takes its local port from there,
 * so a listening port picked inside it can be taken between our "is it free?" check and the
 * bind (a sentinel of the cluster soak died of EADDRINUSE in CI that way). Every port the
 * cluster scripts listen on stays below it; the IANA range other systems use starts higher.
 */
export const EPHEMERAL_FROM = 32_768;

/** Throws when a port the cluster would listen on lies in the ephemeral range. */
export function assertBelowEphemeral(ports: number[]): void {
  const inside = ports.filter((p) => p >= EPHEMERAL_FROM);
  if (inside.length > 0) {
    throw new Error(
      `ports ${inside.join(", ")} lie in the ephemeral range (from ${EPHEMERAL_FROM}), where an outgoing connection can take them before the bind: pick a lower base port`,
    );
  }
}

/** Whether a TCP server can listen on `port` at 127.0.0.1 right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * A port for a process started a moment later (a hub, a Redis, a sentinel): a random free
 * one in 10000-19999, below the ephemeral range (a port the kernel hands out for
 * `listen(0)` is from that range, so an outgoing connection could take it before the child
 * binds it), and apart from the cluster soak test's bases (20000+) and the scripts' fixed
 * 7400-7841.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 10_000);
    if (await canListen(port)) return port;
  }
  throw new Error("no free port in 10000-19999");
}
