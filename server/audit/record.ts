import type { Request } from "express";
import { sql } from "slonik";
import { z } from "zod";
import type { Principal } from "../auth/principal.ts";
import type { Tx } from "../db/tenant-context.ts";

/** Labels of the seed's audit_event_type enum. */
export type AuditEventType =
  | "work_order_created"
  | "work_order_updated"
  | "work_order_assigned"
  | "work_order_started"
  | "work_order_completed"
  | "work_order_cancelled"
  | "elevator_created"
  | "elevator_updated"
  | "elevator_status_changed"
  | "inspection_scheduled"
  | "inspection_completed"
  | "inspection_failed"
  | "part_used"
  | "stock_adjusted"
  | "stock_transferred"
  | "labor_logged"
  | "diagnosis_requested"
  | "diagnosis_completed"
  | "document_uploaded"
  | "document_linked"
  | "document_accessed"
  | "user_login"
  | "user_logout"
  | "user_created"
  | "user_updated"
  | "permission_changed"
  | "password_changed"
  | "mfa_enabled"
  | "settings_changed"
  | "contribution_created"
  | "contribution_approved"
  | "thread_created"
  | "post_created"
  | "job_posted"
  | "application_submitted"
  | "user_action";

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
    v === undefined || v === null ? null : sql.jsonb(JSON.parse(JSON.stringify(v)));
  await tx.query(sql.type(z.object({}))`
    INSERT INTO audit_events (
      organization_id, event_type, entity_type, entity_id, actor_id, actor_type, actor_email,
      event_data, previous_state, new_state, ip_address, user_agent, request_id, hash)
    VALUES (
      ${event.organizationId}, ${event.eventType}, ${event.entityType}, ${event.entityId},
      ${ctx.actorId}, ${ctx.actorType}, ${ctx.actorEmail ?? null},
      ${json(event.data ?? {})}, ${json(event.previousState)}, ${json(event.newState)},
      ${ctx.ip ?? null}, ${ctx.userAgent ?? null}, ${ctx.requestId ?? null}, '')`);
}
