import { randomUUID } from "node:crypto";
import express, { type Express } from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import { countOutbox } from "./db/job-outbox.ts";
import { notFound } from "./errors.ts";
import { requireMetricsToken } from "./http/auth.ts";
import { consoleRouter } from "./http/console.ts";
import { errorHandler } from "./http/error-handler.ts";
import { buildOpenApi } from "./http/openapi.ts";
import { routeCatalog } from "./http/route-catalog.ts";
import { ADMIN_QUEUES_PATH, adminBoard } from "./jobs/admin-board.ts";
import { queuesOf } from "./jobs/runtime-queues.ts";
import { logger } from "./logger.ts";
import { httpDuration, registry, watchQueues } from "./metrics.ts";
import { apiRouter } from "./routes/index.ts";
import { NAMED_SCHEMAS } from "./routes/schemas.ts";
import type { Runtime } from "./runtime.ts";

async function withTimeout<T>(p: Promise<T> | T, ms: number): Promise<T> {
  return Promise.race([
    Promise.resolve(p),
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms)),
  ]);
}

export function createApp(runtime: Runtime): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(
    helmet({
      contentSecurityPolicy: {
        // The console is served over plain HTTP in development (http://<host>:3000): an
        // upgrade to https would break its scripts there. HSTS still applies behind TLS.
        directives: { upgradeInsecureRequests: null },
      },
    }),
  );
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers["x-request-id"];
        const id = typeof given === "string" && /^[\w-]{1,100}$/.test(given) ? given : randomUUID();
        res.setHeader("x-request-id", id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/metrics" },
    }),
  );
  app.use((req, res, next) => {
    const end = httpDuration.startTimer({ method: req.method });
    res.on("finish", () =>
      end({ route: req.route?.path ?? "unmatched", status: String(res.statusCode) }),
    );
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/readyz", async (_req, res) => {
    const checks: Record<string, boolean> = {};
    await Promise.all(
      runtime.readiness.map(async ({ name, check }) => {
        checks[name] = await withTimeout(check(), 2_000).catch(() => false);
      }),
    );
    const ok = Object.values(checks).every(Boolean);
    res.status(ok ? 200 : 503).json({ ok, checks });
  });
  app.get("/metrics", requireMetricsToken(runtime.env.METRICS_TOKEN), async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  const queues = () => queuesOf(runtime);
  const unwatch = watchQueues(
    async () => (await queues()).queues.values(),
    () => countOutbox(runtime.serviceDb),
  );
  runtime.closers.push(async () => unwatch());
  app.use(ADMIN_QUEUES_PATH, adminBoard(runtime, queues));

  app.use(express.json({ limit: runtime.env.BODY_LIMIT, strict: true }));
  const api = apiRouter(runtime);
  let openApi: unknown;
  app.get("/api/v1/openapi.json", (_req, res) => {
    openApi ??= buildOpenApi(routeCatalog(api, "/api/v1"), NAMED_SCHEMAS);
    res.json(openApi);
  });
  app.use("/api/v1", api);
  app.use(consoleRouter());
  app.use((_req, _res, next) => next(notFound("Route")));
  app.use(errorHandler);
  return app;
}
