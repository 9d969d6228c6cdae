import { html, type TemplateResult } from "lit-html";
import type { SiteSyncClient } from "../../shared/client.ts";

/**
 * The socket's state as people see it. "connected": live. "reconnecting": the socket
 * dropped and socket.io is retrying; when it is back the typed client re-subscribes every
 * topic from its last cursor, so the pages catch up with nothing lost or doubled.
 * "offline": the browser has no network, or the socket will not retry by itself (the
 * session ended and no fresh token could be had).
 */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

export function watchConnection(
  client: SiteSyncClient,
  onChange: (state: ConnectionState) => void,
): () => void {
  const socket = client.socket;
  let everConnected = false;
  let last: ConnectionState | null = null;
  const compute = (): ConnectionState => {
    if (socket.connected) return "connected";
    if (!navigator.onLine) return "offline";
    if (!socket.active) return "offline";
    return everConnected ? "reconnecting" : "connecting";
  };
  const update = () => {
    if (socket.connected) everConnected = true;
    const next = compute();
    if (next !== last) {
      last = next;
      onChange(next);
    }
  };
  const offs = [client.on("connected", update), client.on("disconnected", update)];
  socket.io.on("reconnect_attempt", update);
  socket.io.on("reconnect_failed", update);
  socket.on("connect_error", update);
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
  // socket.active flips without an event of its own when a refresh reconnects; recheck.
  const timer = setInterval(update, 1_000);
  update();
  return () => {
    for (const off of offs) off();
    socket.io.off("reconnect_attempt", update);
    socket.io.off("reconnect_failed", update);
    socket.off("connect_error", update);
    window.removeEventListener("online", update);
    window.removeEventListener("offline", update);
    clearInterval(timer);
  };
}

export function connectionBadge(state: ConnectionState): TemplateResult {
  return html`<p class="connection connection-${state}" role="status" aria-live="polite">
    <span class="dot" aria-hidden="true"></span>${LABELS[state]}
  </p>`;
}
