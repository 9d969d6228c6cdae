import { html, nothing, render } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import type { EnvelopeOf } from "../../../shared/realtime/envelope.ts";
import { topicName } from "../../../shared/realtime/topics.ts";
import type { ContractorRow } from "../../../shared/resources/contractors.ts";
import type { ElevatorRow } from "../../../shared/resources/elevators.ts";
import type { SiteRow } from "../../../shared/resources/sites.ts";
import type { WorkOrderRow } from "../../../shared/resources/work-orders.ts";
import type { DispatchBoard, DispatchCard } from "../../../shared/schemas/dispatch-board.ts";
import {
  OPEN_WORK_ORDER_STATUSES,
  type OpenWorkOrderStatus,
  WORK_ORDER_PRIORITIES,
  WORK_ORDER_TRANSITIONS,
  type WorkOrderStatus,
} from "../../../shared/work-order-states.ts";
import { errorText, formatDateTime, isLate, label } from "../format.ts";
import { snapshotGate } from "../live.ts";
import type { Page } from "../page.ts";
import { can } from "../session.ts";

/**
 * The dispatch board: GET /dispatch-board for the columns, the organisation's sites,
 * elevators and contractors for names and the side panels, GET /presence for who is
 * online; then `org:<id>` keeps all of it live (work_order.*, elevator.*, presence).
 * Actions are the work order commands: transition, assign, diagnose. A diagnosis comes
 * back as a work_order.updated with the ai_* columns.
 */

type Column = { status: OpenWorkOrderStatus; count: number; cards: DispatchCard[] };
type WorkOrderEvent =
  | EnvelopeOf<"work_order.created">
  | EnvelopeOf<"work_order.updated">
  | EnvelopeOf<"work_order.deleted">;
type ElevatorEvent =
  | EnvelopeOf<"elevator.created">
  | EnvelopeOf<"elevator.updated">
  | EnvelopeOf<"elevator.status_changed">
  | EnvelopeOf<"elevator.deleted">;

/**
 * Staff sockets get the whole row; only a tenant's (restricted) audience gets part of one,
 * which lacks these columns (docs/realtime-protocol.md, "Audiences").
 */
function wholeRow(data: Partial<WorkOrderRow>): WorkOrderRow | null {
  return data.organization_id && data.site_id && data.elevator_id ? (data as WorkOrderRow) : null;
}

const PRIORITY_RANK = new Map<string, number>(WORK_ORDER_PRIORITIES.map((p, i) => [p, i]));
const isOpen = (s: string | null | undefined): s is OpenWorkOrderStatus =>
  (OPEN_WORK_ORDER_STATUSES as readonly string[]).includes(s ?? "");

