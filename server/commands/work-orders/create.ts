import { recordAudit } from "../../audit/record.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { insertWorkOrder } from "../../db/work-orders.ts";
import { unauthorized } from "../../errors.ts";
import type { CommandContext } from "./context.ts";
import { checkParent, checkReporter, checkSiteAndElevator } from "./references.ts";

export type CreateWorkOrderInput = Record<string, unknown> & {
  site_id: string;
  elevator_id: string;
  parent_work_order_id?: string | null;
  reporter_user_id?: string | null;
};

/** Creates a work order (draft or pending); the number comes from the database trigger. */
export async function createWorkOrder(tx: Tx, ctx: CommandContext, input: CreateWorkOrderInput) {
  const organizationId = ctx.principal.organizationId;
  if (!organizationId) throw unauthorized("An organisation is required");
  await checkSiteAndElevator(tx, input.site_id, input.elevator_id);
  if (input.parent_work_order_id) await checkParent(tx, input.parent_work_order_id, null);
  if (input.reporter_user_id) await checkReporter(tx, input.reporter_user_id);
  const created = await insertWorkOrder(tx, {
    ...input,
    organization_id: organizationId,
    created_by: ctx.principal.userId,
  });
  await recordAudit(tx, ctx.audit, {
    organizationId,
    eventType: "work_order_created",
    entityType: "work_order",
    entityId: created.id,
    data: { work_order_number: created.work_order_number, status: created.status },
    newState: created,
  });
  return created;
}
