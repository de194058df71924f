// What the wizard holds while the user types: one form per side, turned into the backend's
// ConnectionInput only when testing or finishing. Nothing here is saved.
import type { ConnectionInput, ConnectionTestView, DemoSetup } from "../../ipc/client";

export const DEFAULT_AUTHORITY = "https://login.microsoftonline.com";

/** The Dataverse step's fields. */
export type CrmForm = {
  url: string;
  tenant: string;
  clientId: string;
  secret: string;
  authority: string;
  scope: string;
  sandbox: boolean;
};

/** The Business Central step's fields; `apiUrl` overrides the URL built from tenant and environment. */
export type ErpForm = {
  tenant: string;
  environment: string;
  apiUrl: string;
  sameApp: boolean;
  clientId: string;
  secret: string;
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
  const blank = { tenant: "", clientId: "", secret: "", authority: DEFAULT_AUTHORITY, scope: "", sandbox: false };
  return {
    crm: { ...blank, url: "" },
    erp: { ...blank, environment: "", apiUrl: "", sameApp: true, company: null },
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
      secret: crm.client_secret,
      authority: crm.authority,
      scope: crm.scope ?? "",
      sandbox: crm.sandbox,
    },
    erp: {
      tenant: erp.tenant,
      environment,
      apiUrl: erp.url === built ? "" : erp.url,
      sameApp: erp.client_id === crm.client_id && erp.client_secret === crm.client_secret,
      clientId: erp.client_id,
      secret: erp.client_secret,
      authority: erp.authority,
      scope: erp.scope ?? "",
      company: erp.company,
      sandbox: erp.sandbox,
    },
  };
}

/** The Dataverse connection the form describes. */
export function crmInput(crm: CrmForm): ConnectionInput {
  return {
    side: "crm",
    url: crm.url.trim(),
    tenant: crm.tenant.trim(),
    client_id: crm.clientId.trim(),
    client_secret: crm.secret,
    authority: crm.authority.trim(),
    scope: crm.scope.trim() || null,
    company: null,
    sandbox: crm.sandbox,
  };
}

/** The Business Central connection the form describes (the app registration may be Dataverse's). */
export function erpInput(erp: ErpForm, crm: CrmForm): ConnectionInput {
  const tenant = erp.tenant.trim();
  return {
    side: "erp",
    url: erp.apiUrl.trim() || bcApiUrl(tenant, erp.environment.trim()),
    tenant,
    client_id: (erp.sameApp ? crm.clientId : erp.clientId).trim(),
    client_secret: erp.sameApp ? crm.secret : erp.secret,
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
    secret: required(crm.secret, "Enter the client secret."),
    authority: url(crm.authority, "Enter the authority host.", DEFAULT_AUTHORITY),
  });
}

/** The Business Central fields that stop a test. */
export function erpProblems(erp: ErpForm): Problems<ErpForm> {
  const overridden = erp.apiUrl.trim() !== "";
  return compact<ErpForm>({
    tenant: required(erp.tenant, "Enter the tenant id or domain."),
    environment: overridden ? undefined : required(erp.environment, "Enter the environment name."),
    apiUrl: overridden ? url(erp.apiUrl, "", bcApiUrl("{tenant}", "{environment}")) : undefined,
    clientId: erp.sameApp ? undefined : required(erp.clientId, "Enter the application (client) id."),
    secret: erp.sameApp ? undefined : required(erp.secret, "Enter the client secret."),
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
