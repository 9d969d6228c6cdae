import { html, nothing, render, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { unsafeHTML } from "lit-html/directives/unsafe-html.js";
import type { z } from "zod";
import type { ModerationQueueItem, VoteResult } from "../../../shared/forum.ts";
import { topicName } from "../../../shared/realtime/topics.ts";
import type { ForumCategoryRow } from "../../../shared/resources/forum-categories.ts";
import type { ForumPostRow, ForumThreadRow } from "../../../shared/schemas/forum.ts";
import { ApiError, type Page as ListPage } from "../api.ts";
import { errorText, formatDateTime, label } from "../format.ts";
import { snapshotGate } from "../live.ts";
import type { Page, PageContext } from "../page.ts";
import { can } from "../session.ts";
import { personName } from "./messages.ts";

/**
 * The forum (docs/forums.md), over its public routes and topics only:
 * - `#/forum`: categories (GET /forum-categories), with the moderation queue's link for
 *   moderators;
 * - `#/forum/c/<id>`: a category's threads (GET /forum-threads?category_id=), live on
 *   `forum_category:<id>`, and starting a thread (POST /forum-threads);
 * - `#/forum/t/<id>`: a thread and its replies (GET /forum-threads/:id, GET
 *   /forum-posts?thread_id=), live on `forum_thread:<id>`; replying, upvoting
 *   (PUT/DELETE …/vote), accepting an answer (POST/DELETE /forum-posts/:id/accept), and a
 *   view counted once (POST …/view);
 * - `#/forum/moderation`: held threads and posts (GET /forum-moderation-queue), approved
 *   (POST …/approve) or deleted.
 * Post bodies are the server's `content_html` (Markdown rendered and sanitised at write
 * time, docs/forums.md "Content"): the one place the console inserts HTML.
 */

type QueueItem = z.infer<typeof ModerationQueueItem>;
type Vote = z.infer<typeof VoteResult>;
/** REST answers null where events leave a hidden author out. */
type Authored = { author_id?: string | null; is_anonymous: boolean | null };

const byName = (a: ForumCategoryRow, b: ForumCategoryRow) =>
  a.display_order - b.display_order || a.name.localeCompare(b.name);

/** Colleagues' names (GET /users); other members of the platform are not named to us. */
async function namesOf(ctx: PageContext): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!can(ctx.me, "users:read")) return names;
  const people = await ctx.api
    .all<{
      id: string;
      display_name: string | null;
      first_name: string | null;
      last_name: string | null;
      email: string;
    }>("/users")
    .catch(() => []);
  for (const p of people) names.set(p.id, personName(p));
  return names;
}

function authorOf(ctx: PageContext, names: Map<string, string>, row: Authored): string {
  if (row.author_id && row.author_id === ctx.me.user.id) return "You";
  if (!row.author_id) return row.is_anonymous ? "Anonymous" : "A member";
  return names.get(row.author_id) ?? "A member";
}

const statusBadge = (status: string | null) =>
  html`<span class="badge thread-status status-${status ?? "open"}" data-thread-status=${status ?? "open"}
    >${label(status ?? "open")}</span
  >`;

export const forumPage: Page = (root, ctx) => {
  const [kind, id] = ctx.params;
  if (kind === "c" && id) return categoryView(root, ctx, id);
  if (kind === "t" && id) return threadView(root, ctx, id);
  if (kind === "moderation") return moderationView(root, ctx);
  return categoriesView(root, ctx);
};

