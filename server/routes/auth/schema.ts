import { z } from "zod";
import { OrganizationRow } from "../../db/organizations.ts";
import { UserRow } from "../../db/users.ts";

/** Long enough to resist guessing, short enough that argon2 never hashes megabytes. */
export const Password = z.string().min(10, "must be at least 10 characters").max(200);
export const Email = z.email().max(255);

export const RegisterBody = z.strictObject({
  organization: z.strictObject({
    name: z.string().trim().min(1).max(255),
    slug: z
      .string()
      .min(2)
      .max(100)
      .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and dashes"),
    organization_type: z
      .enum([
        "service_company",
        "building_owner",
        "manufacturer",
        "supplier",
        "insurance",
        "trade_school",
        "regulatory_body",
        "individual",
      ])
      .optional(),
  }),
  user: z.strictObject({
    email: Email,
    password: Password,
    first_name: z.string().trim().max(100).optional(),
    last_name: z.string().trim().max(100).optional(),
  }),
});

// Login does not apply the password policy: a wrong password must look like any other.
export const LoginBody = z.strictObject({
  email: z.string().min(1).max(255),
  password: z.string().min(1).max(200),
});

export const RefreshBody = z.strictObject({ refresh_token: z.string().min(1).max(200) });

export const AcceptInviteBody = z.strictObject({
  token: z.string().min(1).max(200),
  password: Password,
});

/** A one-time token from an e-mail link (registration, reset, verification). */
export const TokenBody = z.strictObject({ token: z.string().min(1).max(200) });

export const PasswordResetRequestBody = z.strictObject({ email: Email });

export const PasswordResetConfirmBody = z.strictObject({
  token: z.string().min(1).max(200),
  password: Password,
});

// The current password is not held to the policy: it is checked, not chosen.
export const PasswordChangeBody = z.strictObject({
  current_password: z.string().min(1).max(200),
  new_password: Password,
});

// --- responses (documented in the OpenAPI document, checked against real answers) ---

export const TokenPairResponse = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int(),
});
export const SignedInResponse = TokenPairResponse.extend({ user: UserRow });
export const RegisteredResponse = SignedInResponse.extend({ organization: OrganizationRow });
/** 202 answers that say what happens next without saying whether an account exists. */
export const PendingResponse = z.object({ status: z.string(), detail: z.string() });
export const VerifiedEmailResponse = z.object({ user: UserRow });
