import { recordAudit } from "../../audit/record.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { findWorkOrder, updateWorkOrder } from "../../db/work-orders.ts";
import { notFound } from "../../errors.ts";
import type { CommandContext } from "./context.ts";
import { checkParent, checkReporter } from "./references.ts";

export type UpdateWorkOrderInput = Record<string, unknown> & {
  parent_work_order_id?: string | null;
  reporter_user_id?: string | null;
};

/** PATCH: the fields given. Status, number, organisation, site and elevator are not among them. */
export async function updateWorkOrderFields(
  tx: Tx,
  ctx: CommandContext,
  id: string,
  input: UpdateWorkOrderInput,
) {
  const before = await findWorkOrder(tx, id, { forUpdate: true });
  if (!before) throw notFound("Work order");
  if (input.parent_work_order_id) await checkParent(tx, input.parent_work_order_id, id);
  if (input.reporter_user_id) await checkReporter(tx, input.reporter_user_id);
  const after = await updateWorkOrder(tx, id, input);
  if (!after) throw notFound("Work order");
  await recordAudit(tx, ctx.audit, {
    organizationId: after.organization_id,
    eventType: "work_order_updated",
    entityType: "work_order",
    entityId: id,
    data: { fields: Object.keys(input) },
    previousState: before,
    newState: after,
  });
  return after;
}
