import type { AuditContext } from "../../audit/record.ts";
import type { Principal } from "../../auth/principal.ts";

/** Who runs a work order command: the caller and their audit identity. */
export type CommandContext = { principal: Principal; audit: AuditContext };