function categoriesView(root: HTMLElement, ctx: PageContext): () => void {
  let categories: ForumCategoryRow[] = [];
  let error = "";
  let loading = true;
  let closed = false;

  void ctx.api
    .all<ForumCategoryRow>("/forum-categories", { is_active: true, sort: "display_order" })
    .then((rows) => {
      categories = rows;
    })
    .catch((err) => {
      error = `Could not load the forum: ${errorText(err)}`;
    })
    .finally(() => {
      loading = false;
      draw();
    });

  const item = (c: ForumCategoryRow): TemplateResult => {
    const children = categories.filter((x) => x.parent_id === c.id).sort(byName);
    return html`<li data-category=${c.id}>
      <a href="#/forum/c/${c.id}" class="category-name">${c.name}</a>
      <span class="muted">${c.thread_count} threads · ${c.post_count} replies</span>
      ${c.description ? html`<p class="category-description">${c.description}</p>` : nothing}
      ${children.length ? html`<ul class="categories">${children.map(item)}</ul>` : nothing}
    </li>`;
  };

  function draw(): void {
    if (closed) return;
    const ids = new Set(categories.map((c) => c.id));
    const tops = categories.filter((c) => !c.parent_id || !ids.has(c.parent_id)).sort(byName);
    render(
      html`<h1>Forum</h1>
        ${
          can(ctx.me, "forum:moderate")
            ? html`<p><a href="#/forum/moderation">Moderation queue</a></p>`
            : nothing
        }
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          loading
            ? html`<p role="status">Loading the forum…</p>`
            : html`<section class="panel" aria-labelledby="categories-h">
              <h2 id="categories-h">Categories</h2>
              ${
                tops.length
                  ? html`<ul class="categories">${tops.map(item)}</ul>`
                  : html`<p class="muted">No categories yet.</p>`
              }
            </section>`
        }`,
      root,
    );
  }
  draw();
  return () => {
    closed = true;
  };
}

