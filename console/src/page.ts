import type { SiteSyncClient } from "../../shared/client.ts";
import type { Api } from "./api.ts";
import type { Me, Session } from "./session.ts";

/** What every page gets: the REST client, the realtime client and who is signed in. */
export type PageContext = {
  session: Session;
  api: Api;
  client: SiteSyncClient;
  me: Me;
  /** The route's parameters (`#/forum/threads/<id>` → [id]). */
  params: string[];
  navigate: (hash: string) => void;
  /** Says something to screen readers (and shows it briefly). */
  announce: (message: string) => void;
};

/** Renders into root and returns what undoes it (listeners, subscriptions). */
export type Page = (root: HTMLElement, ctx: PageContext) => () => void;
