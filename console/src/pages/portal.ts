import { html, nothing, render } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { EnvelopeOf } from "../../../shared/realtime/envelope.ts";
import { topicName } from "../../../shared/realtime/topics.ts";
import type { NotificationRow } from "../../../shared/resources/notifications.ts";
import type { ServiceRequestRow } from "../../../shared/resources/service-requests.ts";
import type { TenantRow } from "../../../shared/resources/tenants.ts";
import {
  SERVICE_REQUEST_RATABLE_STATUSES,
  SERVICE_REQUEST_STATUSES,
  SERVICE_REQUEST_TYPES,
  type ServiceRequestStatus,
} from "../../../shared/service-request-states.ts";
import { errorText, formatDateTime, label } from "../format.ts";
import { snapshotGate } from "../live.ts";
import type { Page } from "../page.ts";

/**
 * The tenant portal (docs/tenant-portal.md), for a tenant's portal user (role `tenant`, no
 * organisation): its tenant(s) from GET /tenants, their requests from GET
 * /service-requests, the lifts to name from GET /tenants/:id/elevators; a new request is
 * POST /service-requests, a rating POST /service-requests/:id/feedback.
 *
 * Live: `tenant:<id>` for each tenant (service_request.created/updated: the status steps
 * and the resolution move by themselves as staff work the request or its work order), and
 * the user's own `user:<id>` (followed by the typed client) for the `service_request_updated`
 * notifications that make up a request's timeline.
 *
 * Routes: `#/portal` (requests and the form), `#/portal/<request_id>` (one request).
 */

type Lift = { id: string; unit_number: string; status: string | null };
type RequestEvent =
  | EnvelopeOf<"service_request.created">
  | EnvelopeOf<"service_request.updated">
  | EnvelopeOf<"service_request.deleted">;

/** The steps a request goes through, as the tenant reads them. */
const STEP_LABELS: Record<ServiceRequestStatus, string> = {
  open: "Sent",
  acknowledged: "Received by the building",
  in_progress: "Work under way",
  resolved: "Resolved",
  closed: "Closed",
};
const TYPE_LABELS: Record<(typeof SERVICE_REQUEST_TYPES)[number], string> = {
  issue_report: "Report a problem",
  inquiry: "Ask a question",
  move_request: "Moving in or out",
  access_request: "Access request",
};

const newestFirst = (a: { created_at: string }, b: { created_at: string }) =>
  a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0;