function categoryView(root: HTMLElement, ctx: PageContext, categoryId: string): () => void {
  const { api, client } = ctx;
  const topic = topicName("forum_category", categoryId);
  let category: ForumCategoryRow | null = null;
  let threads: ForumThreadRow[] = [];
  let names = new Map<string, string>();
  let error = "";
  let formError = "";
  let loading = true;
  let busy = false;
  let closed = false;
  let focused = false;
  const { live, hold, release } = snapshotGate(() => draw());
  const upsert = (row: ForumThreadRow) => {
    if (row.category_id !== categoryId) return;
    threads = [row, ...threads.filter((t) => t.id !== row.id)].sort(threadOrder);
  };
  const offs = [
    client.on("forum_thread.created", (e) => live(() => upsert(e.data))),
    client.on("forum_thread.updated", (e) =>
      live(() => {
        // Moved to another category: it leaves this list.
        if (e.data.category_id !== categoryId) threads = threads.filter((t) => t.id !== e.data.id);
        else upsert(e.data);
      }),
    ),
    client.on("forum_thread.deleted", (e) =>
      live(() => {
        threads = threads.filter((t) => t.id !== e.entity.id);
      }),
    ),
    client.on("reset", ({ topic: t }) => t === topic && void load()),
  ];

  async function load(): Promise<void> {
    hold();
    try {
      const [cat, page, people] = await Promise.all([
        api.get<ForumCategoryRow>(`/forum-categories/${categoryId}`),
        api.get<ListPage<ForumThreadRow>>("/forum-threads", {
          category_id: categoryId,
          sort: "-last_activity_at",
          limit: 100,
        }),
        namesOf(ctx),
      ]);
      category = cat;
      threads = page.data.sort(threadOrder);
      names = people;
    } catch (err) {
      error = `Could not load the category: ${errorText(err)}`;
    }
    loading = false;
    release();
    draw();
    // A new screen: focus its heading, as the other pages do (the link followed is gone).
    if (!focused) root.querySelector<HTMLElement>("#category-h")?.focus();
    focused = true;
  }
  // Subscribe first, then read: nothing committed in between is missed.
  void client.subscribe(topic).then((ack) => {
    if (!ack.ok && !closed) {
      error = `Live updates are unavailable: ${ack.error.message}`;
      draw();
    }
  });
  void load();

  const start = async (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const title = String(data.get("title") ?? "").trim();
    const content = String(data.get("content") ?? "").trim();
    if (!title || !content) {
      formError = "A thread needs a title and a question.";
      draw();
      return;
    }
    busy = true;
    formError = "";
    draw();
    try {
      const thread = await api.post<ForumThreadRow>("/forum-threads", {
        category_id: categoryId,
        title,
        content,
        ...(data.get("is_anonymous") ? { is_anonymous: true } : {}),
      });
      ctx.announce(
        thread.is_approved === false ? "Thread sent: a moderator will review it" : "Thread started",
      );
      ctx.navigate(`#/forum/t/${thread.id}`);
      return;
    } catch (err) {
      formError = `Not posted: ${errorText(err)}`;
    }
    busy = false;
    draw();
  };

  const threadItem = (t: ForumThreadRow) => html`<li data-thread=${t.id}>
    <a href="#/forum/t/${t.id}" class="thread-title">${t.title}</a>
    ${statusBadge(t.status)}
    ${t.is_pinned ? html`<span class="badge">Pinned</span>` : nothing}
    ${t.is_approved === false ? html`<span class="badge held">Awaiting moderation</span>` : nothing}
    <span class="muted thread-meta">
      ${authorOf(ctx, names, t)} · <span data-replies>${t.reply_count ?? 0}</span> replies ·
      ${t.upvote_count ?? 0} upvotes · last activity ${formatDateTime(t.last_activity_at)}
    </span>
  </li>`;

  function draw(): void {
    if (closed) return;
    render(
      html`<p><a href="#/forum">All categories</a></p>
        <h1 id="category-h" tabindex="-1">${category?.name ?? "Forum"}</h1>
        ${category?.description ? html`<p>${category.description}</p>` : nothing}
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          loading
            ? html`<p role="status">Loading threads…</p>`
            : html`<div class="forum-layout">
              <section class="panel" aria-labelledby="threads-h">
                <h2 id="threads-h">Threads</h2>
                ${
                  threads.length
                    ? html`<ul class="threads">${repeat(threads, (t) => t.id, threadItem)}</ul>`
                    : html`<p class="muted">No threads yet.</p>`
                }
              </section>
              ${can(ctx.me, "forum:write") ? newThreadForm() : nothing}
            </div>`
        }`,
      root,
    );
  }

  const newThreadForm = () => html`<section class="panel" aria-labelledby="new-thread-h">
    <h2 id="new-thread-h">Start a thread</h2>
    ${
      category?.requires_moderation
        ? html`<p class="muted">A moderator reviews new threads here before others see them.</p>`
        : nothing
    }
    <form @submit=${start}>
      <p>
        <label for="thread-title">Title</label>
        <input id="thread-title" name="title" maxlength="255" required />
      </p>
      <p>
        <label for="thread-content">Your question (Markdown)</label>
        <textarea id="thread-content" name="content" rows="6" required></textarea>
      </p>
      ${
        category?.allow_anonymous
          ? html`<p class="checkbox">
            <input type="checkbox" id="thread-anonymous" name="is_anonymous" value="true" />
            <label for="thread-anonymous">Post anonymously</label>
          </p>`
          : nothing
      }
      ${formError ? html`<p class="error" role="alert">${formError}</p>` : nothing}
      <button type="submit" ?disabled=${busy}>Start thread</button>
    </form>
  </section>`;

  draw();
  return () => {
    closed = true;
    for (const off of offs) off();
    void client.unsubscribe(topic);
  };
}

/** Pinned first, then the most recent activity. */
function threadOrder(a: ForumThreadRow, b: ForumThreadRow): number {
  if (!!a.is_pinned !== !!b.is_pinned) return a.is_pinned ? -1 : 1;
  return a.last_activity_at < b.last_activity_at
    ? 1
    : a.last_activity_at > b.last_activity_at
      ? -1
      : 0;
}

const byCreated = (a: ForumPostRow, b: ForumPostRow) =>
  (a.created_at ?? "") < (b.created_at ?? "")
    ? -1
    : (a.created_at ?? "") > (b.created_at ?? "")
      ? 1
      : 0;

