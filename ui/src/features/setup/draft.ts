// What the wizard holds while the user types: one form per side, turned into the backend's
// ConnectionInput only when testing or finishing. Nothing here is saved.
import type { AuthChoice, ConnectionInput, ConnectionTestView, DemoSetup } from "../../ipc/client";

export const DEFAULT_AUTHORITY = "https://login.microsoftonline.com";

/** How an Entra app registration proves itself: its client secret or its certificate. */
export type AppCredential = Exclude<AuthChoice, "basic">;

/** The Dataverse step's fields. */
export type CrmForm = {
  url: string;
  tenant: string;
  clientId: string;
  /** Whether the app signs in with its client secret or its certificate. */
  credential: AppCredential;
  secret: string;
  /** A PEM file's path, or the pasted PEM, with the certificate and its private key. */
  certificate: string;
  authority: string;
  scope: string;
  sandbox: boolean;
};

/**
 * The Business Central step's fields; `apiUrl` overrides the URL built from tenant and environment.
 * On-premises servers sign in with a user name and web service access key instead of an app.
 */
export type ErpForm = {
  tenant: string;
  environment: string;
  apiUrl: string;
  onPremises: boolean;
  userName: string;
  accessKey: string;
  sameApp: boolean;
  clientId: string;
  credential: AppCredential;
  secret: string;
  certificate: string;
  authority: string;
  scope: string;
  company: string | null;
  sandbox: boolean;
};

/** A test of one side, with the exact input it tested. */
export type Tested = { input: ConnectionInput; view: ConnectionTestView };

export type Draft = { crm: CrmForm; erp: ErpForm };

/** Which field is missing or malformed, with what to do; empty when the form can be tested. */
export type Problems<F> = Partial<Record<keyof F, string>>;

/** The Business Central API root for a tenant and an environment. */
export function bcApiUrl(tenant: string, environment: string): string {
  return `https://api.businesscentral.dynamics.com/v2.0/${tenant}/${environment}/api/v2.0`;
}

/** The empty wizard for connecting real systems. */
export function emptyDraft(): Draft {
  const blank = {
    tenant: "",
    clientId: "",
    credential: "client_secret" as AppCredential,
    secret: "",
    certificate: "",
    authority: DEFAULT_AUTHORITY,
    scope: "",
    sandbox: false,
  };
  return {
    crm: { ...blank, url: "" },
    erp: {
      ...blank,
      environment: "",
      apiUrl: "",
      onPremises: false,
      userName: "",
      accessKey: "",
      sameApp: true,
      company: null,
    },
  };
}

/** The wizard filled in with the inputs that reach the emulated systems. */
export function demoDraft(demo: DemoSetup): Draft {
  const { crm, erp } = demo;
  const environment = /\/v2\.0\/[^/]+\/([^/]+)\/api\/v2\.0\/?$/.exec(erp.url)?.[1] ?? "";
  const built = bcApiUrl(erp.tenant, environment);
  return {
    crm: {
      url: crm.url,
      tenant: crm.tenant,
      clientId: crm.client_id,
      credential: appCredential(crm.auth_method),
      secret: crm.client_secret,
      certificate: crm.certificate ?? "",
      authority: crm.authority,
      scope: crm.scope ?? "",
      sandbox: crm.sandbox,
    },
    erp: {
      tenant: erp.tenant,
      environment,
      apiUrl: erp.url === built ? "" : erp.url,
      onPremises: erp.auth_method === "basic",
      userName: erp.user_name ?? "",
      accessKey: erp.access_key ?? "",
      sameApp:
        erp.client_id === crm.client_id &&
        erp.auth_method === crm.auth_method &&
        erp.client_secret === crm.client_secret &&
        erp.certificate === crm.certificate,
      clientId: erp.client_id,
      credential: appCredential(erp.auth_method),
      secret: erp.client_secret,
      certificate: erp.certificate ?? "",
      authority: erp.authority,
      scope: erp.scope ?? "",
      company: erp.company,
      sandbox: erp.sandbox,
    },
  };
}

function appCredential(choice: AuthChoice | undefined): AppCredential {
  return choice === "certificate" ? "certificate" : "client_secret";
}

/** The credential fields of an input signing in as an Entra app. */
function appSignIn(credential: AppCredential, secret: string, certificate: string) {
  return credential === "certificate"
    ? { auth_method: credential, client_secret: "", certificate: certificate.trim() }
    : { auth_method: credential, client_secret: secret, certificate: null };
}