export const portalPage: Page = (root, ctx) => {
  const { api, client } = ctx;
  const requestId = ctx.params[0] ?? null;
  let tenants: TenantRow[] = [];
  const lifts = new Map<string, Lift[]>();
  let requests: ServiceRequestRow[] = [];
  let notifications: NotificationRow[] = [];
  let loading = true;
  let loadError = "";
  let formError = "";
  let busy = false;
  let closed = false;
  let topics: string[] = [];
  const { live, hold, release } = snapshotGate(() => draw());

  const applyRequest = (event: RequestEvent) => {
    const id = event.entity.id;
    requests = requests.filter((r) => r.id !== id);
    if (event.type === "service_request.deleted") return;
    const row = event.data;
    requests = [row, ...requests].sort(newestFirst);
    if (id === requestId && event.type === "service_request.updated") {
      if (event.changes.includes("status")) {
        ctx.announce(`Your request is now: ${STEP_LABELS[row.status ?? "open"]}`);
      }
    }
  };

  const applyNotification = (event: EnvelopeOf<"notification.created">) => {
    const n = event.data;
    if (n.notification_type !== "service_request_updated") return;
    if (notifications.some((x) => x.id === n.id)) return;
    notifications = [n, ...notifications].sort(newestFirst);
  };

  const load = async () => {
    hold();
    try {
      tenants = await api.all<TenantRow>("/tenants", { sort: "name" });
      if (closed) return;
      // Subscribe before reading the requests: nothing committed in between is missed.
      const wanted = tenants.map((t) => topicName("tenant", t.id));
      for (const topic of wanted) {
        if (topics.includes(topic)) continue;
        const ack = await client.subscribe(topic);
        if (!ack.ok) loadError = `Live updates are unavailable: ${ack.error.message}`;
      }
      topics = wanted;
      const [rows, liftLists, notes] = await Promise.all([
        Promise.all(
          tenants.map((t) => api.all<ServiceRequestRow>("/service-requests", { tenant_id: t.id })),
        ),
        Promise.all(tenants.map((t) => api.get<{ data: Lift[] }>(`/tenants/${t.id}/elevators`))),
        api.all<NotificationRow>("/notifications", {
          notification_type: "service_request_updated",
        }),
      ]);
      if (closed) return;
      requests = rows.flat().sort(newestFirst);
      for (const [i, t] of tenants.entries()) lifts.set(t.id, liftLists[i]?.data ?? []);
      notifications = notes.sort(newestFirst);
    } catch (err) {
      loadError = `Could not load your requests: ${errorText(err)}`;
    }
    loading = false;
    release();
    draw();
    if (requestId) root.querySelector<HTMLElement>("#request-heading")?.focus();
  };

  const offs = [
    client.on("service_request.created", (e) => live(() => applyRequest(e))),
    client.on("service_request.updated", (e) => live(() => applyRequest(e))),
    client.on("service_request.deleted", (e) => live(() => applyRequest(e))),
    client.on("notification.created", (e) => live(() => applyNotification(e))),
    client.on(
      "reset",
      ({ topic }) => (topics.includes(topic) || topic.startsWith("user:")) && void load(),
    ),
  ];
  void load();

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const tenantId = text("tenant_id") || tenants[0]?.id;
    if (!text("subject")) {
      formError = "Give the request a subject.";
      draw();
      root.querySelector<HTMLElement>("#request-subject")?.focus();
      return;
    }
    busy = true;
    formError = "";
    draw();
    try {
      const created = await api.post<ServiceRequestRow>("/service-requests", {
        tenant_id: tenantId,
        request_type: text("request_type"),
        subject: text("subject"),
        ...(text("description") ? { description: text("description") } : {}),
        ...(text("elevator_id") ? { elevator_id: text("elevator_id") } : {}),
      });
      ctx.announce("Request sent");
      ctx.navigate(`#/portal/${created.id}`);
      return;
    } catch (err) {
      formError = `Not sent: ${errorText(err)}`;
    }
    busy = false;
    draw();
  };

  const rate = async (event: SubmitEvent, request: ServiceRequestRow) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const rating = Number(data.get("satisfaction_rating"));
    const feedback = String(data.get("feedback_text") ?? "").trim();
    if (!rating) {
      formError = "Choose a rating from 1 to 5.";
      draw();
      return;
    }
    busy = true;
    formError = "";
    draw();
    try {
      const row = await api.post<ServiceRequestRow>(`/service-requests/${request.id}/feedback`, {
        satisfaction_rating: rating,
        ...(feedback ? { feedback_text: feedback } : {}),
      });
      requests = requests.map((r) => (r.id === row.id ? row : r));
      ctx.announce("Thank you for your rating");
    } catch (err) {
      formError = `Not sent: ${errorText(err)}`;
    }
    busy = false;
    draw();
  };

  const liftName = (r: ServiceRequestRow) =>
    r.elevator_id
      ? (lifts.get(r.tenant_id)?.find((l) => l.id === r.elevator_id)?.unit_number ?? "—")
      : "—";

  const statusBadge = (status: string | null) =>
    html`<span class="badge request-status status-${status ?? "open"}" data-status=${status ?? "open"}
      >${STEP_LABELS[(status ?? "open") as ServiceRequestStatus] ?? label(status)}</span
    >`;

  const requestItem = (r: ServiceRequestRow) => html`<li data-request=${r.id}>
    <a href="#/portal/${r.id}">${r.subject}</a>
    ${statusBadge(r.status)}
    <span class="muted">${label(r.request_type)} · ${formatDateTime(r.created_at)}</span>
  </li>`;

  const formView = () => {
    const many = tenants.length > 1;
    const tenantLifts = lifts.get(tenants[0]?.id ?? "") ?? [];
    return html`<section class="panel" aria-labelledby="new-request-h">
      <h2 id="new-request-h">New request</h2>
      <form class="request-form" @submit=${create}>
        ${
          many
            ? html`<p>
              <label for="request-tenant">For</label>
              <select id="request-tenant" name="tenant_id">
                ${tenants.map((t) => html`<option value=${t.id}>${t.name}</option>`)}
              </select>
            </p>`
            : nothing
        }
        <p>
          <label for="request-type">What is it about?</label>
          <select id="request-type" name="request_type">
            ${SERVICE_REQUEST_TYPES.map((t) => html`<option value=${t}>${TYPE_LABELS[t]}</option>`)}
          </select>
        </p>
        <p>
          <label for="request-subject">Subject</label>
          <input id="request-subject" name="subject" maxlength="255" required />
        </p>
        <p>
          <label for="request-description">Details (optional)</label>
          <textarea id="request-description" name="description" rows="4" maxlength="20000"></textarea>
        </p>
        ${
          tenantLifts.length
            ? html`<p>
              <label for="request-lift">Lift (optional)</label>
              <select id="request-lift" name="elevator_id">
                <option value="">No particular lift</option>
                ${tenantLifts.map((l) => html`<option value=${l.id}>${l.unit_number}</option>`)}
              </select>
            </p>`
            : nothing
        }
        ${formError ? html`<p class="error" role="alert">${formError}</p>` : nothing}
        <button type="submit" ?disabled=${busy}>Send request</button>
      </form>
    </section>`;
  };

  const listView = () => html`<div class="portal-layout">
      <section class="panel" aria-labelledby="requests-h">
        <h2 id="requests-h">Your requests</h2>
        ${
          requests.length === 0
            ? html`<p class="muted">No requests yet.</p>`
            : html`<ul class="requests">${repeat(requests, (r) => r.id, requestItem)}</ul>`
        }
      </section>
      ${formView()}
    </div>`;

  const stepsView = (r: ServiceRequestRow) => {
    const status = (r.status ?? "open") as ServiceRequestStatus;
    const reached = SERVICE_REQUEST_STATUSES.indexOf(status);
    // Closed without being resolved (declined): the resolved step was skipped.
    return html`<ol class="steps" aria-label="Progress">
      ${SERVICE_REQUEST_STATUSES.map((s, i) => {
        const state = i < reached ? "done" : i === reached ? "current" : "todo";
        return html`<li class="step ${state}" data-step=${s} aria-current=${state === "current" ? "step" : nothing}>
          <span class="step-mark" aria-hidden="true">${state === "todo" ? "○" : "●"}</span>
          ${STEP_LABELS[s]}
          <span class="visually-hidden"
            >${state === "done" ? "(done)" : state === "current" ? "(now)" : "(not yet)"}</span
          >
        </li>`;
      })}
    </ol>`;
  };

  const timelineView = (r: ServiceRequestRow) => {
    const entries = notifications
      .filter((n) => n.link_id === r.id)
      .map((n) => ({ id: n.id, at: n.created_at, title: n.title, text: n.message }));
    entries.push({ id: "sent", at: r.created_at, title: "You sent the request", text: null });
    entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    return html`<section aria-labelledby="timeline-h">
      <h3 id="timeline-h">Timeline</h3>
      <ol class="timeline" aria-live="polite">
        ${repeat(
          entries,
          (e) => e.id,
          (e) => html`<li data-timeline=${e.id}>
            <time datetime=${e.at}>${formatDateTime(e.at)}</time>
            <p class="timeline-title">${e.title}</p>
            ${e.text ? html`<p class="timeline-text">${e.text}</p>` : nothing}
          </li>`,
        )}
      </ol>
    </section>`;
  };

  const ratingView = (r: ServiceRequestRow) => {
    if (r.satisfaction_rating !== null) {
      return html`<p class="rated" data-rated=${r.satisfaction_rating}>
        You rated this ${r.satisfaction_rating} out of 5${r.feedback_text ? html`: “${r.feedback_text}”` : nothing}.
      </p>`;
    }
    if (!SERVICE_REQUEST_RATABLE_STATUSES.includes((r.status ?? "open") as ServiceRequestStatus)) {
      return nothing;
    }
    return html`<form class="rating" @submit=${(e: SubmitEvent) => void rate(e, r)}>
      <fieldset>
        <legend>How satisfied are you with how this was handled?</legend>
        <div class="stars">
          ${[1, 2, 3, 4, 5].map(
            (n) => html`<label class="star">
              <input type="radio" name="satisfaction_rating" value=${n} required />
              ${n}<span class="visually-hidden"> out of 5</span>
            </label>`,
          )}
        </div>
      </fieldset>
      <p>
        <label for="feedback-text">Anything to add? (optional)</label>
        <textarea id="feedback-text" name="feedback_text" rows="2" maxlength="5000"></textarea>
      </p>
      ${formError ? html`<p class="error" role="alert">${formError}</p>` : nothing}
      <button type="submit" ?disabled=${busy}>Send rating</button>
    </form>`;
  };

  const detailView = (id: string) => {
    const r = requests.find((x) => x.id === id);
    if (!r) {
      return html`<p><a href="#/portal">All requests</a></p>
        <p class="error" role="alert">This request was not found.</p>`;
    }
    return html`<p><a href="#/portal">All requests</a></p>
      <section class="panel request" aria-labelledby="request-heading">
        <h2 id="request-heading" tabindex="-1">${r.subject}</h2>
        <p>Status: ${statusBadge(r.status)}</p>
        ${stepsView(r)}
        <dl class="facts">
          <div><dt>Type</dt><dd>${label(r.request_type)}</dd></div>
          <div><dt>Lift</dt><dd>${liftName(r)}</dd></div>
          <div><dt>Sent</dt><dd>${formatDateTime(r.created_at)}</dd></div>
          ${r.resolved_at ? html`<div><dt>Resolved</dt><dd>${formatDateTime(r.resolved_at)}</dd></div>` : nothing}
        </dl>
        ${r.description ? html`<p class="description">${r.description}</p>` : nothing}
        ${
          r.resolution_notes
            ? html`<section class="resolution" aria-labelledby="resolution-h">
              <h3 id="resolution-h">From the building</h3>
              <p data-resolution>${r.resolution_notes}</p>
            </section>`
            : nothing
        }
        ${ratingView(r)}
        ${timelineView(r)}
      </section>`;
  };

  function draw(): void {
    if (closed) return;
    render(
      html`<h1>Tenant portal</h1>
        ${tenants.length ? html`<p class="muted">${tenants.map((t) => t.name).join(", ")}</p>` : nothing}
        ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing}
        ${
          loading
            ? html`<p role="status">Loading your requests…</p>`
            : requestId
              ? detailView(requestId)
              : listView()
        }`,
      root,
    );
  }

  draw();
  return () => {
    closed = true;
    for (const off of offs) off();
    for (const topic of topics) void client.unsubscribe(topic);
  };
};
