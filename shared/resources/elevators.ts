import { z } from "zod";
import { decimal, isoDate, jsonObject, text } from "../schemas/fields.ts";
import { defineResource, filter } from "./define.ts";

export const ELEVATOR_STATUSES = [
  "operational",
  "degraded",
  "out_of_service",
  "maintenance",
  "decommissioned",
] as const;
export type ElevatorStatus = (typeof ELEVATOR_STATUSES)[number];

const count = z.number().int().min(0).max(1_000_000);

/**
 * Elevators (assets). Dates are 'YYYY-MM-DD', decimals strings. An elevator does not move
 * between sites (site_id is set at creation only); health scores and status_changed_at
 * are maintained by the server. A status change is its own audit event
 * (server/resources/elevators.ts). A duplicate unit_number at a site is a 409.
 */
export const elevators = defineResource({
  table: "elevators",
  entity: "elevator",
  realtime: "elevator",
  scope: "organization",
  permissions: { read: "elevators:read", write: "elevators:write" },
  softDelete: true,
  references: { site_id: "sites" },
  audit: {
    created: "elevator_created",
    updated: "elevator_updated",
    deleted: { type: "elevator_updated", action: "elevator_deleted" },
  },
  filters: {
    site_id: filter.eq(z.uuid()),
    status: filter.eq(z.enum(ELEVATOR_STATUSES)),
    manufacturer: filter.eq(z.string().max(100)),
    inspection_due_within_days: filter.withinDays("next_inspection_due"),
  },
  sort: { unit_number: "text", updated_at: "timestamp" },
  row: z.object({
    id: z.string(),
    organization_id: z.string(),
    site_id: z.string(),
    unit_number: z.string(),
    serial_number: z.string().nullable(),
    registration_number: z.string().nullable(),
    asset_tag: z.string().nullable(),
    manufacturer: z.string().nullable(),
    model: z.string().nullable(),
    controller_type: z.string().nullable(),
    drive_type: z.string().nullable(),
    machine_type: z.string().nullable(),
    capacity_kg: z.number().nullable(),
    capacity_persons: z.number().nullable(),
    speed_mps: z.string().nullable(),
    floors_served: z.number().nullable(),
    stops: z.number().nullable(),
    travel_height_m: z.string().nullable(),
    door_type: z.string().nullable(),
    door_width_mm: z.number().nullable(),
    car_dimensions: z.unknown(),
    installation_date: z.string().nullable(),
    modernization_date: z.string().nullable(),
    last_major_service: z.string().nullable(),
    status: z.enum(ELEVATOR_STATUSES).nullable(),
    status_changed_at: z.string().nullable(),
    status_reason: z.string().nullable(),
    last_inspection_date: z.string().nullable(),
    last_inspection_result: z.string().nullable(),
    next_inspection_due: z.string().nullable(),
    inspection_certificate_number: z.string().nullable(),
    health_score: z.number().nullable(),
    health_score_updated_at: z.string().nullable(),
    v2_document_ids: z.array(z.number()).nullable(),
    known_quirks: z.array(z.string()).nullable(),
    specifications: z.unknown(),
    metadata: z.unknown(),
    created_at: z.string(),
    updated_at: z.string(),
    deleted_at: z.string().nullable(),
  }),
  createOnly: { site_id: z.uuid() },
  writable: {
    unit_number: text(50),
    serial_number: text(100).nullish(),
    registration_number: text(100).nullish(),
    asset_tag: text(100).nullish(),
    manufacturer: text(100).nullish(),
    model: text(100).nullish(),
    controller_type: text(100).nullish(),
    drive_type: text(100).nullish(),
    machine_type: text(100).nullish(),
    capacity_kg: count.nullish(),
    capacity_persons: count.nullish(),
    speed_mps: decimal.nullish(),
    floors_served: count.nullish(),
    stops: count.nullish(),
    travel_height_m: decimal.nullish(),
    door_type: text(50).nullish(),
    door_width_mm: count.nullish(),
    car_dimensions: jsonObject.nullish(),
    installation_date: isoDate.nullish(),
    modernization_date: isoDate.nullish(),
    last_major_service: isoDate.nullish(),
    status: z.enum(ELEVATOR_STATUSES).optional(),
    status_reason: z.string().max(2000).nullish(),
    last_inspection_date: isoDate.nullish(),
    last_inspection_result: text(50).nullish(),
    next_inspection_due: isoDate.nullish(),
    inspection_certificate_number: text(100).nullish(),
    v2_document_ids: z.array(z.number().int()).max(1000).nullish(),
    known_quirks: z.array(z.string().max(1000)).max(200).nullish(),
    specifications: jsonObject.optional(),
    metadata: jsonObject.optional(),
  },
});
export type ElevatorRow = z.infer<typeof elevators.row>;
