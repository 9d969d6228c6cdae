import type { WireTimeline } from "./timeline.ts";

/** IPC between the orchestrator and its client processes. */
export type SocketSpec = { auth: Record<string, unknown>; topics: string[] };

export type WorkerRequest =
  | { id: number; type: "connect"; url: string; sockets: SocketSpec[]; concurrency: number }
  | { id: number; type: "collect" }
  | { id: number; type: "disconnect" };

export type WorkerReply =
  | { id: number; ok: false; error: string }
  | { id: number; ok: true; connected?: number; timeline?: WireTimeline; unstamped?: number };
