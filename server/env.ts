import { existsSync } from "node:fs";
import { z } from "zod";

/**
 * The only place that reads process.env. Every problem is reported at once so a
 * misconfigured deploy fails at boot with one readable message, not one error per restart.
 */
const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgres:// URL");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATABASE_URL: postgresUrl.default("postgres://sitesync_app:sitesync_app@127.0.0.1:5432/sitesync"),
  SERVICE_DATABASE_URL: postgresUrl.default(
    "postgres://sitesync_service:sitesync_service@127.0.0.1:5432/sitesync",
  ),
  MIGRATION_DATABASE_URL: postgresUrl.default(
    "postgres://sitesync_owner:sitesync_owner@127.0.0.1:5432/sitesync",
  ),
  /**
   * Every LISTEN connection (service role): the hub's and the job outbox relay's. LISTEN
   * holds session state, so this must reach Postgres directly, never through a transaction
   * pooler; unset, it is SERVICE_DATABASE_URL (right whenever that one is direct).
   */
  LISTEN_DATABASE_URL: postgresUrl.optional(),
  REDIS_URL: z
    .string()
    .url()
    .refine((v) => /^rediss?:\/\//.test(v), "must be a redis:// URL")
    .default("redis://127.0.0.1:6379"),
  /**
   * Redis through Sentinel: "host:port,host:port,…" of the sentinels. When set, every client
   * asks them for the current primary of REDIS_SENTINEL_NAME (and again after a failover);
   * REDIS_URL then only contributes its credentials and database number.
   */
  REDIS_SENTINELS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      const nodes = v.split(",").map((s) => s.trim());
      const parsed = nodes.map((node) => {
        const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(node);
        const port = m ? Number(m[2]) : 0;
        return m && port > 0 && port < 65536
          ? { host: (m[1] as string).replace(/^\[|\]$/g, ""), port }
          : null;
      });
      if (parsed.some((p) => p === null)) {
        ctx.addIssue({
          code: "custom",
          message: 'must be "host:port" entries separated by commas',
        });
        return z.NEVER;
      }
      return parsed.filter((p) => p !== null);
    }),
  /** The primary's name in the sentinels' configuration (`sentinel monitor <name> …`). */
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default("sitesync"),
  /** Prefixes every Redis key and pub/sub channel, so several deployments (or test files) share one Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_:-]+$/)
    .default("sitesync"),
  JWT_SECRET: z
    .string()
    .min(32, "must be at least 32 characters")
    .default("dev-only-secret-change-me-0123456789abcdef"),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REALTIME_RETENTION_HOURS: z.coerce.number().positive().default(72),
  /** Least time between two outbox reads of a hub: fewer reads per change at high rates. */
  REALTIME_READ_GAP_MS: z.coerce.number().int().min(0).max(100).default(4),
  REALTIME_READ_GAP_MAX_MS: z.coerce.number().int().min(0).max(1_000).default(100),
  BODY_LIMIT: z.string().default("1mb"),
  /**
   * Outgoing e-mail (server/mail). Either SMTP_URL (smtp:// or smtps://, credentials in
   * the URL) or SMTP_HOST with SMTP_PORT/SMTP_USER/SMTP_PASS/SMTP_SECURE. With neither,
   * development and tests use Mailpit on 127.0.0.1:1025; production refuses to start.
   */
  SMTP_URL: z
    .string()
    .url()
    .refine((v) => /^smtps?:\/\//.test(v), "must be an smtp:// or smtps:// URL")
    .optional(),
  SMTP_HOST: z.string().min(1).max(255).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SMTP_USER: z.string().min(1).max(255).optional(),
  SMTP_PASS: z.string().min(1).max(1024).optional(),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  SMTP_SECURE: z.enum(["true", "false"]).optional(),
  /** The From of every e-mail, e.g. `SiteSync <no-reply@example.com>`. */
  MAIL_FROM: z.string().min(3).max(255).default("SiteSync <no-reply@sitesync.local>"),
  /** Where the web app lives: links in e-mails (invitations, resets) point here. */
  APP_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//.test(v), "must be an http(s):// URL")
    .default("http://localhost:3000"),
  /**
   * Demo mode: GET /api/v1/demo/logins lists the demo data's logins and their shared
   * password, and the web console's login page shows them (`npm run up` turns it on). Off,
   * that route is a 404: never on a deployment with real users.
   */
  DEMO_MODE: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /**
   * Embeddings for search and diagnosis (server/ai/embeddings.ts). `lexical` works offline
   * (hashed word and character n-grams: lexical, not semantic); `openai` calls any
   * OpenAI-compatible POST {EMBEDDINGS_BASE_URL}/embeddings.
   */
  EMBEDDINGS_PROVIDER: z.enum(["lexical", "openai"]).default("lexical"),
  EMBEDDINGS_BASE_URL: z.string().url().optional(),
  EMBEDDINGS_MODEL: z.string().min(1).max(200).default("text-embedding-3-small"),
  EMBEDDINGS_API_KEY: z.string().min(1).max(1024).optional(),
  /** Optional LLM summary of a diagnosis: any OpenAI-compatible chat API. Off when unset. */
  DIAGNOSIS_LLM_BASE_URL: z.string().url().optional(),
  DIAGNOSIS_LLM_MODEL: z.string().min(1).max(200).default("gpt-4o-mini"),
  DIAGNOSIS_LLM_API_KEY: z.string().min(1).max(1024).optional(),
  /** Direct messages one user may send per minute (REST and socket together). */
  MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(30),
  /**
   * Notification delivery beyond in-app (server/notifications, docs/notifications.md).
   * `log` writes what would be sent to the log; `webpush` sends Web Push (RFC 8030, VAPID
   * RFC 8292, aes128gcm) with the VAPID key pair (`npx web-push generate-vapid-keys`).
   */
  PUSH_PROVIDER: z.enum(["log", "webpush"]).default("log"),
  VAPID_PUBLIC_KEY: z.string().min(20).max(200).optional(),
  VAPID_PRIVATE_KEY: z.string().min(20).max(200).optional(),
  /** Who push services may contact about this sender: `mailto:…` or an https URL. */
  VAPID_SUBJECT: z
    .string()
    .max(255)
    .refine((v) => /^(mailto:|https:\/\/)/.test(v), "must be a mailto: or https:// URL")
    .optional(),
  /**
   * Hosts a push subscription's endpoint may point at (comma list; `.example.com` also
   * matches its subdomains). The delivery job POSTs to these URLs, so an arbitrary one
   * would let a user aim our workers at internal addresses. Default: the browser vendors'
   * push services.
   */
  PUSH_ENDPOINT_HOSTS: z
    .string()
    .default(
      "fcm.googleapis.com,updates.push.services.mozilla.com,.push.services.mozilla.com,.notify.windows.com,web.push.apple.com,.push.apple.com",
    )
    .transform((v) =>
      v
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** `log`, or `twilio`: any gateway speaking Twilio's Messages REST API. */
  SMS_PROVIDER: z.enum(["log", "twilio"]).default("log"),
  SMS_TWILIO_BASE_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//.test(v), "must be an http(s):// URL")
    .default("https://api.twilio.com"),
  SMS_TWILIO_ACCOUNT_SID: z.string().min(1).max(100).optional(),
  SMS_TWILIO_AUTH_TOKEN: z.string().min(1).max(200).optional(),
  /** The sender number (E.164) or messaging service the SMS come from. */
  SMS_FROM: z.string().min(1).max(50).optional(),
  /** Jobs one worker process runs at once, per queue. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /**
   * How long a job's lock lasts (renewed at half of it while the job runs). A crashed
   * worker's job is taken over once its lock expires; the stalled-job check runs as often.
   */
  WORKER_LOCK_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  /** On shutdown, how long in-flight jobs may finish before they are handed back to the queue. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(10_000),
  /**
   * Bearer token GET /metrics requires (Prometheus: `authorization: { credentials: … }`).
   * Unset or empty switches /metrics off (404): the figures name routes, queues and load.
   */
  METRICS_TOKEN: z
    .union([z.literal(""), z.string().min(32, "must be at least 32 characters")])
    .optional()
    .transform((v) => v || undefined),
  /** Which roles this process plays: the API + hub, the workers, or both. */
  SITESYNC_ROLES: z
    .string()
    .default("api,workers")
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(["api", "workers"])).min(1)),
});

