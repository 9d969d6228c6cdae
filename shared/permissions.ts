/**
 * Roles within an organisation and what each may do. One matrix for REST routes, socket
 * subscriptions and API key scopes (a key's scopes are permission names). Documented in
 * docs/permissions.md; keep the two in step.
 */
export const ROLES = [
  "owner",
  "admin",
  "manager",
  "user",
  "technician",
  "readonly",
  "guest",
] as const;
export type Role = (typeof ROLES)[number];

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
  "audit:read",
  "api_keys:manage",
  "realtime:org",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

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
  ],
  user: [...READ, "profiles:write", "work_orders:write", "work_orders:diagnose", "realtime:org"],
  technician: [
    ...READ,
    "profiles:write",
    "work_orders:transition",
    "work_orders:diagnose",
    "elevators:write",
    "realtime:org",
  ],
  readonly: [...READ, "realtime:org"],
  // Guests see their own profile and nothing of the organisation's operations.
  guest: ["org:read", "profiles:read", "profiles:write"],
};

export function roleCan(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
