import type { WireTimeline } from "./timeline.ts";

/** IPC between the orchestrator and its client processes. */
export type SocketSpec = { auth: Record<string, unknown>; topics: string[] };

export type WorkerRequest =
  | {
      id: number;
      type: "connect";
      url: string;
      sockets: SocketSpec[];
      concurrency: number;
      /** Count deliveries per socket and event id (bench:cluster's once-per-client proof). */
      perSocket?: boolean;
    }
  /** The i-th socket of this process (in connect order) subscribes to topics[i]. */
  | { id: number; type: "subscribe"; topics: string[][]; concurrency: number }
  | { id: number; type: "collect" }
  /** Per-socket deliveries since the last `counts` (perSocket connections); then zeroed. */
  | { id: number; type: "counts" }
  | { id: number; type: "disconnect" };

/** Deliveries per socket (perSocket connections only): least, most, and repeats of an id. */
export type PerSocket = { sockets: number; min: number; max: number; duplicates: number };

export type WorkerReply =
  | { id: number; ok: false; error: string }
  | {
      id: number;
      ok: true;
      connected?: number;
      timeline?: WireTimeline;
      unstamped?: number;
      perSocket?: PerSocket;
    };
