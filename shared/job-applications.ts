/**
 * A job application's statuses (the seed's application_status enum) and how the employer
 * moves one along (server/commands/jobs/application-status.ts, docs/notifications.md):
 * forward through the pipeline, or to `rejected`
 * from any open status. `withdrawn` is the applicant's, not the employer's; `hired`,
 * `rejected` and `withdrawn` are final.
 */
export const APPLICATION_STATUSES = [
  "submitted",
  "viewed",
  "shortlisted",
  "interviewing",
  "offered",
  "hired",
  "rejected",
  "withdrawn",
] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/** What the employer may set. */
export const EMPLOYER_APPLICATION_STATUSES = [
  "viewed",
  "shortlisted",
  "interviewing",
  "offered",
  "hired",
  "rejected",
] as const satisfies readonly ApplicationStatus[];
export type EmployerApplicationStatus = (typeof EMPLOYER_APPLICATION_STATUSES)[number];

const PIPELINE: readonly ApplicationStatus[] = [
  "submitted",
  "viewed",
  "shortlisted",
  "interviewing",
  "offered",
  "hired",
];
export const FINAL_APPLICATION_STATUSES: readonly ApplicationStatus[] = [
  "hired",
  "rejected",
  "withdrawn",
];

export function canMoveApplication(from: ApplicationStatus, to: EmployerApplicationStatus) {
  if (FINAL_APPLICATION_STATUSES.includes(from)) return false;
  if (to === "rejected") return true;
  return PIPELINE.indexOf(to) > PIPELINE.indexOf(from);
}
