import { pino } from "pino";
import { env } from "./env.ts";

/** JSON logs on stdout; one logger for the whole process, children per component. */
export const logger = pino({
  level: env.LOG_LEVEL,
  base: { service: "sitesync" },
  redact: ["req.headers.authorization", "password", "refresh_token", "access_token"],
});
