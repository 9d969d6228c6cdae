import { z } from "zod";
import { decimal, isoDate, jsonObject, money, text } from "../schemas/fields.ts";
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
  row: z.object({
    id: z.string(),
    organization_id: z.string(),
    user_id: z.string().nullable(),
    contractor_type: z.string(),
    company_name: z.string().nullable(),
    company_abn: z.string().nullable(),
    company_license: z.string().nullable(),
    contact_name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    address_line1: z.string().nullable(),
    city: z.string().nullable(),
    state: z.string().nullable(),
    postal_code: z.string().nullable(),
    license_number: z.string().nullable(),
    license_expiry: z.string().nullable(),
    insurance_policy: z.string().nullable(),
    insurance_expiry: z.string().nullable(),
    specializations: z.array(z.string()).nullable(),
    trade_types: z.array(z.string()).nullable(),
    manufacturer_certifications: z.array(z.string()).nullable(),
    hourly_rate: z.string().nullable(),
    callout_fee: z.string().nullable(),
    emergency_rate_multiplier: z.string().nullable(),
    is_active: z.boolean().nullable(),
    is_preferred: z.boolean().nullable(),
    rating: z.string().nullable(),
    total_jobs_completed: z.number().nullable(),
    first_time_fix_rate: z.string().nullable(),
    average_response_time_minutes: z.number().nullable(),
    metadata: z.unknown(),
    created_at: z.string(),
    updated_at: z.string(),
    deleted_at: z.string().nullable(),
  }),
  writable: {
    contractor_type: z.enum(CONTRACTOR_TYPES),
    contact_name: text(255),
    user_id: z.uuid().nullish(),
    company_name: text(255).nullish(),
    company_abn: text(20).nullish(),
    company_license: text(100).nullish(),
    email: z.email().max(255).nullish(),
    phone: text(50).nullish(),
    address_line1: text(255).nullish(),
    city: text(100).nullish(),
    state: text(100).nullish(),
    postal_code: text(20).nullish(),
    license_number: text(100).nullish(),
    license_expiry: isoDate.nullish(),
    insurance_policy: text(100).nullish(),
    insurance_expiry: isoDate.nullish(),
    specializations: tags.nullish(),
    trade_types: tags.nullish(),
    manufacturer_certifications: tags.nullish(),
    hourly_rate: money.nullish(),
    callout_fee: money.nullish(),
    emergency_rate_multiplier: decimal.nullish(),
    is_active: z.boolean().optional(),
    is_preferred: z.boolean().optional(),
    metadata: jsonObject.optional(),
  },
});
export type ContractorRow = z.infer<typeof contractors.row>;