function threadView(root: HTMLElement, ctx: PageContext, threadId: string): () => void {
  const { api, client, me } = ctx;
  const topic = topicName("forum_thread", threadId);
  let thread: ForumThreadRow | null = null;
  let category: ForumCategoryRow | null = null;
  let posts: ForumPostRow[] = [];
  let names = new Map<string, string>();
  /** Votes cast or withdrawn on this page (who voted is not readable back: docs/forums.md). */
  const voted = new Map<string, boolean>();
  let error = "";
  let formError = "";
  let notice = "";
  let loading = true;
  let busy = false;
  let closed = false;
  let focused = false;
  const { live, hold, release } = snapshotGate(() => draw());
  const upsertPost = (row: ForumPostRow) => {
    if (row.thread_id !== threadId) return;
    const known = posts.some((p) => p.id === row.id);
    posts = [...posts.filter((p) => p.id !== row.id), row].sort(byCreated);
    if (!known && row.author_id !== me.user.id) ctx.announce("New reply");
  };
  const offs = [
    client.on("forum_post.created", (e) => live(() => upsertPost(e.data))),
    client.on("forum_post.updated", (e) => live(() => upsertPost(e.data))),
    client.on("forum_post.deleted", (e) =>
      live(() => {
        posts = posts.filter((p) => p.id !== e.entity.id);
      }),
    ),
    client.on("forum_thread.updated", (e) =>
      live(() => {
        // A hidden author stays hidden: keep what REST told us (it may be ourselves).
        if (e.data.id === threadId && thread) thread = { ...e.data, author_id: thread.author_id };
      }),
    ),
    client.on("forum_thread.deleted", (e) =>
      live(() => {
        if (e.entity.id === threadId) error = "This thread was deleted.";
      }),
    ),
    client.on("reset", ({ topic: t }) => t === topic && void load()),
  ];

  async function load(): Promise<void> {
    hold();
    try {
      const [row, rows, people] = await Promise.all([
        api.get<ForumThreadRow>(`/forum-threads/${threadId}`),
        api.all<ForumPostRow>("/forum-posts", { thread_id: threadId, sort: "created_at" }),
        namesOf(ctx),
      ]);
      thread = row;
      posts = rows.sort(byCreated);
      names = people;
      category = await api.get<ForumCategoryRow>(`/forum-categories/${row.category_id}`);
    } catch (err) {
      error =
        err instanceof ApiError && err.status === 404
          ? "This thread does not exist, or you cannot see it."
          : `Could not load the thread: ${errorText(err)}`;
    }
    loading = false;
    release();
    draw();
    if (!focused) root.querySelector<HTMLElement>("#thread-h")?.focus();
    focused = true;
  }
  void client.subscribe(topic).then((ack) => {
    if (!ack.ok && !closed) {
      error = `Live updates are unavailable: ${ack.error.message}`;
      draw();
    }
  });
  void load().then(() => {
    // Counted once per user and hour by the server; the new count arrives as an update.
    if (thread) void api.post(`/forum-threads/${threadId}/view`).catch(() => {});
  });

  const act = async (fn: () => Promise<unknown>, done: string) => {
    busy = true;
    error = "";
    draw();
    try {
      await fn();
      ctx.announce(done);
    } catch (err) {
      error = errorText(err);
    }
    busy = false;
    draw();
  };

  const vote = (kind: "threads" | "posts", targetId: string) =>
    act(async () => {
      const on = !voted.get(targetId);
      const res = await api.request<Vote>(on ? "PUT" : "DELETE", `/forum-${kind}/${targetId}/vote`);
      voted.set(targetId, res.voted);
      if (kind === "threads" && thread) thread = { ...thread, upvote_count: res.upvote_count };
      posts = posts.map((p) => (p.id === targetId ? { ...p, upvote_count: res.upvote_count } : p));
    }, "Vote recorded");

  const accept = (post: ForumPostRow) =>
    act(
      async () => {
        const row = await api.request<ForumPostRow>(
          post.is_answer ? "DELETE" : "POST",
          `/forum-posts/${post.id}/accept`,
        );
        upsertPost(row);
        if (row.is_answer) {
          // Only one answer: the previous one's change also arrives as an event.
          posts = posts.map((p) =>
            p.id !== row.id && p.is_answer ? { ...p, is_answer: false } : p,
          );
        }
      },
      post.is_answer ? "Answer withdrawn" : "Answer accepted",
    );

  const reply = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const box = form.querySelector<HTMLTextAreaElement>("textarea");
    const content = box?.value.trim() ?? "";
    if (!content || !box) {
      formError = "Write a reply first.";
      draw();
      return;
    }
    busy = true;
    formError = "";
    notice = "";
    draw();
    try {
      const post = await api.post<ForumPostRow>("/forum-posts", { thread_id: threadId, content });
      box.value = "";
      if (post.is_approved === false) notice = "Thank you: a moderator will review your reply.";
      else upsertPost(post);
      ctx.announce(post.is_approved === false ? notice : "Reply posted");
    } catch (err) {
      formError = `Not posted: ${errorText(err)}`;
    }
    busy = false;
    draw();
  };

  const canAccept = () =>
    !!thread &&
    can(me, "forum:write") &&
    (thread.author_id === me.user.id || can(me, "forum:moderate"));

  const voteButton = (kind: "threads" | "posts", row: ForumThreadRow | ForumPostRow) => {
    const mine = row.author_id === me.user.id;
    const count = row.upvote_count ?? 0;
    if (mine || !can(me, "forum:write")) {
      return html`<span class="votes">${count} upvotes</span>`;
    }
    const on = voted.get(row.id) === true;
    return html`<button
      type="button"
      class="secondary vote"
      aria-pressed=${on ? "true" : "false"}
      ?disabled=${busy}
      @click=${() => void vote(kind, row.id)}
    >
      ▲ Upvote <span class="visually-hidden">${kind === "threads" ? "the question" : "this reply"}</span>
      (<span data-upvotes>${count}</span>)
    </button>`;
  };

  const postView = (p: ForumPostRow) => html`<li
    class="post ${p.is_answer ? "answer" : ""}"
    data-post=${p.id}
    aria-labelledby="post-${p.id}-by"
  >
    <p class="post-meta" id="post-${p.id}-by">
      <span class="post-author">${authorOf(ctx, names, p)}</span>
      <time datetime=${p.created_at ?? ""}>${formatDateTime(p.created_at)}</time>
      ${p.is_answer ? html`<span class="badge accepted">✓ Accepted answer</span>` : nothing}
      ${p.is_approved === false ? html`<span class="badge held">Awaiting moderation</span>` : nothing}
    </p>
    <div class="post-body">${unsafeHTML(p.content_html ?? "")}</div>
    <p class="post-actions">
      ${voteButton("posts", p)}
      ${
        canAccept() && p.is_approved !== false
          ? html`<button type="button" class="secondary" ?disabled=${busy} @click=${() => void accept(p)}>
            ${p.is_answer ? "Withdraw accepted answer" : "Accept as answer"}
          </button>`
          : nothing
      }
    </p>
  </li>`;

  function draw(): void {
    if (closed) return;
    if (loading || !thread) {
      render(
        html`<p><a href="#/forum">All categories</a></p>
          <h1>Thread</h1>
          ${error ? html`<p class="error" role="alert">${error}</p>` : html`<p role="status">Loading the thread…</p>`}`,
        root,
      );
      return;
    }
    const t = thread;
    const open = t.status === "open" || t.status === "answered";
    render(
      html`<p>
          <a href="#/forum">All categories</a> ›
          <a href="#/forum/c/${t.category_id}">${category?.name ?? "Category"}</a>
        </p>
        <article class="thread" aria-labelledby="thread-h">
          <h1 id="thread-h" tabindex="-1">${t.title}</h1>
          <p class="thread-meta">
            ${statusBadge(t.status)}
            ${t.is_approved === false ? html`<span class="badge held">Awaiting moderation</span>` : nothing}
            <span>${authorOf(ctx, names, t)} · ${formatDateTime(t.created_at)}</span>
            <span class="muted"><span data-views>${t.view_count ?? 0}</span> views</span>
          </p>
          ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
          <div class="post-body">${unsafeHTML(t.content_html)}</div>
          <p class="post-actions">${voteButton("threads", t)}</p>
          <section aria-labelledby="replies-h">
            <h2 id="replies-h">Replies <span class="count">${posts.length}</span></h2>
            ${
              posts.length
                ? html`<ol class="posts" aria-live="polite">${repeat(posts, (p) => p.id, postView)}</ol>`
                : html`<p class="muted">No replies yet.</p>`
            }
          </section>
          ${
            can(me, "forum:write") && open
              ? html`<form class="reply" @submit=${reply}>
                <p>
                  <label for="reply-content">Your reply (Markdown)</label>
                  <textarea id="reply-content" name="content" rows="4"></textarea>
                </p>
                ${formError ? html`<p class="error" role="alert">${formError}</p>` : nothing}
                ${notice ? html`<p class="notice" role="status">${notice}</p>` : nothing}
                <button type="submit" ?disabled=${busy}>Post reply</button>
              </form>`
              : open
                ? nothing
                : html`<p class="muted">This thread is ${label(t.status)}: it takes no replies.</p>`
          }
        </article>`,
      root,
    );
  }

  draw();
  return () => {
    closed = true;
    for (const off of offs) off();
    void client.unsubscribe(topic);
  };
}

