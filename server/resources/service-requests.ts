import { serviceRequests } from "../../shared/resources/service-requests.ts";
import { tenants } from "../../shared/resources/tenants.ts";
import { rowsOf } from "../db/resource-rows.ts";
import { tenantSiteElevator } from "../db/tenants.ts";
import { unprocessable } from "../errors.ts";
import { serve } from "./rules.ts";

/**
 * A request is opened for a tenant the caller can see (its portal user sees only its own
 * tenants; staff the tenants of their sites; checked by the definition's reference), at
 * that tenant's site, optionally about one of that site's lifts. It starts open at normal
 * priority; migration 0095's guard refuses anything else from a portal user.
 */
export const serviceRequestRules = serve(serviceRequests, {
  async beforeCreate({ tx }, body) {
    const tenant = await rowsOf(tenants).find(tx, body.tenant_id);
    if (!tenant?.is_active) throw unprocessable("tenant_id does not refer to an active tenant");
    if (body.elevator_id && !(await tenantSiteElevator(tx, tenant.id, body.elevator_id))) {
      throw unprocessable("elevator_id does not refer to a lift of the tenant's site");
    }
    return { site_id: tenant.site_id };
  },
  auditCreated: (row) => ({ request_type: row.request_type, tenant_id: row.tenant_id }),
});
