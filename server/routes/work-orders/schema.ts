import { z } from "zod";
import { WORK_ORDER_STATUSES } from "../../../shared/work-order-states.ts";

export const TransitionBody = z.strictObject({
  to: z.enum(WORK_ORDER_STATUSES),
  reason: z.string().trim().max(2000).nullable().optional(),
  /**
   * For the tenants of linked service requests: their resolution notes when this
   * transition resolves them (completed); ignored otherwise. Without it they read a
   * default sentence naming the work order (docs/tenant-portal.md).
   */
  tenant_note: z.string().trim().min(1).max(2000).nullable().optional(),
});

export const AssignBody = z.strictObject({ contractor_id: z.uuid().nullable() });

/** 202 answer of POST /work-orders/:id/diagnose: the diagnosis is queued (docs/workers.md). */
export const DiagnosisQueued = z.object({
  work_order_id: z.uuid(),
  diagnosis_id: z.uuid(),
  status: z.literal("queued"),
});