function moderationView(root: HTMLElement, ctx: PageContext): () => void {
  const { api } = ctx;
  let items: QueueItem[] = [];
  let error = "";
  let loading = true;
  let busy = false;
  let closed = false;

  // Held rows are never streamed (docs/forums.md, "Known limits"): the queue is read on demand.
  const load = async () => {
    try {
      items = (await api.get<{ data: QueueItem[] }>("/forum-moderation-queue", { limit: 200 }))
        .data;
      error = "";
    } catch (err) {
      error = `Could not load the queue: ${errorText(err)}`;
    }
    loading = false;
    draw();
  };
  void load();

  const decide = async (item: QueueItem, approve: boolean) => {
    busy = true;
    draw();
    const path = `/forum-${item.type === "thread" ? "threads" : "posts"}/${item.id}`;
    try {
      if (approve) await api.post(`${path}/approve`);
      else await api.request("DELETE", path);
      items = items.filter((i) => i.id !== item.id);
      ctx.announce(approve ? "Approved" : "Deleted");
    } catch (err) {
      error = errorText(err);
    }
    busy = false;
    draw();
  };

  const itemView = (i: QueueItem) => html`<li class="panel queue-item" data-queue=${i.id}>
    <h2 id="q-${i.id}">${i.type === "thread" ? "Thread" : "Reply in"}: ${i.title}</h2>
    <p class="muted">${i.is_anonymous ? "Anonymous · " : ""}${formatDateTime(i.created_at)}</p>
    <p class="queue-content">${i.content}</p>
    <p>
      <button type="button" ?disabled=${busy} aria-describedby="q-${i.id}" @click=${() => void decide(i, true)}>
        Approve
      </button>
      <button
        type="button"
        class="secondary danger"
        ?disabled=${busy}
        aria-describedby="q-${i.id}"
        @click=${() => void decide(i, false)}
      >
        Delete
      </button>
      ${i.type === "post" ? html`<a href="#/forum/t/${i.thread_id}">Open the thread</a>` : nothing}
    </p>
  </li>`;

  function draw(): void {
    if (closed) return;
    render(
      html`<p><a href="#/forum">All categories</a></p>
        <h1>Moderation queue</h1>
        <p>
          Threads and replies held for review in the categories you moderate, oldest first.
          <button type="button" class="secondary" @click=${() => void load()}>Refresh</button>
        </p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
        ${
          loading
            ? html`<p role="status">Loading the queue…</p>`
            : items.length
              ? html`<ul class="queue">${repeat(items, (i) => i.id, itemView)}</ul>`
              : html`<p class="muted" role="status">Nothing is waiting for review.</p>`
        }`,
      root,
    );
  }
  draw();
  return () => {
    closed = true;
  };
}
