import { Api, ApiError, anonymousApi, type TokenSource } from "./api.ts";

/**
 * Who is signed in: the token pair in sessionStorage (one session per browser tab, so two
 * tabs never race each other's refresh-token rotation, which the server would take for a
 * stolen token and answer by revoking the session), and one refresh at a time.
 */

type TokenPair = { access_token: string; refresh_token: string };

/** What the console reads of GET /api/v1/me. */
export type Me = {
  user: {
    id: string;
    organization_id: string | null;
    email: string;
    display_name: string | null;
    first_name: string | null;
    last_name: string | null;
    role: string;
  };
  organization: { id: string; name: string } | null;
  role: string;
  permissions: string[];
};

const KEY = "sitesync.console.tokens";

export class Session implements TokenSource {
  private tokens: TokenPair;
  private refreshing: Promise<string> | null = null;
  readonly api: Api;
  /** Called once when the session cannot go on (refresh refused): the app signs out. */
  onEnded: (message: string) => void = () => {};

  private constructor(tokens: TokenPair) {
    this.tokens = tokens;
    this.api = new Api(this);
  }

  static restore(): Session | null {
    try {
      const raw = sessionStorage.getItem(KEY);
      if (!raw) return null;
      const parsed = JSON.parse(raw) as Partial<TokenPair>;
      if (typeof parsed.access_token !== "string" || typeof parsed.refresh_token !== "string")
        return null;
      return new Session({
        access_token: parsed.access_token,
        refresh_token: parsed.refresh_token,
      });
    } catch {
      return null;
    }
  }

  static async login(email: string, password: string): Promise<Session> {
    const pair = await anonymousApi().post<TokenPair>("/auth/login", { email, password });
    const session = new Session({
      access_token: pair.access_token,
      refresh_token: pair.refresh_token,
    });
    session.save();
    return session;
  }

  accessToken(): string {
    return this.tokens.access_token;
  }

  /** One refresh in flight at most: a second concurrent one would present a rotated token. */
  refresh(): Promise<string> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<string> {
    const res = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ refresh_token: this.tokens.refresh_token }),
    });
    if (res.status === 401) {
      this.clear();
      this.onEnded("Your session has ended. Please sign in again.");
      throw new ApiError(401, "unauthorized", "The session has ended");
    }
    if (!res.ok) throw new ApiError(res.status, "unavailable", "Could not refresh the session");
    const pair = (await res.json()) as TokenPair;
    this.tokens = { access_token: pair.access_token, refresh_token: pair.refresh_token };
    this.save();
    return pair.access_token;
  }

  async logout(): Promise<void> {
    await this.api.post("/auth/logout").catch(() => {});
    this.clear();
  }

  private save(): void {
    sessionStorage.setItem(KEY, JSON.stringify(this.tokens));
  }

  private clear(): void {
    sessionStorage.removeItem(KEY);
  }
}

export function can(me: Me, permission: string): boolean {
  return me.permissions.includes(permission);
}

export function displayName(me: Me): string {
  const u = me.user;
  return u.display_name ?? ([u.first_name, u.last_name].filter(Boolean).join(" ") || u.email);
}
