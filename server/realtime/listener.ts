import pgListen from "pg-listen";
import { logger } from "../logger.ts";
import { listenerReconnects } from "../metrics.ts";

const log = logger.child({ component: "realtime-listener" });

// pg-listen is CommonJS with `exports.default`; Node's ESM interop hands us the module object.
type CreateSubscriber = typeof pgListen.default;
const createSubscriber: CreateSubscriber = pgListen.default;

export const LISTENER_APPLICATION_NAME = "sitesync-realtime-listener";

type ListenerState = "connecting" | "connected" | "reconnecting" | "stopped";

const backoff = (attempt: number) => Math.min(100 * 2 ** attempt, 5_000);

/**
 * The one dedicated LISTEN connection of a hub process. pg-listen's defaults give up after
 * 3 s (retryTimeout) and then stay dead; here it retries forever with capped backoff, and
 * if pg-listen still reports a fatal error (or the very first connect fails) the
 * supervisor throws that subscriber away and builds a new one, also forever.
 *
 * `onConnected` runs after every (re)connect once LISTEN is in place: the pump catches up
 * from its last position there, so notifications lost during the gap lose no events.
 */
export class RealtimeListener {
  state: ListenerState = "connecting";
  private stopped = false;
  private current: ReturnType<CreateSubscriber> | null = null;
  private wakeSupervisor: (() => void) | null = null;
  private readonly url: string;
  private readonly channels: Record<string, (payload: string) => void>;
  private readonly onConnected: () => void;
  private everConnected = false;
  private readonly applicationName: string;

  constructor(
    url: string,
    channels: Record<string, (payload: string) => void>,
    onConnected: () => void,
    applicationName = LISTENER_APPLICATION_NAME,
  ) {
    this.applicationName = applicationName;
    this.url = url;
    this.channels = channels;
    this.onConnected = onConnected;
  }

  /** Resolves once the first LISTEN is in place (or keeps trying in the background). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      void this.supervise(resolve);
    });
  }

  private async supervise(firstConnected: () => void): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const failed = new Promise<void>((resolve) => {
        this.wakeSupervisor = resolve;
      });
      const subscriber = createSubscriber(
        // Named so operators (and tests) can find the LISTEN backend in pg_stat_activity.
        { connectionString: this.url, application_name: this.applicationName },
        {
          retryLimit: Number.POSITIVE_INFINITY,
          retryTimeout: Number.POSITIVE_INFINITY,
          retryInterval: backoff,
          paranoidChecking: 5_000,
          parse: (raw: string) => raw,
        },
      );
      this.current = subscriber;
      let ready = false;
      subscriber.events.on("error", (err: Error) => {
        log.warn({ err: err.message }, "listener failed; rebuilding it");
        this.state = "reconnecting";
        this.wakeSupervisor?.();
      });
      subscriber.events.on("reconnect", () => {
        if (ready) this.state = "reconnecting";
      });
      // pg-listen emits "connected" after a reconnect has re-issued every LISTEN.
      subscriber.events.on("connected", () => {
        if (!ready) return;
        this.markConnected();
      });
      for (const [channel, handler] of Object.entries(this.channels)) {
        subscriber.notifications.on(channel, (payload: unknown) =>
          handler(typeof payload === "string" ? payload : ""),
        );
      }
      try {
        await subscriber.connect();
        for (const channel of Object.keys(this.channels)) await subscriber.listenTo(channel);
        ready = true;
        attempt = 0;
        this.markConnected();
        firstConnected();
      } catch (err) {
        log.warn({ err: (err as Error).message, attempt }, "listener connect failed");
        this.state = "reconnecting";
        this.wakeSupervisor?.();
      }
      await failed;
      await subscriber.close().catch(() => {});
      if (this.stopped) break;
      await new Promise((r) => setTimeout(r, backoff(attempt)));
    }
  }

  private markConnected(): void {
    if (this.everConnected) listenerReconnects.inc();
    this.everConnected = true;
    this.state = "connected";
    log.info("listening");
    this.onConnected();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = "stopped";
    this.wakeSupervisor?.();
    await this.current?.close().catch(() => {});
  }
}