/** The Dataverse connection the form describes. */
export function crmInput(crm: CrmForm): ConnectionInput {
  return {
    side: "crm",
    url: crm.url.trim(),
    tenant: crm.tenant.trim(),
    client_id: crm.clientId.trim(),
    ...appSignIn(crm.credential, crm.secret, crm.certificate),
    user_name: null,
    access_key: null,
    authority: crm.authority.trim(),
    scope: crm.scope.trim() || null,
    company: null,
    sandbox: crm.sandbox,
  };
}

/** The Business Central connection the form describes (the app registration may be Dataverse's). */
export function erpInput(erp: ErpForm, crm: CrmForm): ConnectionInput {
  const tenant = erp.tenant.trim();
  const app = erp.sameApp ? crm : erp;
  const signIn = erp.onPremises
    ? {
        auth_method: "basic" as const,
        client_secret: "",
        certificate: null,
        user_name: erp.userName.trim(),
        access_key: erp.accessKey,
      }
    : { ...appSignIn(app.credential, app.secret, app.certificate), user_name: null, access_key: null };
  return {
    side: "erp",
    url: erp.apiUrl.trim() || bcApiUrl(tenant, erp.environment.trim()),
    tenant,
    client_id: erp.onPremises ? "" : app.clientId.trim(),
    ...signIn,
    authority: erp.authority.trim(),
    scope: erp.scope.trim() || null,
    company: erp.company,
    sandbox: erp.sandbox,
  };
}

function isUrl(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

function required(value: string, message: string): string | undefined {
  return value.trim() === "" ? message : undefined;
}

function url(value: string, empty: string, example: string): string | undefined {
  return required(value, empty) ?? (isUrl(value) ? undefined : `Enter a full URL, such as ${example}.`);
}

function compact<F>(problems: Problems<F>): Problems<F> {
  return Object.fromEntries(Object.entries(problems).filter(([, m]) => m !== undefined)) as Problems<F>;
}

/** The Dataverse fields that stop a test. */
export function crmProblems(crm: CrmForm): Problems<CrmForm> {
  return compact<CrmForm>({
    url: url(crm.url, "Enter the environment URL.", "https://yourorg.crm.dynamics.com"),
    tenant: required(crm.tenant, "Enter the tenant id or domain."),
    clientId: required(crm.clientId, "Enter the application (client) id."),
    ...credentialProblems(crm),
    authority: url(crm.authority, "Enter the authority host.", DEFAULT_AUTHORITY),
  });
}

const CERTIFICATE_MISSING = "Enter the path of a PEM file with the certificate and its private key, or paste the PEM.";

/** The secret or the certificate, whichever the app signs in with, must be given. */
function credentialProblems(form: { credential: AppCredential; secret: string; certificate: string }) {
  return form.credential === "certificate"
    ? { certificate: required(form.certificate, CERTIFICATE_MISSING) }
    : { secret: required(form.secret, "Enter the client secret.") };
}

/** The Business Central fields that stop a test. */
export function erpProblems(erp: ErpForm): Problems<ErpForm> {
  const overridden = erp.apiUrl.trim() !== "";
  if (erp.onPremises) {
    return compact<ErpForm>({
      apiUrl: url(erp.apiUrl, "Enter the server's API URL.", "https://bc.contoso.com:7048/BC/api/v2.0"),
      userName: required(erp.userName, "Enter the Business Central user name."),
      accessKey: required(erp.accessKey, "Enter the user's web service access key."),
    });
  }
  return compact<ErpForm>({
    tenant: required(erp.tenant, "Enter the tenant id or domain."),
    environment: overridden ? undefined : required(erp.environment, "Enter the environment name."),
    apiUrl: overridden ? url(erp.apiUrl, "", bcApiUrl("{tenant}", "{environment}")) : undefined,
    clientId: erp.sameApp ? undefined : required(erp.clientId, "Enter the application (client) id."),
    ...(erp.sameApp ? {} : credentialProblems(erp)),
    authority: url(erp.authority, "Enter the authority host.", DEFAULT_AUTHORITY),
  });
}

/** Whether `tested` passed for exactly `input` (any edit since then asks for a new test). */
export function passedFor(tested: Tested | undefined, input: ConnectionInput): boolean {
  return tested !== undefined && tested.view.passed && JSON.stringify(tested.input) === JSON.stringify(input);
}

/**
 * A Business Central test, recorded as a test of the company it settled on (the backend picks the
 * only one when none is chosen), and the company the form should show chosen afterwards.
 */
export function settleCompany(t: Tested): { tested: Tested; company: string | null } {
  const settled = t.view.company?.id;
  const only = t.view.companies.length === 1 ? t.view.companies[0]?.id : undefined;
  return {
    tested: settled === undefined ? t : { ...t, input: { ...t.input, company: settled } },
    company: settled ?? only ?? t.input.company,
  };
}
