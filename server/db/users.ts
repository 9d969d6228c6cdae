import { type DatabasePool, type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import type { Page } from "./keyset.ts";
import { findRow, listRows, type ResourceTable, updateRow } from "./resource-table.ts";
import { type ColumnKinds, columnsOf, setClause } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/** A user as the API shows it: never the password hash. */
export const UserRow = z.object({
  id: z.string(),
  organization_id: z.string().nullable(),
  email: z.string(),
  email_verified: z.boolean().nullable(),
  email_verified_at: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  display_name: z.string().nullable(),
  phone: z.string().nullable(),
  avatar_url: z.string().nullable(),
  bio: z.string().nullable(),
  user_type: z.string(),
  role: z.string().nullable(),
  city: z.string().nullable(),
  state: z.string().nullable(),
  country: z.string().nullable(),
  timezone: z.string().nullable(),
  is_active: z.boolean().nullable(),
  last_login_at: z.string().nullable(),
  last_activity_at: z.string().nullable(),
  notification_preferences: z.unknown(),
  privacy_settings: z.unknown(),
  preferences: z.unknown(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  deleted_at: z.string().nullable(),
});
export type UserRow = z.infer<typeof UserRow>;

/** Users are soft-deleted (deleted_at, and is_active turned off by softDeleteUser). */
const USERS: ResourceTable<typeof UserRow> = {
  name: "users",
  alias: "u",
  row: UserRow,
  kinds: {},
  softDeletes: true,
};

/** Fields a user edits on their own profile (admins may edit them for colleagues too). */
export const USER_PROFILE_EDITABLE: ColumnKinds = {
  first_name: "value",
  last_name: "value",
  display_name: "value",
  phone: "value",
  avatar_url: "value",
  bio: "value",
  city: "value",
  state: "value",
  country: "value",
  timezone: "value",
  notification_preferences: "jsonb",
  privacy_settings: "jsonb",
  preferences: "jsonb",
};

export async function insertUser(
  tx: Tx,
  user: {
    id?: string;
    organization_id: string;
    email: string;
    password_hash: string | null;
    role: string;
    first_name?: string | null;
    last_name?: string | null;
    /** True when the caller has just proved the address (a registration link). */
    email_verified?: boolean;
  },
): Promise<UserRow> {
  const verified = user.email_verified ?? false;
  return tx.one(sql.type(UserRow)`
    INSERT INTO users (id, organization_id, email, password_hash, role, first_name, last_name,
                       email_verified, email_verified_at)
    VALUES (${user.id ?? sql.fragment`gen_random_uuid()`}, ${user.organization_id}, ${user.email},
            ${user.password_hash}, ${user.role}, ${user.first_name ?? null}, ${user.last_name ?? null},
            ${verified}, ${verified ? sql.fragment`now()` : null})
    RETURNING ${columnsOf(UserRow)}`);
}

/**
 * A tenant portal user (docs/tenant-portal.md): no organisation, the `tenant` role, no
 * password until the invitation is accepted. Inserted without RETURNING: the inviting
 * staff may only see it once one of their tenants names it (migration 0095).
 */
export async function insertTenantPortalUser(
  tx: Tx,
  user: { id: string; email: string; first_name?: string | null; last_name?: string | null },
): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    INSERT INTO users (id, organization_id, email, password_hash, role, first_name, last_name)
    VALUES (${user.id}, NULL, ${user.email}, NULL, 'tenant', ${user.first_name ?? null},
            ${user.last_name ?? null})`);
}

const LoginCandidate = z.object({
  id: z.string(),
  email: z.string(),
  organization_id: z.string().nullable(),
  password_hash: z.string().nullable(),
  usable: z.boolean(),
});
export type LoginCandidate = z.infer<typeof LoginCandidate>;

/**
 * Looks a user up by email before any request context exists. Runs on the service pool
 * (BYPASSRLS) because RLS hides every users row until app.current_user is known, and
 * login is exactly how it becomes known. Returns only what login needs.
 */
export async function findLoginCandidate(
  serviceDb: DatabasePool,
  email: string,
): Promise<LoginCandidate | null> {
  return serviceDb.maybeOne(sql.type(LoginCandidate)`
    SELECT id, email, organization_id, password_hash,
           (coalesce(is_active, false) AND deleted_at IS NULL) AS usable
      FROM users WHERE lower(email) = lower(${email})`);
}

export async function getUser(tx: Tx, id: string): Promise<UserRow | null> {
  return findRow(tx, USERS, id);
}

/** A colleague in the current organisation, locked for a membership change. */
export async function lockOrgUser(
  tx: Tx,
  organizationId: string,
  id: string,
): Promise<UserRow | null> {
  return tx.maybeOne(sql.type(UserRow)`
    SELECT ${columnsOf(UserRow)} FROM users
     WHERE id = ${id} AND organization_id = ${organizationId} AND deleted_at IS NULL
     FOR UPDATE`);
}

export type UserFilters = { role?: string; is_active?: boolean; q?: string };

export async function listUsers(tx: Tx, organizationId: string, query: UserFilters & Page) {
  const conditions: FragmentSqlToken[] = [sql.fragment`u.organization_id = ${organizationId}`];
  if (query.role) conditions.push(sql.fragment`u.role = ${query.role}`);
  if (query.is_active !== undefined)
    conditions.push(sql.fragment`u.is_active = ${query.is_active}`);
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(sql.fragment`(u.email ILIKE ${like} OR u.first_name ILIKE ${like}
      OR u.last_name ILIKE ${like} OR u.display_name ILIKE ${like})`);
  }
  return listRows(tx, USERS, conditions, query);
}

export async function updateUserProfile(
  tx: Tx,
  id: string,
  patch: Record<string, unknown>,
): Promise<UserRow | null> {
  return updateRow(tx, USERS, id, setClause(patch, USER_PROFILE_EDITABLE));
}

export async function setUserRole(tx: Tx, id: string, role: string): Promise<UserRow> {
  return tx.one(
    sql.type(
      UserRow,
    )`UPDATE users SET role = ${role} WHERE id = ${id} RETURNING ${columnsOf(UserRow)}`,
  );
}

export async function setUserActive(tx: Tx, id: string, active: boolean): Promise<UserRow> {
  return tx.one(sql.type(UserRow)`
    UPDATE users SET is_active = ${active} WHERE id = ${id} RETURNING ${columnsOf(UserRow)}`);
}

export async function softDeleteUser(tx: Tx, id: string): Promise<UserRow> {
  return tx.one(sql.type(UserRow)`
    UPDATE users SET deleted_at = now(), is_active = false WHERE id = ${id} RETURNING ${columnsOf(UserRow)}`);
}

/**
 * Sets a new password hash. `verifiesEmail` when the new password came through a link
 * mailed to the user's address (invitation, reset), which proves the address too.
 */
export async function setUserPassword(
  tx: Tx,
  id: string,
  passwordHash: string,
  options: { verifiesEmail: boolean },
): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    UPDATE users SET password_hash = ${passwordHash},
                     email_verified = email_verified OR ${options.verifiesEmail},
                     email_verified_at = CASE WHEN ${options.verifiesEmail}
                                              THEN coalesce(email_verified_at, now())
                                              ELSE email_verified_at END
     WHERE id = ${id}`);
}

