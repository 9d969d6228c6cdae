import { Router } from "express";
import { verifyEmail } from "../../commands/auth/email-verification.ts";
import { acceptInvite } from "../../commands/auth/invite.ts";
import { login } from "../../commands/auth/login.ts";
import { logout } from "../../commands/auth/logout.ts";
import {
  confirmPasswordReset,
  PASSWORD_RESET_PENDING,
  requestPasswordReset,
} from "../../commands/auth/password.ts";
import { refresh } from "../../commands/auth/refresh.ts";
import {
  completeRegistration,
  REGISTRATION_PENDING,
  requestRegistration,
} from "../../commands/auth/register.ts";
import { principalOf, requireAuth } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import {
  AcceptInviteBody,
  LoginBody,
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
  PendingResponse,
  RefreshBody,
  RegisterBody,
  RegisteredResponse,
  SignedInResponse,
  TokenBody,
  TokenPairResponse,
  VerifiedEmailResponse,
} from "./schema.ts";

/** /api/v1/auth: the flows are in server/commands/auth/ and described in docs/auth.md. */
export function authRouter(runtime: Runtime): Router {
  const router = Router();

  router.post(
    "/register",
    handler(
      { body: RegisterBody, status: 202, response: PendingResponse },
      async ({ body }, req, res) => {
        await requestRegistration(runtime, req, body);
        res.status(202).json(REGISTRATION_PENDING);
      },
    ),
  );

  router.post(
    "/register/verify",
    handler(
      { body: TokenBody, status: 201, response: RegisteredResponse, errors: [401, 409] },
      async ({ body }, req, res) => {
        res.status(201).json(await completeRegistration(runtime, req, body.token));
      },
    ),
  );

  router.post(
    "/login",
    handler(
      { body: LoginBody, response: SignedInResponse, errors: [401] },
      async ({ body }, req, res) => {
        res.json(await login(runtime, req, body));
      },
    ),
  );

  router.post(
    "/refresh",
    handler(
      { body: RefreshBody, response: TokenPairResponse, errors: [401] },
      async ({ body }, req, res) => {
        res.json(await refresh(runtime, req, body.refresh_token));
      },
    ),
  );

  router.post(
    "/logout",
    requireAuth(runtime),
    handler({ status: 204 }, async (_input, req, res) => {
      await logout(runtime, req, principalOf(res));
      res.status(204).end();
    }),
  );

  router.post(
    "/accept-invite",
    handler(
      { body: AcceptInviteBody, response: SignedInResponse, errors: [401] },
      async ({ body }, req, res) => {
        res.json(await acceptInvite(runtime, req, body));
      },
    ),
  );

  router.post(
    "/password-reset",
    handler(
      { body: PasswordResetRequestBody, status: 202, response: PendingResponse },
      async ({ body }, req, res) => {
        await requestPasswordReset(runtime, req, body);
        res.status(202).json(PASSWORD_RESET_PENDING);
      },
    ),
  );

  router.post(
    "/password-reset/confirm",
    handler(
      { body: PasswordResetConfirmBody, status: 204, errors: [401] },
      async ({ body }, req, res) => {
        await confirmPasswordReset(runtime, req, body);
        res.status(204).end();
      },
    ),
  );

  router.post(
    "/verify-email",
    handler(
      { body: TokenBody, response: VerifiedEmailResponse, errors: [401] },
      async ({ body }, _req, res) => {
        res.json(await verifyEmail(runtime, body.token));
      },
    ),
  );

  return router;
}
