import { html, nothing, render } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { EnvelopeOf } from "../../../shared/realtime/envelope.ts";
import type { ConversationView, MessageRow, MessageView } from "../../../shared/schemas/message.ts";
import type { Page as ListPage } from "../api.ts";
import { errorText, formatDateTime, formatTime } from "../format.ts";
import { snapshotGate } from "../live.ts";
import type { Page } from "../page.ts";
import { can } from "../session.ts";

/**
 * Messages (docs/messaging.md): GET /conversations for the list with unread counts, GET
 * /conversations/:id/messages for a chat's history, POST /messages to send and POST
 * /conversations/:id/read for read receipts. Live through the signed-in user's own
 * `user:<id>` topic, which the typed client always follows: `message.created`,
 * `message.read` (the sender's read receipt) and `typing` from the partner.
 *
 * Routes: `#/messages` (the list), `#/messages/<thread_id>` (a conversation),
 * `#/messages/to/<user_id>` (write to a colleague: their latest conversation, or a new one
 * with the first message).
 */

type Person = {
  id: string;
  display_name: string | null;
  first_name: string | null;
  last_name: string | null;
  email?: string;
};
type Colleague = Person & { email: string; is_active: boolean };

/** How long "is typing" stays up after the partner's last keystroke signal. */
const TYPING_SHOWN_MS = 4_000;
/** At most one typing signal per this long while someone types. */
const TYPING_SIGNAL_MS = 2_000;

export function personName(p: Person | undefined): string {
  if (!p) return "…";
  return (
    p.display_name ?? ([p.first_name, p.last_name].filter(Boolean).join(" ") || p.email || "…")
  );
}

