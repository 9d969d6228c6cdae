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
