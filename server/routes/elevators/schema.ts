import { z } from "zod";
import { ELEVATOR_STATUSES } from "../../../shared/schemas/elevator.ts";
import { decimal, isoDate, jsonObject, text } from "../../../shared/schemas/fields.ts";
import { ListQuery } from "../../http/pagination.ts";

const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();
const count = z.number().int().min(0).max(1_000_000);

/** Health scores and status_changed_at are maintained by the server, not written by clients. */
const elevatorFields = {
  serial_number: opt(text(100)),
  registration_number: opt(text(100)),
  asset_tag: opt(text(100)),
  manufacturer: opt(text(100)),
  model: opt(text(100)),
  controller_type: opt(text(100)),
  drive_type: opt(text(100)),
  machine_type: opt(text(100)),
  capacity_kg: opt(count),
  capacity_persons: opt(count),
  speed_mps: opt(decimal),
  floors_served: opt(count),
  stops: opt(count),
  travel_height_m: opt(decimal),
  door_type: opt(text(50)),
  door_width_mm: opt(count),
  car_dimensions: opt(jsonObject),
  installation_date: opt(isoDate),
  modernization_date: opt(isoDate),
  last_major_service: opt(isoDate),
  status: z.enum(ELEVATOR_STATUSES).optional(),
  status_reason: opt(z.string().max(2000)),
  last_inspection_date: opt(isoDate),
  last_inspection_result: opt(text(50)),
  next_inspection_due: opt(isoDate),
  inspection_certificate_number: opt(text(100)),
  v2_document_ids: opt(z.array(z.number().int()).max(1000)),
  known_quirks: opt(z.array(z.string().max(1000)).max(200)),
  specifications: jsonObject.optional(),
  metadata: jsonObject.optional(),
};

export const CreateElevatorBody = z.strictObject({
  site_id: z.uuid(),
  unit_number: text(50),
  ...elevatorFields,
});

/** An elevator does not move between sites; site_id is not patchable. */
export const UpdateElevatorBody = z.strictObject({
  unit_number: text(50).optional(),
  ...elevatorFields,
});

export const ListElevatorsQuery = ListQuery.extend({
  site_id: z.uuid().optional(),
  status: z.enum(ELEVATOR_STATUSES).optional(),
  manufacturer: z.string().max(100).optional(),
  inspection_due_within_days: z.coerce.number().int().min(0).max(3650).optional(),
});
