import { z } from "zod";
import {
  SERVICE_REQUEST_PRIORITIES,
  SERVICE_REQUEST_STATUSES,
  SERVICE_REQUEST_TYPES,
} from "../service-request-states.ts";
import { col } from "./columns.ts";
import { defineResource, filter, userActions } from "./define.ts";

/**
 * Service requests: a tenant's report or question to the site's organisation
 * (docs/tenant-portal.md). A tenant's portal user (or staff, on a tenant's behalf) creates
 * one for a tenant, optionally naming a lift of the tenant's site; `site_id` comes from the
 * tenant. Everything after that is a command on its own route (acknowledge, priority,
 * convert to a work order, resolve, close, feedback), or follows the linked work order, so
 * there is no PATCH and no DELETE. Rules: server/resources/service-requests.ts.
 */
export const serviceRequests = defineResource({
  table: "service_requests",
  entity: "service_request",
  realtime: "service_request",
  scope: "site",
  permissions: { read: "service_requests:read", write: "service_requests:write" },
  operations: ["list", "get", "create"],
  references: { tenant_id: "tenants" },
  audit: userActions("service_request"),
  filters: {
    status: filter.anyOf(SERVICE_REQUEST_STATUSES, "text"),
    priority: filter.eq(z.enum(SERVICE_REQUEST_PRIORITIES)),
    request_type: filter.eq(z.enum(SERVICE_REQUEST_TYPES)),
    site_id: filter.eq(z.uuid()),
    tenant_id: filter.eq(z.uuid()),
    elevator_id: filter.eq(z.uuid()),
    assigned_work_order_id: filter.eq(z.uuid()),
  },
  sort: { updated_at: "timestamp" },
  columns: {
    id: col.id(),
    site_id: col.id(),
    tenant_id: col.uuid().required().createOnly(),
    request_type: col.enum(SERVICE_REQUEST_TYPES).required().createOnly(),
    subject: col.text(255).required().createOnly(),
    description: col.string(20_000).createOnly(),
    elevator_id: col.uuid().createOnly(),
    priority: col.enum(SERVICE_REQUEST_PRIORITIES).readOnly(),
    status: col.enum(SERVICE_REQUEST_STATUSES).readOnly(),
    assigned_work_order_id: col.uuid().readOnly(),
    resolution_notes: col.string(20_000).readOnly(),
    resolved_at: col.timestamp().readOnly(),
    satisfaction_rating: col.int(1, 5).readOnly(),
    feedback_text: col.string(5_000).readOnly(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().notNull().readOnly(),
  },
});
export type ServiceRequestRow = z.infer<typeof serviceRequests.row>;