/** The board's order (docs/dispatch-board.md): priority, then due date (none last), then id. */
function byBoardOrder(a: DispatchCard, b: DispatchCard): number {
  const pa = PRIORITY_RANK.get(a.priority ?? "") ?? 99;
  const pb = PRIORITY_RANK.get(b.priority ?? "") ?? 99;
  if (pa !== pb) return pa - pb;
  if (a.due_date !== b.due_date) {
    if (a.due_date === null) return 1;
    if (b.due_date === null) return -1;
    return a.due_date < b.due_date ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export const boardPage: Page = (root, ctx) => {
  const { api, client, me } = ctx;
  const orgTopic = topicName("org", me.user.organization_id ?? "");
  let columns: Column[] = [];
  const sites = new Map<string, SiteRow>();
  const elevators = new Map<string, ElevatorRow>();
  const contractors = new Map<string, ContractorRow>();
  const online = new Set<string>();
  let selected: WorkOrderRow | null = null;
  const diagnosing = new Set<string>();
  let loadError = "";
  let loading = true;
  let actionError = "";
  let busy = false;
  let closed = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  const { live, hold, release } = snapshotGate(() => draw());

  const cardOf = (row: WorkOrderRow): DispatchCard => {
    const site = sites.get(row.site_id);
    const elevator = elevators.get(row.elevator_id);
    const contractor = row.assigned_contractor_id
      ? contractors.get(row.assigned_contractor_id)
      : undefined;
    // A site, lift or contractor made after the page loaded: names come with the next refresh.
    if (!site || !elevator || (row.assigned_contractor_id && !contractor)) scheduleRefresh();
    return {
      id: row.id,
      work_order_number: row.work_order_number,
      title: row.title,
      status: row.status ?? "pending",
      priority: row.priority,
      type: row.type,
      due_date: row.due_date,
      scheduled_start: row.scheduled_start,
      site: { id: row.site_id, name: site?.name ?? "…" },
      elevator: { id: row.elevator_id, unit_number: elevator?.unit_number ?? "…" },
      assignee:
        row.assigned_contractor_id === null
          ? null
          : { id: row.assigned_contractor_id, contact_name: contractor?.contact_name ?? "…" },
    };
  };

  const applyWorkOrder = (event: WorkOrderEvent) => {
    const id = event.entity.id;
    let known = false;
    for (const column of columns) {
      const i = column.cards.findIndex((c) => c.id === id);
      if (i >= 0) {
        column.cards.splice(i, 1);
        column.count--;
        known = true;
      }
    }
    if (event.type === "work_order.deleted") return;
    const row = wholeRow(event.data);
    if (!row) return scheduleRefresh();
    const column = columns.find((c) => c.status === row.status);
    if (column) {
      column.cards.push(cardOf(row));
      column.cards.sort(byBoardOrder);
      column.count++;
    }
    // Moved from or within a column beyond the cards shown: only the server knows the counts.
    if (!known && event.type === "work_order.updated" && (column || isOpen(row.status))) {
      scheduleRefresh();
    }
    if (selected?.id === id) {
      selected = row;
      if (event.changes?.includes("ai_diagnosis_at") && diagnosing.delete(id)) {
        ctx.announce(`AI suggestion ready for ${row.work_order_number}`);
      }
    }
  };

  const applyElevator = (event: ElevatorEvent) => {
    if (event.type === "elevator.deleted") elevators.delete(event.entity.id);
    else elevators.set(event.data.id, event.data);
  };

  const load = async () => {
    hold();
    try {
      const [board, siteRows, elevatorRows, contractorRows, presence] = await Promise.all([
        api.get<DispatchBoard>("/dispatch-board"),
        api.all<SiteRow>("/sites", { sort: "name" }),
        api.all<ElevatorRow>("/elevators", { sort: "unit_number" }),
        api.all<ContractorRow>("/contractors", { sort: "contact_name" }),
        api.get<{ online: string[] }>("/presence"),
      ]);
      if (closed) return;
      columns = board.columns.map((c) => ({
        status: c.status,
        count: c.count,
        cards: c.work_orders,
      }));
      sites.clear();
      for (const s of siteRows) sites.set(s.id, s);
      elevators.clear();
      for (const e of elevatorRows) elevators.set(e.id, e);
      contractors.clear();
      for (const c of contractorRows) contractors.set(c.id, c);
      online.clear();
      for (const u of presence.online) online.add(u);
      loadError = "";
    } catch (err) {
      loadError = `Could not load the board: ${errorText(err)}`;
    }
    loading = false;
    release();
    draw();
  };

  function scheduleRefresh(): void {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void load(), 400);
  }

  const offs = [
    client.on("work_order.created", (e) => live(() => applyWorkOrder(e))),
    client.on("work_order.updated", (e) => live(() => applyWorkOrder(e))),
    client.on("work_order.deleted", (e) => live(() => applyWorkOrder(e))),
    client.on("elevator.created", (e) => live(() => applyElevator(e))),
    client.on("elevator.updated", (e) => live(() => applyElevator(e))),
    client.on("elevator.status_changed", (e) => live(() => applyElevator(e))),
    client.on("elevator.deleted", (e) => live(() => applyElevator(e))),
    client.on("presence", (p) =>
      live(() => (p.status === "online" ? online.add(p.user_id) : online.delete(p.user_id))),
    ),
    // The cursor was older than the hub keeps: start again from a fresh snapshot.
    client.on("reset", ({ topic }) => topic === orgTopic && void load()),
  ];

  // Subscribe first, then read the snapshot: nothing committed in between is missed.
  void client.subscribe(orgTopic).then((ack) => {
    if (!ack.ok && !closed) {
      loadError = `Live updates are unavailable: ${ack.error.message}`;
      draw();
    }
  });
  void load();

  const select = async (id: string) => {
    actionError = "";
    try {
      selected = await api.get<WorkOrderRow>(`/work-orders/${id}`);
    } catch (err) {
      actionError = errorText(err);
    }
    draw();
    root.querySelector<HTMLElement>("#detail-heading")?.focus();
  };

  const act = async (what: string, fn: () => Promise<unknown>) => {
    busy = true;
    actionError = "";
    draw();
    try {
      await fn();
      ctx.announce(what);
    } catch (err) {
      actionError = errorText(err);
    }
    busy = false;
    draw();
  };

  const transition = (event: SubmitEvent) => {
    event.preventDefault();
    if (!selected) return;
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const to = String(data.get("to")) as WorkOrderStatus;
    const reason = String(data.get("reason") ?? "").trim();
    const wo = selected;
    void act(`${wo.work_order_number} moved to ${label(to)}`, async () => {
      selected = await api.post<WorkOrderRow>(`/work-orders/${wo.id}/transition`, {
        to,
        ...(reason ? { reason } : {}),
      });
    });
  };

  const assign = (event: SubmitEvent) => {
    event.preventDefault();
    if (!selected) return;
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const contractor = String(data.get("contractor_id") ?? "");
    const wo = selected;
    void act(`${wo.work_order_number} ${contractor ? "assigned" : "unassigned"}`, async () => {
      selected = await api.post<WorkOrderRow>(`/work-orders/${wo.id}/assign`, {
        contractor_id: contractor || null,
      });
    });
  };

  const diagnose = () => {
    if (!selected) return;
    const wo = selected;
    void act(`Diagnosis requested for ${wo.work_order_number}`, async () => {
      await api.post(`/work-orders/${wo.id}/diagnose`);
      diagnosing.add(wo.id);
    });
  };

  const cardView = (card: DispatchCard) => {
    const late = isLate(card.due_date);
    const priority = card.priority ?? "medium";
    return html`<li>
      <article
        class="card priority-${priority}"
        data-work-order=${card.id}
        aria-labelledby="card-${card.id}"
      >
        <h4 class="card-title">
          <button
            type="button"
            id="card-${card.id}"
            class="link"
            aria-pressed=${selected?.id === card.id ? "true" : "false"}
            @click=${() => void select(card.id)}
          >
            <span class="wo-number">${card.work_order_number}</span> ${card.title}
          </button>
        </h4>
        <p class="card-badges">
          <span class="badge priority-badge priority-${priority}">${label(priority)}</span>
          <span class="badge">${label(card.type)}</span>
          ${
            late
              ? html`<span class="badge late"><span aria-hidden="true">⚠</span> Late</span>`
              : nothing
          }
        </p>
        <dl class="card-facts">
          <div><dt>Site</dt><dd>${card.site?.name ?? "—"}</dd></div>
          <div><dt>Lift</dt><dd>${card.elevator?.unit_number ?? "—"}</dd></div>
          <div>
            <dt>Assignee</dt>
            <dd class="assignee">${card.assignee?.contact_name ?? "Unassigned"}</dd>
          </div>
          <div>
            <dt>Due</dt>
            <dd class=${late ? "late-text" : ""}>${formatDateTime(card.due_date)}</dd>
          </div>
        </dl>
      </article>
    </li>`;
  };

  const columnView = (column: Column) =>
    html`<section class="column" data-status=${column.status} aria-labelledby="col-${column.status}">
      <h3 id="col-${column.status}">
        ${label(column.status)} <span class="count" aria-label="${column.count} work orders">${column.count}</span>
      </h3>
      ${
        column.cards.length === 0
          ? html`<p class="empty">Nothing here.</p>`
          : html`<ol class="cards">
            ${repeat(column.cards, (c) => c.id, cardView)}
          </ol>`
      }
    </section>`;

  const suggestionView = (wo: WorkOrderRow) => {
    if (wo.ai_diagnosis_at) {
      const confidence =
        wo.ai_confidence === null ? null : Math.round(Number(wo.ai_confidence) * 100);
      return html`<section class="ai" aria-labelledby="ai-h" data-ai-suggestion>
        <h4 id="ai-h">AI suggestion</h4>
        <p class="muted">
          ${formatDateTime(wo.ai_diagnosis_at)}${
            confidence === null ? nothing : html` · confidence ${confidence}%`
          }
        </p>
        ${
          wo.ai_suggested_causes?.length
            ? html`<p>Likely causes:</p>
              <ol>
                ${wo.ai_suggested_causes.map((c) => html`<li>${c}</li>`)}
              </ol>`
            : html`<p>No evidence to suggest a cause yet.</p>`
        }
        ${
          wo.ai_suggested_parts?.length
            ? html`<p>Parts to bring:</p>
              <ul>
                ${wo.ai_suggested_parts.map((p) => html`<li>${p}</li>`)}
              </ul>`
            : nothing
        }
      </section>`;
    }
    if (diagnosing.has(wo.id)) {
      return html`<p class="muted" role="status">
        Diagnosis requested: the suggestion appears here when the worker finishes.
      </p>`;
    }
    return nothing;
  };

  const detailView = () => {
    if (!selected) {
      return html`<h2 id="detail-heading" tabindex="-1">Work order</h2>
        <p class="muted">Choose a work order on the board to see it and act on it.</p>
        ${actionError ? html`<p class="error" role="alert">${actionError}</p>` : nothing}`;
    }
    const wo = selected;
    const next: readonly WorkOrderStatus[] = wo.status ? WORK_ORDER_TRANSITIONS[wo.status] : [];
    const activeContractors = [...contractors.values()].filter((c) => c.is_active);
    return html`<h2 id="detail-heading" tabindex="-1">
        ${wo.work_order_number}: ${wo.title}
      </h2>
      <dl class="facts">
        <div><dt>Status</dt><dd data-field="status">${label(wo.status)}</dd></div>
        <div><dt>Priority</dt><dd>${label(wo.priority)}</dd></div>
        <div><dt>Site</dt><dd>${sites.get(wo.site_id)?.name ?? "—"}</dd></div>
        <div><dt>Lift</dt><dd>${elevators.get(wo.elevator_id)?.unit_number ?? "—"}</dd></div>
        <div>
          <dt>Assignee</dt>
          <dd>
            ${
              wo.assigned_contractor_id
                ? (contractors.get(wo.assigned_contractor_id)?.contact_name ?? "—")
                : "Unassigned"
            }
          </dd>
        </div>
        <div><dt>Due</dt><dd>${formatDateTime(wo.due_date)}</dd></div>
        ${wo.fault_code ? html`<div><dt>Fault code</dt><dd>${wo.fault_code}</dd></div>` : nothing}
      </dl>
      ${wo.description ? html`<p class="description">${wo.description}</p>` : nothing}
      ${actionError ? html`<p class="error" role="alert">${actionError}</p>` : nothing}
      ${
        can(me, "work_orders:transition") && next.length > 0
          ? html`<form class="action" @submit=${transition}>
            <p>
              <label for="transition-to">Move to</label>
              <select id="transition-to" name="to">
                ${next.map((s) => html`<option value=${s}>${label(s)}</option>`)}
              </select>
            </p>
            <p>
              <label for="transition-reason">Reason (optional)</label>
              <input id="transition-reason" name="reason" maxlength="2000" />
            </p>
            <button type="submit" ?disabled=${busy}>Move</button>
          </form>`
          : nothing
      }
      ${
        can(me, "work_orders:assign")
          ? html`<form class="action" @submit=${assign}>
            <p>
              <label for="assign-contractor">Assign to</label>
              <select id="assign-contractor" name="contractor_id">
                <option value="" ?selected=${!wo.assigned_contractor_id}>Unassigned</option>
                ${activeContractors.map(
                  (c) =>
                    html`<option value=${c.id} ?selected=${c.id === wo.assigned_contractor_id}>
                      ${c.contact_name}${c.user_id && online.has(c.user_id) ? " (online)" : ""}
                    </option>`,
                )}
              </select>
            </p>
            <button type="submit" ?disabled=${busy}>Assign</button>
          </form>`
          : nothing
      }
      ${
        can(me, "work_orders:diagnose")
          ? html`<p>
            <button type="button" class="secondary" ?disabled=${busy} @click=${diagnose}>
              Request AI diagnosis
            </button>
          </p>`
          : nothing
      }
      ${suggestionView(wo)}`;
  };

  const techniciansView = () => {
    const people = [...contractors.values()].filter((c) => c.user_id && c.is_active);
    return html`<section class="panel" aria-labelledby="techs-h">
      <h2 id="techs-h">Technicians</h2>
      ${
        people.length === 0
          ? html`<p class="muted">No technicians with a login.</p>`
          : html`<ul class="people">
            ${people.map((c) => {
              const on = online.has(c.user_id ?? "");
              return html`<li data-technician=${c.user_id ?? ""}>
                <span class="presence ${on ? "online" : "offline"}">
                  <span class="dot" aria-hidden="true"></span>${on ? "Online" : "Offline"}
                </span>
                ${c.contact_name}
              </li>`;
            })}
          </ul>`
      }
    </section>`;
  };

  const elevatorsView = () => {
    const bySite = new Map<string, ElevatorRow[]>();
    for (const e of elevators.values())
      bySite.set(e.site_id, [...(bySite.get(e.site_id) ?? []), e]);
    const siteList = [...sites.values()].filter((s) => bySite.has(s.id));
    return html`<section class="panel" aria-labelledby="lifts-h">
      <h2 id="lifts-h">Lifts by site</h2>
      <div class="sites">
        ${siteList.map(
          (s) => html`<section class="site" aria-labelledby="site-${s.id}">
            <h3 id="site-${s.id}">${s.name}</h3>
            <ul class="lifts">
              ${(bySite.get(s.id) ?? [])
                .sort((a, b) => a.unit_number.localeCompare(b.unit_number))
                .map(
                  (e) =>
                    html`<li class="lift status-${e.status ?? "operational"}" data-elevator=${e.id}>
                      <span class="unit">${e.unit_number}</span>
                      <span class="lift-status">${label(e.status)}</span>
                    </li>`,
                )}
            </ul>
          </section>`,
        )}
      </div>
    </section>`;
  };

  function draw(): void {
    if (closed) return;
    render(
      html`<h1>Dispatch board</h1>
        ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing}
        ${
          loading
            ? html`<p role="status">Loading the board…</p>`
            : html`<div class="board-layout">
              <section class="board" aria-labelledby="open-h">
                <h2 id="open-h" class="visually-hidden">Open work orders</h2>
                <div class="columns">${columns.map(columnView)}</div>
              </section>
              <div class="side">
                <section class="panel detail" aria-labelledby="detail-heading">
                  ${detailView()}
                </section>
                ${techniciansView()}
              </div>
            </div>
            ${elevatorsView()}`
        }`,
      root,
    );
  }

  draw();
  return () => {
    closed = true;
    clearTimeout(refreshTimer);
    for (const off of offs) off();
    void client.unsubscribe(orgTopic);
  };
};
