import type { GenContext } from "./context.ts";
import { generateCommunity } from "./generate-community.ts";
import { generateOrgs } from "./generate-orgs.ts";
import { generateSites } from "./generate-sites.ts";
import { generateWorkOrders } from "./generate-work.ts";
import { Rng } from "./prng.ts";
import type { Row } from "./util.ts";

/** The tables the demo data set fills, in an order that satisfies their foreign keys. */
export const DEMO_TABLES = [
  "organizations",
  "users",
  "technician_profiles",
  "manager_profiles",
  "sites",
  "elevators",
  "contractors",
  "work_orders",
  "tenants",
  "service_requests",
  "forum_categories",
  "forum_threads",
  "forum_posts",
  "forum_subscriptions",
] as const;
export type DemoTable = (typeof DEMO_TABLES)[number];
export type DemoDataset = Record<DemoTable, Row[]>;

export type GenerateOptions = {
  seed: number;
  /** 'YYYY-MM-DD'; dates are relative to it so the demo always looks current. */
  today: string;
  passwordHash: string;
};

/**
 * Builds the whole demo data set in memory, without touching the database: the same
 * (seed, today, passwordHash) always gives the same rows, ids included.
 */
export function generateDemoData(options: GenerateOptions): DemoDataset {
  const anchorMs = Date.parse(`${options.today}T00:00:00Z`);
  if (!Number.isFinite(anchorMs)) throw new Error(`invalid date: ${options.today}`);
  const root = new Rng(options.seed);
  // Each part draws from its own stream, derived from the seed and its label.
  const ctx: GenContext = {
    seed: options.seed,
    anchorMs,
    rng: (label) => root.fork(label),
    orgs: [],
  };
  const orgs = generateOrgs(ctx, options.passwordHash);
  const sites = generateSites(ctx);
  const work = generateWorkOrders(ctx);
  const community = generateCommunity(ctx, work.workOrders, options.passwordHash);
  return {
    organizations: orgs.organizations,
    users: [...orgs.users, ...community.users],
    technician_profiles: orgs.technician_profiles,
    manager_profiles: orgs.manager_profiles,
    sites: sites.sites,
    elevators: sites.elevators,
    contractors: orgs.contractors,
    work_orders: work.rows,
    tenants: community.tenants,
    service_requests: community.service_requests,
    forum_categories: community.forum_categories,
    forum_threads: community.forum_threads,
    forum_posts: community.forum_posts,
    forum_subscriptions: community.forum_subscriptions,
  };
}
