import { html, nothing, render } from "lit-html";
import { createSiteSyncClient, type SiteSyncClient } from "../../shared/client.ts";
import { type ConnectionState, connectionBadge, watchConnection } from "./connection.ts";
import type { Page, PageContext } from "./page.ts";
import { boardPage } from "./pages/board.ts";
import { forumPage } from "./pages/forum.ts";
import { loginPage } from "./pages/login.ts";
import { messagesPage } from "./pages/messages.ts";
import { portalPage } from "./pages/portal.ts";
import { can, displayName, type Me, Session } from "./session.ts";

/**
 * The SiteSync web console (docs/console.md): a reference client of the public REST API
 * and socket protocol. Hash routes (`#/board`…), so the server only serves static files.
 */

type Route = {
  pattern: RegExp;
  page: Page;
  title: string;
  nav?: string;
  allowed: (me: Me) => boolean;
};

const ROUTES: Route[] = [
  {
    pattern: /^#\/board$/,
    page: boardPage,
    title: "Dispatch board",
    nav: "#/board",
    allowed: (me) => can(me, "dispatch:read"),
  },
  {
    // #/messages, #/messages/<thread_id>, #/messages/to/<user_id>
    pattern: /^#\/messages(?:\/(to))?(?:\/([0-9a-f-]{36}))?$/,
    page: messagesPage,
    title: "Messages",
    nav: "#/messages",
    allowed: (me) => can(me, "messages:read"),
  },
  {
    // #/forum, #/forum/c/<category_id>, #/forum/t/<thread_id>, #/forum/moderation
    pattern: /^#\/forum(?:\/(c|t)\/([0-9a-f-]{36})|\/(moderation))?$/,
    page: (root, ctx) => forumPage(root, { ...ctx, params: normaliseForum(ctx.params) }),
    title: "Forum",
    nav: "#/forum",
    allowed: (me) => can(me, "forum:read"),
  },
  {
    // #/portal, #/portal/<service_request_id>: a tenant's portal user (no organisation).
    pattern: /^#\/portal(?:\/([0-9a-f-]{36}))?$/,
    page: portalPage,
    title: "Tenant portal",
    nav: "#/portal",
    allowed: (me) => me.role === "tenant",
  },
];

/** The forum route's groups as [kind, id]: ["c", id], ["t", id], ["moderation"] or []. */
function normaliseForum(groups: string[]): string[] {
  const [kind, id, moderation] = groups;
  if (moderation) return ["moderation"];
  return kind && id ? [kind, id] : [];
}

const app = document.getElementById("app") as HTMLElement;

function homeOf(me: Me): string {
  return ROUTES.find((r) => r.nav && r.allowed(me))?.nav ?? "#/board";
}

/** A fresh element for each screen: lit-html keeps its state on the element it renders into. */
function freshChild(parent: HTMLElement): HTMLElement {
  const host = document.createElement("div");
  parent.replaceChildren(host);
  return host;
}

function showLogin(message?: string): void {
  loginPage(freshChild(app), {
    message,
    onSignedIn: (session) => void start(session),
  });
}

async function start(session: Session): Promise<void> {
  let me: Me;
  try {
    me = await session.api.get<Me>("/me");
  } catch {
    sessionStorage.clear();
    showLogin("Please sign in.");
    return;
  }
  const client: SiteSyncClient = createSiteSyncClient(location.origin, {
    token: session.accessToken(),
    getToken: () => session.refresh(),
  });
  let connection: ConnectionState = "connecting";
  let announcement = "";
  let announceTimer: ReturnType<typeof setTimeout> | undefined;
  let unmount: (() => void) | null = null;
  let stopWatching = () => {};
  /** Messages to me not yet read, shown beside "Messages" (GET /messages/unread-count). */
  let unreadMessages = 0;
  let unreadTimer: ReturnType<typeof setTimeout> | undefined;
  // Counted by the server, never kept here: each message event asks again (debounced), so
  // replays after a reconnect or reads on another device can never make it drift.
  const refreshUnread = () => {
    if (!can(me, "messages:read")) return;
    clearTimeout(unreadTimer);
    unreadTimer = setTimeout(() => {
      session.api
        .get<{ unread: number }>("/messages/unread-count")
        .then(({ unread }) => {
          if (unread !== unreadMessages) {
            unreadMessages = unread;
            shell();
          }
        })
        .catch(() => {});
    }, 250);
  };
  const stopCounting = [
    client.on("message.created", refreshUnread),
    client.on("message.read", refreshUnread),
    client.on("connected", refreshUnread),
  ];
  refreshUnread();

  const signOut = async (message?: string) => {
    unmount?.();
    unmount = null;
    stopWatching();
    for (const off of stopCounting) off();
    clearTimeout(unreadTimer);
    window.removeEventListener("hashchange", route);
    client.close();
    if (!message) await session.logout();
    showLogin(message);
  };
  session.onEnded = (message) => void signOut(message);

  const frame = freshChild(app);
  const shell = () => {
    const links = ROUTES.filter((r) => r.nav && r.allowed(me));
    const current = location.hash;
    render(
      html`<a class="skip-link" href="#main" @click=${skipToMain}>Skip to content</a>
        <header class="topbar">
          <p class="brand">SiteSync <span class="brand-org">${me.organization?.name ?? ""}</span></p>
          <nav aria-label="Main">
            <ul>
              ${links.map(
                (r) =>
                  html`<li>
                    <a href=${r.nav!} aria-current=${current.startsWith(r.nav!) ? "page" : nothing}
                      >${r.title}${
                        r.nav === "#/messages" && unreadMessages > 0
                          ? html`<span class="nav-count" data-unread-total=${unreadMessages}
                              >${unreadMessages}<span class="visually-hidden"> unread</span></span
                            >`
                          : nothing
                      }</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          ${connectionBadge(connection)}
          <p class="whoami">${displayName(me)} <span class="role">(${me.role})</span></p>
          <button type="button" class="secondary" @click=${() => void signOut()}>Sign out</button>
        </header>
        <main id="main" tabindex="-1"><div id="page"></div></main>
        <p class="visually-hidden" aria-live="polite" id="announcer">${announcement}</p>`,
      frame,
    );
  };

  const announce = (message: string) => {
    announcement = message;
    shell();
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      announcement = "";
      shell();
    }, 5_000);
  };

  function route(): void {
    const hash = location.hash || homeOf(me);
    const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(hash) })).find((x) => x.m);
    if (!match?.r.allowed(me)) {
      if (hash !== homeOf(me)) location.hash = homeOf(me);
      return;
    }
    unmount?.();
    shell();
    const root = freshChild(document.getElementById("page") as HTMLElement);
    const ctx: PageContext = {
      session,
      api: session.api,
      client,
      me,
      params: match.m!.slice(1),
      navigate: (to) => {
        location.hash = to;
      },
      announce,
    };
    document.title = `${match.r.title} · SiteSync`;
    unmount = match.r.page(root, ctx);
  }

  stopWatching = watchConnection(client, (state) => {
    connection = state;
    shell();
  });
  window.addEventListener("hashchange", route);
  if (!location.hash) history.replaceState(null, "", homeOf(me));
  route();
}

function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById("main")?.focus();
}

const restored = Session.restore();
if (restored) void start(restored);
else showLogin();
