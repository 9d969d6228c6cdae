import { z } from "zod";

export const CONTRACTOR_TYPES = ["employee", "subcontractor", "vendor", "company"] as const;

/** A contractor as the API returns it. Rates are exact decimal strings. */
export const ContractorRow = z.object({
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
});
export type ContractorRow = z.infer<typeof ContractorRow>;
