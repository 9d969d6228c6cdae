import { z } from "zod";
import { col } from "./columns.ts";
import { defineResource, filter, userActions } from "./define.ts";

export const CONTRACTOR_TYPES = ["employee", "subcontractor", "vendor", "company"] as const;

const tags = z.array(z.string().trim().min(1).max(100)).max(100);

/**
 * Contractors: who work orders are assigned to. Rates are exact decimal strings.
 * Performance figures (rating, jobs completed, fix rate, response time) are computed, not
 * written. A contractor may link to a platform user, but only to one of our organisation.
 */
export const contractors = defineResource({
  table: "contractors",
  entity: "contractor",
  scope: "organization",
  permissions: { read: "contractors:read", write: "contractors:write" },
  softDelete: true,
  references: { user_id: "users" },
  audit: userActions("contractor"),
  filters: {
    contractor_type: filter.eq(z.enum(CONTRACTOR_TYPES)),
    is_active: filter.flag(),
    is_preferred: filter.flag(),
    specialization: filter.contains("specializations"),
  },
  sort: { contact_name: "text", updated_at: "timestamp" },
  columns: {
    id: col.id(),
    organization_id: col.id(),
    user_id: col.uuid(),
    contractor_type: col.enum(CONTRACTOR_TYPES).required(),
    company_name: col.text(255),
    company_abn: col.text(20),
    company_license: col.text(100),
    contact_name: col.text(255).required(),
    email: col.email(),
    phone: col.text(50),
    address_line1: col.text(255),
    city: col.text(100),
    state: col.text(100),
    postal_code: col.text(20),
    license_number: col.text(100),
    license_expiry: col.date(),
    insurance_policy: col.text(100),
    insurance_expiry: col.date(),
    specializations: col.textArray().write(tags),
    trade_types: col.textArray().write(tags),
    manufacturer_certifications: col.textArray().write(tags),
    hourly_rate: col.money(),
    callout_fee: col.money(),
    emergency_rate_multiplier: col.decimal(),
    is_active: col.bool().hasDefault(),
    is_preferred: col.bool().hasDefault(),
    rating: col.decimal().readOnly(),
    total_jobs_completed: col.int().readOnly(),
    first_time_fix_rate: col.decimal().readOnly(),
    average_response_time_minutes: col.int().readOnly(),
    metadata: col.json().hasDefault(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().notNull().readOnly(),
    deleted_at: col.timestamp().readOnly(),
  },
});
export type ContractorRow = z.infer<typeof contractors.row>;