/** The user's password hash, read under their own context (password change). */
export async function getPasswordHash(tx: Tx, id: string): Promise<string | null> {
  return tx.maybeOneFirst(sql.type(z.object({ password_hash: z.string().nullable() }))`
    SELECT password_hash FROM users WHERE id = ${id}`);
}

/** Marks the address verified if it is still `email` (case-insensitively). */
export async function markEmailVerified(
  tx: Tx,
  id: string,
  email: string,
): Promise<UserRow | null> {
  return tx.maybeOne(sql.type(UserRow)`
    UPDATE users SET email_verified = true, email_verified_at = coalesce(email_verified_at, now())
     WHERE id = ${id} AND lower(email) = lower(${email})
     RETURNING ${columnsOf(UserRow)}`);
}

export async function markUserLoggedIn(tx: Tx, id: string): Promise<UserRow> {
  return tx.one(sql.type(UserRow)`
    UPDATE users SET last_login_at = now(), last_activity_at = now()
     WHERE id = ${id} RETURNING ${columnsOf(UserRow)}`);
}

/**
 * Locks every active owner of the organisation and returns their ids, so two admins
 * demoting the last two owners at once cannot both succeed.
 */
export async function lockActiveOwners(tx: Tx, organizationId: string): Promise<readonly string[]> {
  return tx.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM users
     WHERE organization_id = ${organizationId} AND role = 'owner'
       AND is_active AND deleted_at IS NULL
     ORDER BY id
     FOR UPDATE`);
}

// --- invitations (table user_invitations, migration 0030) --------------------------

export const InvitationRow = z.object({
  id: z.string(),
  organization_id: z.string(),
  user_id: z.string(),
  expires_at: z.string(),
  accepted_at: z.string().nullable(),
});
export type InvitationRow = z.infer<typeof InvitationRow>;

export async function insertInvitation(
  tx: Tx,
  inv: {
    organization_id: string;
    user_id: string;
    invited_by: string;
    token_hash: string;
    ttlDays: number;
  },
): Promise<InvitationRow> {
  return tx.one(sql.type(InvitationRow)`
    INSERT INTO user_invitations (organization_id, user_id, invited_by, token_hash, expires_at)
    VALUES (${inv.organization_id}, ${inv.user_id}, ${inv.invited_by}, ${inv.token_hash},
            now() + make_interval(days => ${inv.ttlDays}))
    RETURNING id, organization_id, user_id, expires_at, accepted_at`);
}

/**
 * Finds an invitation by its token hash before any context exists (the token is the
 * credential), hence the service pool. Only ids come back; the write runs under RLS.
 */
export async function findInvitationByTokenHash(
  serviceDb: DatabasePool,
  tokenHash: string,
): Promise<InvitationRow | null> {
  return serviceDb.maybeOne(sql.type(InvitationRow)`
    SELECT id, organization_id, user_id, expires_at, accepted_at
      FROM user_invitations WHERE token_hash = ${tokenHash}`);
}

/** Marks an open, unexpired invitation used; null when it was already used or expired. */
export async function consumeInvitation(tx: Tx, id: string): Promise<InvitationRow | null> {
  return tx.maybeOne(sql.type(InvitationRow)`
    UPDATE user_invitations SET accepted_at = now()
     WHERE id = ${id} AND accepted_at IS NULL AND expires_at > now()
     RETURNING id, organization_id, user_id, expires_at, accepted_at`);
}

/** Ends a user's open invitations (a new one replaces them). */
export async function expireOpenInvitations(tx: Tx, userId: string): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    UPDATE user_invitations SET expires_at = least(expires_at, now())
     WHERE user_id = ${userId} AND accepted_at IS NULL`);
}

/** Whether the user has chosen a password (an invitation was accepted, or they registered). */
export async function hasPassword(tx: Tx, id: string): Promise<boolean> {
  return tx.exists(sql.type(z.object({ x: z.number() }))`
    SELECT 1 AS x FROM users WHERE id = ${id} AND password_hash IS NOT NULL`);
}
