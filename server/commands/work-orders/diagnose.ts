import { randomUUID } from "node:crypto";
import { type WorkOrderRow, workOrders } from "../../../shared/resources/work-orders.ts";
import { recordAudit } from "../../audit/record.ts";
import { enqueueAfterCommit } from "../../db/job-outbox.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { notFound } from "../../errors.ts";
import type { CommandContext } from "./context.ts";

export type DiagnosisRequest = { work_order_id: string; diagnosis_id: string; status: "queued" };

/**
 * Records `diagnosis_requested` and queues the diagnosis job, both in the caller's
 * transaction: the job exists exactly when the request (or the new work order) commits.
 * The job runs as the requesting user, so it sees exactly what they may see.
 */
export async function queueDiagnosis(
  tx: Tx,
  ctx: CommandContext,
  workOrder: Pick<WorkOrderRow, "id" | "organization_id">,
  trigger: "manual" | "automatic",
): Promise<DiagnosisRequest> {
  const diagnosisId = randomUUID();
  await recordAudit(tx, ctx.audit, {
    organizationId: workOrder.organization_id,
    eventType: "diagnosis_requested",
    entityType: "work_order",
    entityId: workOrder.id,
    data: { diagnosis_id: diagnosisId, trigger },
  });
  await enqueueAfterCommit(tx, "diagnosis.run", {
    organization_id: workOrder.organization_id,
    work_order_id: workOrder.id,
    diagnosis_id: diagnosisId,
    requested_by: ctx.principal.userId,
  });
  return { work_order_id: workOrder.id, diagnosis_id: diagnosisId, status: "queued" };
}

/** POST /work-orders/:id/diagnose. */
export async function requestDiagnosis(
  tx: Tx,
  ctx: CommandContext,
  id: string,
): Promise<DiagnosisRequest> {
  const workOrder = await rowsOf(workOrders).find(tx, id);
  if (!workOrder) throw notFound("Work order");
  return queueDiagnosis(tx, ctx, workOrder, "manual");
}

/** A new breakdown or callback that says what is wrong is diagnosed without being asked. */
export function wantsAutomaticDiagnosis(
  w: Pick<WorkOrderRow, "type" | "fault_code" | "reported_symptoms">,
): boolean {
  const described =
    Boolean(w.fault_code?.trim()) || (w.reported_symptoms ?? []).some((s) => s.trim() !== "");
  return (w.type === "breakdown" || w.type === "callback") && described;
}
