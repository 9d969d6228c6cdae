import { sql } from "slonik";
import { z } from "zod";
import { APPLICATION_STATUSES } from "../../shared/job-applications.ts";
import type { Tx } from "./tenant-context.ts";

/** What the employer's status route answers (no employer notes, no match details). */
export const JobApplicationRow = z.object({
  id: z.string(),
  job_listing_id: z.string(),
  applicant_id: z.string(),
  status: z.enum(APPLICATION_STATUSES),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
});
export type JobApplicationRow = z.infer<typeof JobApplicationRow>;

const COLUMNS = sql.fragment`a.id, a.job_listing_id, a.applicant_id, a.status, a.created_at, a.updated_at`;

/**
 * An application to one of the caller's organisation's listings, locked for a status
 * change, with the listing's title. An applicant's own application is not returned here:
 * this is the employer's side (RLS alone would show it to the applicant too).
 */
export function lockEmployerApplication(tx: Tx, id: string) {
  return tx.maybeOne(sql.type(JobApplicationRow.extend({ listing_title: z.string() }))`
    SELECT ${COLUMNS}, l.title AS listing_title
      FROM job_applications a JOIN job_listings l ON l.id = a.job_listing_id
     WHERE a.id = ${id} AND l.organization_id = app_current_org()
       FOR UPDATE OF a`);
}

export function setApplicationStatus(tx: Tx, id: string, status: string) {
  return tx.one(sql.type(JobApplicationRow)`
    UPDATE job_applications a SET status = ${status}::application_status
     WHERE a.id = ${id}
    RETURNING ${COLUMNS}`);
}
