import { type CommonQueryMethods, sql } from "slonik";
import { DEMO_EMAIL_SUFFIX, DemoLogin } from "../../shared/demo.ts";
import { ROLES } from "../../shared/permissions.ts";

/**
 * Every demo login that can sign in (active, not deleted, with a password): role logins
 * first (owner → guest) per organisation, then named technicians, then the tenant portal
 * users (no organisation). Cross-tenant: call it with the service pool. Used by the demo
 * loader's summary and by GET /api/v1/demo/logins in demo mode.
 */
export async function demoLogins(db: CommonQueryMethods): Promise<DemoLogin[]> {
  const rows = await db.any(sql.type(
    DemoLogin.extend({ organization: DemoLogin.shape.organization.nullable() }),
  )`
    SELECT u.email, u.role, o.name AS organization
    FROM users u
    LEFT JOIN organizations o ON o.id = u.organization_id
    WHERE u.email LIKE ${`%@%${DEMO_EMAIL_SUFFIX}`}
      AND u.is_active AND u.deleted_at IS NULL AND u.password_hash IS NOT NULL
    ORDER BY o.name NULLS LAST, array_position(${sql.array([...ROLES], "text")}, u.role),
             u.email LIKE (u.role || '@%') DESC, u.email`);
  return rows.map((r) => ({ ...r, organization: r.organization ?? "tenant portal" }));
}
