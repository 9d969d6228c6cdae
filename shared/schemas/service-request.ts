import { z } from "zod";

const SERVICE_REQUEST_TYPES = [
  "issue_report",
  "inquiry",
  "move_request",
  "access_request",
] as const;
const SERVICE_REQUEST_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
const SERVICE_REQUEST_STATUSES = [
  "open",
  "acknowledged",
  "in_progress",
  "resolved",
  "closed",
] as const;

/** A tenant's service request (a building occupant's report or question), snake_case. */
export const ServiceRequestRow = z.object({
  id: z.string(),
  site_id: z.string(),
  tenant_id: z.string().nullable(),
  request_type: z.enum(SERVICE_REQUEST_TYPES),
  subject: z.string(),
  description: z.string().nullable(),
  elevator_id: z.string().nullable(),
  priority: z.enum(SERVICE_REQUEST_PRIORITIES).nullable(),
  status: z.enum(SERVICE_REQUEST_STATUSES).nullable(),
  assigned_work_order_id: z.string().nullable(),
  resolution_notes: z.string().nullable(),
  resolved_at: z.string().nullable(),
  satisfaction_rating: z.number().nullable(),
  feedback_text: z.string().nullable(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type ServiceRequestRow = z.infer<typeof ServiceRequestRow>;
