import { z } from "zod";
import { queryInt } from "../../../shared/schemas/fields.ts";
import { WORK_ORDER_PRIORITIES } from "../../../shared/work-order-states.ts";

export const DispatchBoardQuery = z.strictObject({
  site_id: z.uuid().optional(),
  priority: z.enum(WORK_ORDER_PRIORITIES).optional(),
  limit_per_status: queryInt(1, 200).default(50),
});
