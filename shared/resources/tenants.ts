import { z } from "zod";
import { col } from "./columns.ts";
import { defineResource, filter, userActions } from "./define.ts";

/**
 * Tenants: the occupants of a site (docs/tenant-portal.md). They belong to the organisation
 * of their site; its staff manage them, and a tenant's portal user reads its own row (RLS).
 * No DELETE (the seed has no deleted_at): a tenant that leaves is made inactive, which also
 * ends its portal. The portal user is set by `POST /tenants/:id/invite`, never written here;
 * `portal_enabled: false` switches the portal off (the portal user's sockets are ended) and
 * `true` on again once a portal user was invited.
 */
export const tenants = defineResource({
  table: "tenants",
  entity: "tenant",
  scope: "site",
  permissions: { read: "tenants:read", write: "tenants:write" },
  references: { site_id: "sites" },
  audit: userActions("tenant"),
  filters: {
    site_id: filter.eq(z.uuid()),
    is_active: filter.flag(),
    portal_enabled: filter.flag(),
  },
  sort: { name: "text", updated_at: "timestamp" },
  columns: {
    id: col.id(),
    site_id: col.uuid().required().createOnly(),
    name: col.text(255).required(),
    unit_number: col.text(50),
    floor: col.text(50),
    primary_contact_name: col.text(255),
    primary_contact_email: col.email(),
    primary_contact_phone: col.text(50),
    portal_enabled: col.bool().hasDefault(),
    portal_user_id: col.uuid().readOnly(),
    is_active: col.bool().hasDefault(),
    move_in_date: col.date(),
    move_out_date: col.date(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().notNull().readOnly(),
  },
});
export type TenantRow = z.infer<typeof tenants.row>;
