import { html, nothing, render } from "lit-html";
import type { DemoLogin, DemoLogins } from "../../../shared/demo.ts";
import { ApiError, anonymousApi } from "../api.ts";
import { errorText } from "../format.ts";
import { Session } from "../session.ts";

/**
 * Sign in (POST /auth/login). In demo mode (GET /demo/logins answers) the demo data's
 * logins are listed; choosing one fills the form.
 */
export function loginPage(
  root: HTMLElement,
  options: { message?: string; onSignedIn: (session: Session) => void },
): void {
  let error = options.message ?? "";
  let busy = false;
  let demo: DemoLogins | null = null;
  document.title = "Sign in · SiteSync";

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    busy = true;
    error = "";
    draw();
    try {
      const session = await Session.login(String(data.get("email")), String(data.get("password")));
      options.onSignedIn(session);
    } catch (err) {
      busy = false;
      error =
        err instanceof ApiError && err.status === 401
          ? "Invalid email or password."
          : `Could not sign in: ${errorText(err)}`;
      draw();
      (root.querySelector("#login-email") as HTMLInputElement | null)?.focus();
    }
  };

  const signInAs = (email: string) => {
    const emailInput = root.querySelector<HTMLInputElement>("#login-email");
    const password = root.querySelector<HTMLInputElement>("#login-password");
    if (!emailInput || !password || !demo) return;
    emailInput.value = email;
    password.value = demo.password;
    root.querySelector<HTMLFormElement>(".login-form")?.requestSubmit();
  };

  const loginButton = (l: DemoLogin, text: string) =>
    html`<button
      type="button"
      class="secondary demo-login"
      aria-label="Sign in as ${l.email}"
      title=${l.email}
      @click=${() => signInAs(l.email)}
    >
      ${text}
    </button>`;

  const demoList = (d: DemoLogins) => {
    const byOrg = new Map<string, DemoLogin[]>();
    for (const l of d.logins) byOrg.set(l.organization, [...(byOrg.get(l.organization) ?? []), l]);
    const isRoleLogin = (l: DemoLogin) => l.email.startsWith(`${l.role}@`);
    return html`<section class="demo-logins" aria-labelledby="demo-h">
      <h2 id="demo-h">Demo logins</h2>
      <p>
        Demo mode: every demo user's password is <code>${d.password}</code>. Choose a login to
        sign in with it.
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Organisation</th>
            <th scope="col">One login per role</th>
            <th scope="col">People</th>
          </tr>
        </thead>
        <tbody>
          ${[...byOrg].map(
            ([org, logins]) => html`<tr>
              <th scope="row">${org}</th>
              <td>${logins.filter(isRoleLogin).map((l) => loginButton(l, l.role))}</td>
              <td>
                ${logins
                  .filter((l) => !isRoleLogin(l))
                  .map((l) => loginButton(l, l.email.split("@")[0] ?? l.email))}
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  };

  const draw = () =>
    render(
      html`<main id="main" class="login ${demo ? "wide" : ""}">
        <h1>Sign in to SiteSync</h1>
        <form class="login-form" @submit=${submit} aria-describedby=${error ? "login-error" : nothing}>
          <p>
            <label for="login-email">Email</label>
            <input id="login-email" name="email" type="email" autocomplete="username" required />
          </p>
          <p>
            <label for="login-password">Password</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
            />
          </p>
          ${error ? html`<p id="login-error" class="error" role="alert">${error}</p>` : nothing}
          <button id="login-submit" type="submit" ?disabled=${busy}>
            ${busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
        ${demo ? demoList(demo) : nothing}
      </main>`,
      root,
    );

  draw();
  anonymousApi()
    .get<DemoLogins>("/demo/logins")
    .then((d) => {
      demo = d;
      draw();
    })
    .catch(() => {
      // Not in demo mode (404): no list.
    });
}
