import { z } from "zod";
import { WORK_ORDER_PRIORITIES } from "../../../shared/work-order-states.ts";

export const DispatchBoardQuery = z.strictObject({
  site_id: z.uuid().optional(),
  priority: z.enum(WORK_ORDER_PRIORITIES).optional(),
  limit_per_status: z.coerce.number().int().min(1).max(200).default(50),
});
