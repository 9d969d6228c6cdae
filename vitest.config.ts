import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/**/*.test.ts",
      "server/**/*.test.ts",
      "shared/**/*.test.ts",
      "workers/**/*.test.ts",
    ],
    globalSetup: ["test/setup/global.ts"],
    setupFiles: ["test/setup/per-file.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets its own database, so files run in parallel safely.
    fileParallelism: true,
    env: {
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      SITESYNC_SKIP_DOTENV: "1",
      // /metrics is off without a token; tests read it with this one (helpers/runtime.ts).
      METRICS_TOKEN: "test-metrics-token-0123456789abcdef",
    },
  },
});
