import { z } from "zod";
import { CONTRACTOR_TYPES } from "../../../shared/schemas/contractor.ts";
import {
  decimal,
  isoDate,
  jsonObject,
  money,
  queryBoolean,
  text,
} from "../../../shared/schemas/fields.ts";
import { ListQuery } from "../../http/pagination.ts";

const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();
const tags = z.array(z.string().trim().min(1).max(100)).max(100);

/** Performance figures (rating, jobs completed, fix rate, response time) are computed, not written. */
const contractorFields = {
  user_id: opt(z.uuid()),
  company_name: opt(text(255)),
  company_abn: opt(text(20)),
  company_license: opt(text(100)),
  email: opt(z.email().max(255)),
  phone: opt(text(50)),
  address_line1: opt(text(255)),
  city: opt(text(100)),
  state: opt(text(100)),
  postal_code: opt(text(20)),
  license_number: opt(text(100)),
  license_expiry: opt(isoDate),
  insurance_policy: opt(text(100)),
  insurance_expiry: opt(isoDate),
  specializations: opt(tags),
  trade_types: opt(tags),
  manufacturer_certifications: opt(tags),
  hourly_rate: opt(money),
  callout_fee: opt(money),
  emergency_rate_multiplier: opt(decimal),
  is_active: z.boolean().optional(),
  is_preferred: z.boolean().optional(),
  metadata: jsonObject.optional(),
};

export const CreateContractorBody = z.strictObject({
  contractor_type: z.enum(CONTRACTOR_TYPES),
  contact_name: text(255),
  ...contractorFields,
});

export const UpdateContractorBody = z.strictObject({
  contractor_type: z.enum(CONTRACTOR_TYPES).optional(),
  contact_name: text(255).optional(),
  ...contractorFields,
});

export const ListContractorsQuery = ListQuery.extend({
  contractor_type: z.enum(CONTRACTOR_TYPES).optional(),
  is_active: queryBoolean.optional(),
  is_preferred: queryBoolean.optional(),
  specialization: z.string().max(100).optional(),
});
