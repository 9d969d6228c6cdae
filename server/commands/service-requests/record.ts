import type { ServiceRequestRow } from "../../../shared/resources/service-requests.ts";
import { serviceRequests } from "../../../shared/resources/service-requests.ts";
import { recordAudit } from "../../audit/record.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import { serviceRequestAccess } from "../../db/service-requests.ts";
import { forbidden, notFound } from "../../errors.ts";
import type { ResourceContext } from "../../resources/rules.ts";
import { auditOrganization } from "../../resources/service.ts";

export const requests = rowsOf(serviceRequests);

/**
 * The request, locked for the rest of the command, when the caller is staff of its site;
 * 404 when invisible, 403 when it is visible only as the caller's own tenant's request.
 */
export async function lockForStaff(ctx: ResourceContext, id: string): Promise<ServiceRequestRow> {
  const access = await serviceRequestAccess(ctx.tx, id);
  if (!access) throw notFound("Service request");
  if (!access.staff) throw forbidden("Only the site's organisation may do this");
  const row = await requests.find(ctx.tx, id, "update");
  if (!row) throw notFound("Service request");
  return row;
}

/** One action on a request, in its site organisation's audit trail (user_action). */
export async function auditRequest(
  ctx: ResourceContext,
  action: string,
  before: ServiceRequestRow | null,
  after: ServiceRequestRow,
  data: Record<string, unknown> = {},
) {
  await recordAudit(ctx.tx, ctx.audit, {
    organizationId: await auditOrganization(ctx, serviceRequests, after),
    eventType: "user_action",
    entityType: "service_request",
    entityId: after.id,
    data: { action, ...data },
    previousState: before,
    newState: after,
  });
}