export const messagesPage: Page = (root, ctx) => {
  const { api, client, me } = ctx;
  const myId = me.user.id;
  const [to, id] = ctx.params;
  /** The conversation on screen, or null on the list alone or a new conversation. */
  const threadId: string | null = to ? null : (id ?? null);
  /** Writing to someone with no conversation open yet (`#/messages/to/<user_id>`). */
  let recipientId: string | null = to ? (id ?? null) : null;

  let conversations: ConversationView[] = [];
  const colleagues = new Map<string, Colleague>();
  let history: MessageRow[] = [];
  let olderCursor: string | null = null;
  let partner: Person | undefined;
  let loading = true;
  let loadError = "";
  let sendError = "";
  let sending = false;
  let typingUntil = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let lastTypingSignal = 0;
  let closed = false;
  const { live, hold, release } = snapshotGate(() => draw());

  const partnerOf = (m: MessageRow) => (m.sender_id === myId ? m.recipient_id : m.sender_id);

  /** Marks what the partner sent in the open conversation read (their read receipt). */
  const markRead = (ids: string[]) => {
    if (ids.length === 0 || document.visibilityState === "hidden") return;
    void api.post("/messages/read", { message_ids: ids }).catch(() => {});
  };

  const upsertHistory = (m: MessageRow) => {
    const i = history.findIndex((h) => h.id === m.id);
    if (i >= 0) history[i] = m;
    else {
      history.push(m);
      history.sort((a, b) =>
        a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0,
      );
    }
  };

  const onCreated = (e: EnvelopeOf<"message.created">) => {
    const m = e.data;
    const conversation = conversations.find((c) => c.thread_id === m.thread_id);
    const open = m.thread_id === threadId;
    if (conversation) {
      conversation.last_message = { ...m, content_html: "" };
      if (m.recipient_id === myId && !m.is_read && !open) conversation.unread_count++;
      conversations = [conversation, ...conversations.filter((c) => c !== conversation)];
    } else {
      // A conversation begun elsewhere (or by the partner): its partner's name comes from
      // the list, so read it again.
      void reloadConversations();
    }
    if (open) {
      upsertHistory(m);
      if (m.sender_id === partner?.id) typingUntil = 0;
      if (m.recipient_id === myId && !m.is_read) markRead([m.id]);
    }
  };

  const onRead = (e: EnvelopeOf<"message.read">) => {
    const m = e.data;
    if (m.recipient_id === myId) {
      const conversation = conversations.find((c) => c.thread_id === m.thread_id);
      if (conversation && m.thread_id !== threadId) {
        conversation.unread_count = Math.max(0, conversation.unread_count - 1);
      }
    }
    if (m.thread_id === threadId && history.some((h) => h.id === m.id)) upsertHistory(m);
  };

  async function reloadConversations(): Promise<void> {
    const rows = await api.all<ConversationView>("/conversations").catch(() => null);
    if (!rows || closed) return;
    conversations = rows;
    if (threadId) {
      const open = conversations.find((c) => c.thread_id === threadId);
      if (open) open.unread_count = 0;
    }
    draw();
  }

  const load = async () => {
    hold();
    try {
      const [rows, people] = await Promise.all([
        api.all<ConversationView>("/conversations"),
        can(me, "users:read")
          ? api.all<Colleague>("/users", { is_active: true })
          : Promise.resolve([] as Colleague[]),
      ]);
      if (closed) return;
      conversations = rows;
      colleagues.clear();
      for (const p of people) if (p.id !== myId) colleagues.set(p.id, p);
      if (recipientId) {
        // An existing conversation with them: open it instead of starting another.
        const existing = conversations.find((c) => c.other_user.id === recipientId);
        if (existing) {
          ctx.navigate(`#/messages/${existing.thread_id}`);
          return;
        }
        partner = colleagues.get(recipientId);
        if (!partner) loadError = "You cannot write to this person.";
      }
      if (threadId) {
        const open = conversations.find((c) => c.thread_id === threadId);
        partner = open?.other_user;
        const page = await api.get<ListPage<MessageView>>(`/conversations/${threadId}/messages`, {
          limit: 50,
        });
        if (closed) return;
        history = page.data.slice().reverse();
        olderCursor = page.next_cursor;
        partner ??= colleagues.get(history[0] ? partnerOf(history[0]) : "");
        if (open && open.unread_count > 0) {
          await api.post(`/conversations/${threadId}/read`);
          open.unread_count = 0;
        }
      }
    } catch (err) {
      loadError = `Could not load messages: ${errorText(err)}`;
    }
    loading = false;
    release();
    draw();
    if (threadId || recipientId) root.querySelector<HTMLElement>("#chat-heading")?.focus();
  };

  const loadOlder = async () => {
    if (!threadId || !olderCursor) return;
    try {
      const page = await api.get<ListPage<MessageView>>(`/conversations/${threadId}/messages`, {
        limit: 50,
        cursor: olderCursor,
      });
      olderCursor = page.next_cursor;
      for (const m of page.data) upsertHistory(m);
    } catch (err) {
      loadError = errorText(err);
    }
    draw();
  };

  const offs = [
    client.on("message.created", (e) => live(() => onCreated(e))),
    client.on("message.read", (e) => live(() => onRead(e))),
    client.on("typing", (t) => {
      if (t.from_user_id !== partner?.id) return;
      typingUntil = Date.now() + TYPING_SHOWN_MS;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(draw, TYPING_SHOWN_MS + 50);
      draw();
    }),
    // The user topic's cursor was older than the hub keeps: read everything again.
    client.on("reset", ({ topic }) => topic === `user:${myId}` && void load()),
  ];
  const onVisible = () => {
    if (document.visibilityState !== "visible") return;
    markRead(history.filter((m) => m.recipient_id === myId && !m.is_read).map((m) => m.id));
  };
  document.addEventListener("visibilitychange", onVisible);
  void load();

  const onInput = () => {
    const to = partner?.id;
    if (!to || Date.now() - lastTypingSignal < TYPING_SIGNAL_MS) return;
    lastTypingSignal = Date.now();
    void client.typing(to).catch(() => {});
  };

  const send = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const box = form.querySelector<HTMLTextAreaElement>("textarea");
    const content = box?.value.trim() ?? "";
    if (!partner || !box) return;
    if (!content) {
      sendError = "Write a message first.";
      draw();
      box.focus();
      return;
    }
    sending = true;
    sendError = "";
    draw();
    try {
      const sent = await api.post<MessageView>("/messages", {
        recipient_id: partner.id,
        content,
        ...(threadId ? { thread_id: threadId } : {}),
      });
      box.value = "";
      lastTypingSignal = 0;
      if (!threadId) {
        recipientId = null;
        ctx.navigate(`#/messages/${sent.thread_id}`);
        return;
      }
      upsertHistory(sent);
      ctx.announce("Message sent");
    } catch (err) {
      sendError = `Not sent: ${errorText(err)}`;
    }
    sending = false;
    draw();
    box.focus();
  };

  /** Enter sends, Shift+Enter is a new line (as in most chat apps). */
  const onKeydown = (event: KeyboardEvent) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (event.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
    }
  };

  const startConversation = (event: SubmitEvent) => {
    event.preventDefault();
    const to = String(new FormData(event.currentTarget as HTMLFormElement).get("to") ?? "");
    if (to) ctx.navigate(`#/messages/to/${to}`);
  };

  const conversationView = (c: ConversationView) => {
    const current = c.thread_id === threadId;
    const name = personName(c.other_user);
    const mine = c.last_message.sender_id === myId;
    return html`<li class="conversation ${current ? "current" : ""}" data-thread=${c.thread_id}>
      <a href="#/messages/${c.thread_id}" aria-current=${current ? "page" : nothing}>
        <span class="conversation-name">${name}</span>
        ${
          c.unread_count > 0
            ? html`<span class="unread" data-unread=${c.unread_count}
                >${c.unread_count}<span class="visually-hidden"> unread</span></span
              >`
            : nothing
        }
        <span class="conversation-last"
          >${mine ? "You: " : ""}${c.last_message.content.slice(0, 80)}</span
        >
        <span class="conversation-time">${formatDateTime(c.last_message.created_at)}</span>
      </a>
    </li>`;
  };

  const receipt = (m: MessageRow) => {
    if (m.sender_id !== myId) return nothing;
    return m.read_at
      ? html`<span class="receipt read" data-receipt="read">Read ${formatTime(m.read_at)}</span>`
      : html`<span class="receipt" data-receipt="sent">Sent</span>`;
  };

  const messageView = (m: MessageRow) => {
    const mine = m.sender_id === myId;
    return html`<li class="message ${mine ? "mine" : "theirs"}" data-message=${m.id}>
      <p class="message-meta">
        <span class="message-author">${mine ? "You" : personName(partner)}</span>
        <time datetime=${m.created_at}>${formatTime(m.created_at)}</time>
      </p>
      <p class="message-body">${m.content}</p>
      ${receipt(m)}
    </li>`;
  };

  const chatView = () => {
    if (!threadId && !recipientId) {
      return html`<h2 id="chat-heading" tabindex="-1">Conversation</h2>
        <p class="muted">Choose a conversation, or start one with a colleague.</p>`;
    }
    const name = personName(partner);
    const typing = typingUntil > Date.now();
    return html`<h2 id="chat-heading" tabindex="-1">${partner ? name : "Conversation"}</h2>
      ${
        olderCursor
          ? html`<p><button type="button" class="secondary" @click=${() => void loadOlder()}>
              Show earlier messages
            </button></p>`
          : nothing
      }
      <div class="chat-log" role="log" aria-live="polite" aria-label="Messages with ${name}">
        ${
          history.length === 0
            ? html`<p class="muted">No messages yet. Say hello.</p>`
            : html`<ol class="messages">
              ${repeat(history, (m) => m.id, messageView)}
            </ol>`
        }
      </div>
      <p class="typing" role="status">${typing ? `${name} is typing…` : ""}</p>
      ${
        partner
          ? html`<form class="compose" @submit=${send}>
            <label for="compose-text">Message to ${name}</label>
            <textarea
              id="compose-text"
              name="content"
              rows="3"
              maxlength="20000"
              aria-describedby="compose-hint"
              @input=${onInput}
              @keydown=${onKeydown}
            ></textarea>
            <p id="compose-hint" class="muted hint">Enter sends; Shift+Enter starts a new line.</p>
            ${sendError ? html`<p class="error" role="alert">${sendError}</p>` : nothing}
            <button type="submit" ?disabled=${sending}>Send</button>
          </form>`
          : nothing
      }`;
  };

  const newConversationView = () => {
    if (colleagues.size === 0) return nothing;
    const people = [...colleagues.values()].sort((a, b) =>
      personName(a).localeCompare(personName(b)),
    );
    return html`<form class="new-conversation" @submit=${startConversation}>
      <p>
        <label for="new-to">Write to a colleague</label>
        <select id="new-to" name="to">
          ${people.map((p) => html`<option value=${p.id}>${personName(p)} (${p.email})</option>`)}
        </select>
      </p>
      <button type="submit" class="secondary">Open conversation</button>
    </form>`;
  };

  function draw(): void {
    if (closed) return;
    render(
      html`<h1>Messages</h1>
        ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing}
        ${
          loading
            ? html`<p role="status">Loading messages…</p>`
            : html`<div class="messages-layout">
              <section class="panel" aria-labelledby="conversations-h">
                <h2 id="conversations-h">Conversations</h2>
                ${
                  conversations.length === 0
                    ? html`<p class="muted">No conversations yet.</p>`
                    : html`<ul class="conversations">
                      ${repeat(conversations, (c) => c.thread_id, conversationView)}
                    </ul>`
                }
                ${newConversationView()}
              </section>
              <section class="panel chat" aria-labelledby="chat-heading">${chatView()}</section>
            </div>`
        }`,
      root,
    );
    const log = root.querySelector(".chat-log");
    if (log) log.scrollTop = log.scrollHeight;
  }

  draw();
  return () => {
    closed = true;
    clearTimeout(typingTimer);
    for (const off of offs) off();
    document.removeEventListener("visibilitychange", onVisible);
  };
};
