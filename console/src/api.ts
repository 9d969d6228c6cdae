/**
 * The REST half of the reference client: fetch against /api/v1 with the session's access
 * token, one transparent refresh when it has expired, and problem+json errors turned into
 * ApiError (docs/api.md, "Errors"). Every call here is a public, documented route.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export type Page<T> = { data: T[]; next_cursor: string | null };

type Query = Record<string, string | number | boolean | undefined>;

export type TokenSource = {
  /** The current access token, or null when signed out. */
  accessToken: () => string | null;
  /** Exchanges the refresh token for a new pair; rejects (and signs out) when it cannot. */
  refresh: () => Promise<string>;
};

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function problemOf(res: Response): Promise<ApiError> {
  let code = "internal";
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { code?: string; detail?: string; title?: string };
    code = body.code ?? code;
    message = body.detail ?? body.title ?? message;
  } catch {
    // not problem+json (a proxy's error page): keep the status line
  }
  return new ApiError(res.status, code, message);
}

export class Api {
  private readonly tokens: TokenSource;
  constructor(tokens: TokenSource) {
    this.tokens = tokens;
  }

  async request<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const send = (token: string | null) =>
      fetch(`/api/v1${withQuery(path, query)}`, {
        method,
        headers: {
          accept: "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const token = this.tokens.accessToken();
    let res = await send(token);
    // An access token lives 15 minutes: refresh once and retry; a second 401 is real.
    if (res.status === 401 && token) res = await send(await this.tokens.refresh());
    if (!res.ok) throw await problemOf(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, undefined, query);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body ?? {});
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }

  /** Every page of a list endpoint (keyset cursors), up to `max` rows. */
  async all<T>(path: string, query: Query = {}, max = 2_000): Promise<T[]> {
    const rows: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<Page<T>>(path, { limit: 200, ...query, cursor });
      rows.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor && rows.length < max);
    return rows;
  }
}

/** For the routes that need no credentials (login, demo logins). */
export function anonymousApi(): Api {
  return new Api({
    accessToken: () => null,
    refresh: () => Promise.reject(new ApiError(401, "unauthorized", "Not signed in")),
  });
}
