// Runs only the workers: `SITESYNC_ROLES=workers node server/main.ts` does the same.
process.env.SITESYNC_ROLES = "workers";
await import("../server/main.ts");
