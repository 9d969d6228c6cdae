/**
 * Roles within an organisation and what each may do. One matrix for REST routes, socket
 * subscriptions and API key scopes (a key's scopes are permission names). Documented in
 * docs/permissions.md; keep the two in step.
 */
export const STAFF_ROLES = [
  "owner",
  "admin",
  "manager",
  "user",
  "technician",
  "readonly",
  "guest",
] as const;
/**
 * `tenant` is a tenant portal user (docs/tenant-portal.md): it belongs to no organisation
 * and is never given by invitation to one or by a role change; `POST /tenants/:id/invite`
 * creates it.
 */
export const ROLES = [...STAFF_ROLES, "tenant"] as const;
export type Role = (typeof ROLES)[number];
export type StaffRole = (typeof STAFF_ROLES)[number];

export const PERMISSIONS = [
  "org:read",
  "org:update",
  "users:read",
  "users:manage",
  "profiles:read",
  "profiles:write",
  "sites:read",
  "sites:write",
  "elevators:read",
  "elevators:write",
  "contractors:read",
  "contractors:write",
  "work_orders:read",
  "work_orders:write",
  "work_orders:assign",
  "work_orders:transition",
  "work_orders:diagnose",
  "dispatch:read",
  "search:read",
  "tenants:read",
  "tenants:write",
  "service_requests:read",
  "service_requests:write",
  "service_requests:manage",
  "audit:read",
  "api_keys:manage",
  "realtime:org",
  "messages:read",
  "messages:write",
  "notifications:read",
  "jobs:manage",
  "forum:read",
  "forum:write",
  "forum:moderate",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * A person's own inbox: every role (a guest, or a platform user of no organisation, still
 * gets direct messages and notifications). Never an API key's: an integration does not
 * read or write a person's messages (principalCan refuses them, and keys cannot be
 * created with them).
 */
const PERSONAL: Permission[] = ["messages:read", "messages:write", "notifications:read"];
export const SESSION_ONLY_PERMISSIONS: readonly Permission[] = PERSONAL;
export const API_KEY_SCOPES = PERMISSIONS.filter((p) => !SESSION_ONLY_PERMISSIONS.includes(p));

const READ: Permission[] = [
  "org:read",
  "users:read",
  "profiles:read",
  "sites:read",
  "elevators:read",
  "contractors:read",
  "work_orders:read",
  "dispatch:read",
  "search:read",
  "tenants:read",
  "service_requests:read",
  "forum:read",
];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  manager: [
    ...READ,
    "profiles:write",
    "sites:write",
    "elevators:write",
    "contractors:write",
    "work_orders:write",
    "work_orders:assign",
    "work_orders:transition",
    "work_orders:diagnose",
    "audit:read",
    "realtime:org",
    "jobs:manage",
    ...PERSONAL,
    "tenants:write",
    "service_requests:write",
    "service_requests:manage",
    "forum:write",
  ],
  user: [
    ...READ,
    "profiles:write",
    "work_orders:write",
    "work_orders:diagnose",
    "realtime:org",
    ...PERSONAL,
    "service_requests:write",
    "forum:write",
  ],
  technician: [
    ...READ,
    "profiles:write",
    "work_orders:transition",
    "work_orders:diagnose",
    "elevators:write",
    "realtime:org",
    ...PERSONAL,
    "forum:write",
  ],
  readonly: [...READ, "realtime:org", ...PERSONAL],
  // A tenant portal user: its tenant rows and their requests (row-level security decides
  // which), opening and rating requests, its own notifications. Nothing of any
  // organisation's operations, and no direct messages.
  tenant: ["tenants:read", "service_requests:read", "service_requests:write", "notifications:read"],
  // Guests see their own profile and inbox and nothing of the organisation's operations;
  // they may read the forums their categories' visibility admits them to, not post.
  guest: ["org:read", "profiles:read", "profiles:write", ...PERSONAL, "forum:read"],
};

export function roleCan(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