export type Env = z.infer<typeof EnvSchema> & { LISTEN_DATABASE_URL: string };

export class EnvError extends Error {}

export function parseEnv(source: NodeJS.ProcessEnv): Env {
  const result = EnvSchema.safeParse(source);
  if (result.success) {
    const problems = crossFieldProblems(result.data);
    if (problems.length > 0) {
      throw new EnvError(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    return {
      ...result.data,
      LISTEN_DATABASE_URL: result.data.LISTEN_DATABASE_URL ?? result.data.SERVICE_DATABASE_URL,
    };
  }
  const lines = result.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new EnvError(`Invalid configuration:\n${lines.join("\n")}`);
}

/** Rules that span several variables, reported together like the per-field ones. */
function crossFieldProblems(env: z.infer<typeof EnvSchema>): string[] {
  const problems: string[] = [];
  const production = env.NODE_ENV === "production";
  if (production && env.JWT_SECRET.startsWith("dev-only")) {
    problems.push("JWT_SECRET: set a real secret in production");
  }
  const hostParts = [env.SMTP_HOST, env.SMTP_PORT, env.SMTP_USER, env.SMTP_PASS, env.SMTP_SECURE];
  if (env.SMTP_URL && hostParts.some((v) => v !== undefined)) {
    problems.push("SMTP_URL: set either SMTP_URL or SMTP_HOST/PORT/USER/PASS/SECURE, not both");
  }
  if (
    !env.SMTP_HOST &&
    [env.SMTP_PORT, env.SMTP_USER, env.SMTP_PASS].some((v) => v !== undefined)
  ) {
    problems.push("SMTP_HOST: required when SMTP_PORT, SMTP_USER or SMTP_PASS is set");
  }
  if ((env.SMTP_USER === undefined) !== (env.SMTP_PASS === undefined)) {
    problems.push("SMTP_USER/SMTP_PASS: set both or neither");
  }
  if (env.EMBEDDINGS_PROVIDER === "openai" && !env.EMBEDDINGS_BASE_URL) {
    problems.push("EMBEDDINGS_BASE_URL: required when EMBEDDINGS_PROVIDER=openai");
  }
  if (
    env.PUSH_PROVIDER === "webpush" &&
    (!env.VAPID_PUBLIC_KEY || !env.VAPID_PRIVATE_KEY || !env.VAPID_SUBJECT)
  ) {
    problems.push(
      "VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY/VAPID_SUBJECT: required when PUSH_PROVIDER=webpush",
    );
  }
  if (
    env.SMS_PROVIDER === "twilio" &&
    (!env.SMS_TWILIO_ACCOUNT_SID || !env.SMS_TWILIO_AUTH_TOKEN || !env.SMS_FROM)
  ) {
    problems.push(
      "SMS_TWILIO_ACCOUNT_SID/SMS_TWILIO_AUTH_TOKEN/SMS_FROM: required when SMS_PROVIDER=twilio",
    );
  }
  if (production && !env.SMTP_URL && !env.SMTP_HOST) {
    problems.push("SMTP_URL: set SMTP_URL or SMTP_HOST in production (e-mail is not optional)");
  }
  return problems;
}

function load(): Env {
  // A local .env is a convenience for development; real deploys set the environment.
  if (existsSync(".env") && !process.env.SITESYNC_SKIP_DOTENV) process.loadEnvFile(".env");
  try {
    return parseEnv(process.env);
  } catch (err) {
    if (err instanceof EnvError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

export const env: Env = load();
