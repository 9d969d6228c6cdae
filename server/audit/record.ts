import type { Request } from "express";
import type { AuditEventType } from "../../shared/audit-events.ts";
import type { Principal } from "../auth/principal.ts";
import { insertAuditEvent } from "../db/audit-events.ts";
import type { Tx } from "../db/tenant-context.ts";

export type { AuditEventType };

/** Who did it and from where; built once per request by auditContextOf(). */
export type AuditContext = {
  actorId: string;
  actorType: "user" | "api_key" | "system";
  actorEmail?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
};

export type AuditEvent = {
  organizationId: string | null;
  eventType: AuditEventType;
  entityType: string;
  entityId: string;
  data?: Record<string, unknown>;
  previousState?: unknown;
  newState?: unknown;
};

export function auditContextOf(req: Request, principal: Principal): AuditContext {
  return {
    actorId: principal.userId,
    actorType: principal.kind === "api_key" ? "api_key" : "user",
    ip: req.ip ?? null,
    userAgent: req.get("user-agent")?.slice(0, 1000) ?? null,
    requestId: req.id ? String(req.id) : null,
  };
}

/**
 * Writes one audit event in the caller's transaction, so the record exists exactly when
 * the change does. The hash chain (previous_hash, hash, chain position) is filled by the
 * database trigger in migrations/0020_audit_chain.sql, which also serialises concurrent
 * writers of one organisation so the chain never forks.
 */
export async function recordAudit(tx: Tx, ctx: AuditContext, event: AuditEvent): Promise<void> {
  // A JSON round trip turns Dates into strings and drops undefined, as the API would.
  const json = (v: unknown) =>
    v === undefined || v === null ? null : JSON.parse(JSON.stringify(v));
  await insertAuditEvent(tx, {
    organization_id: event.organizationId,
    event_type: event.eventType,
    entity_type: event.entityType,
    entity_id: event.entityId,
    actor_id: ctx.actorId,
    actor_type: ctx.actorType,
    actor_email: ctx.actorEmail ?? null,
    event_data: json(event.data ?? {}),
    previous_state: json(event.previousState),
    new_state: json(event.newState),
    ip_address: ctx.ip ?? null,
    user_agent: ctx.userAgent ?? null,
    request_id: ctx.requestId ?? null,
  });
}
