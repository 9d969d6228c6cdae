import { z } from "zod";
import { queryInt } from "./fields.ts";

/**
 * `?limit=&cursor=` of every list endpoint. The cursor is opaque to clients: pass back the
 * `next_cursor` of the previous page (server/db/keyset.ts makes and reads it).
 */
export const ListQuery = z.object({
  limit: queryInt(1, 200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

/** `{ data, next_cursor }`: one page of a list endpoint. */
export const pageOf = <T extends z.ZodType>(row: T) =>
  z.object({ data: z.array(row), next_cursor: z.string().nullable() });
