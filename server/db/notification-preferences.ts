import { sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

const Prefs = z.object({ notification_preferences: z.unknown() });

/** The caller's stored document, locked when it is about to be changed. */
export async function storedPreferences(tx: Tx, lock = false): Promise<unknown> {
  const row = await tx.maybeOne(sql.type(Prefs)`
    SELECT notification_preferences FROM users WHERE id = app_current_user()
    ${lock ? sql.fragment`FOR UPDATE` : sql.fragment``}`);
  return row?.notification_preferences ?? null;
}

export async function storePreferences(tx: Tx, doc: Record<string, unknown>): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    UPDATE users SET notification_preferences = ${sql.jsonb(JSON.parse(JSON.stringify(doc)))}
     WHERE id = app_current_user()`);
}
