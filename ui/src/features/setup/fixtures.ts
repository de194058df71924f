// Backend answers for the setup tests (the tests install them with mockIPC).
import type { CheckView, ConnectionInput, ConnectionTestView, DemoSetup, MappingView } from "../../ipc/client";

export const COMPANY = { id: "5f1c2a3b-0000-4000-8000-000000000001", name: "CRONUS USA, Inc." };
export const CRM_USER = { id: "9a7e0c1d-0000-4000-8000-000000000002", name: "# Couplet integration" };

export const demo: DemoSetup = {
  crm: {
    side: "crm",
    url: "http://127.0.0.1:41002",
    tenant: "couplet-demo",
    client_id: "c0de0000-0000-4000-8000-00000000c11e",
    auth_method: "client_secret",
    client_secret: "demo-secret",
    certificate: null,
    user_name: null,
    access_key: null,
    authority: "http://127.0.0.1:41000",
    scope: "http://127.0.0.1:41002/.default",
    company: null,
    sandbox: true,
  },
  erp: {
    side: "erp",
    url: "http://127.0.0.1:41001/v2.0/couplet-demo/Production/api/v2.0",
    tenant: "couplet-demo",
    client_id: "c0de0000-0000-4000-8000-00000000c11e",
    auth_method: "client_secret",
    client_secret: "demo-secret",
    certificate: null,
    user_name: null,
    access_key: null,
    authority: "http://127.0.0.1:41000",
    scope: "https://api.businesscentral.dynamics.com/.default",
    company: COMPANY.id,
    sandbox: true,
  },
};

export const catalog: MappingView[] = [
  {
    name: "SALESPEOPLE",
    erp_entity: "salespeoplePurchasers",
    crm_entity: "systemuser",
    direction: "from_crm",
    dependencies: [],
    couplings: 0,
    enabled: true,
  },
  {
    name: "CUSTOMER",
    erp_entity: "customers",
    crm_entity: "account",
    direction: "bidirectional",
    dependencies: ["SALESPEOPLE"],
    couplings: 0,
    enabled: true,
  },
];

function check(step: CheckView["step"], summary: string): CheckView {
  return { step, status: "passed", summary, cause: null, detail: null, hint: null };
}

/** A passed test of `input`, as the backend answers it. */
export function passed(input: ConnectionInput): ConnectionTestView {
  if (input.side === "crm") {
    return {
      side: "crm",
      passed: true,
      checks: [
        check("settings", "The settings are complete."),
        check("token", "The token endpoint issued a token."),
        check("service", "Dataverse answered."),
        check("integration_user", `Signed in as ${CRM_USER.name}.`),
      ],
      companies: [],
      company: null,
      integration_user: CRM_USER,
    };
  }
  return {
    side: "erp",
    passed: true,
    checks: [
      check("settings", "The settings are complete."),
      check("token", "The token endpoint issued a token."),
      check("service", "Business Central answered."),
      check("company", `Company ${COMPANY.name}.`),
      check("integration_user", "Signed in as the app registration."),
    ],
    companies: [COMPANY],
    company: COMPANY,
    integration_user: { id: input.client_id, name: null },
  };
}

/** A test that failed at the token step because the secret was refused. */
export function tokenRefused(input: ConnectionInput): ConnectionTestView {
  const skipped = (step: CheckView["step"]): CheckView => ({
    step,
    status: "skipped",
    summary: "Not tested: an earlier step failed.",
    cause: null,
    detail: null,
    hint: null,
  });
  return {
    side: input.side,
    passed: false,
    checks: [
      check("settings", "The settings are complete."),
      {
        step: "token",
        status: "failed",
        summary: "The token endpoint refused the tenant, client id or secret.",
        cause: "token_refused",
        detail: "AADSTS7000215: Invalid client secret provided.",
        hint: "Copy the secret's value (not its id) from the app registration's Certificates & secrets page.",
      },
      skipped("service"),
      skipped("integration_user"),
    ],
    companies: [],
    company: null,
    integration_user: null,
  };
}

export const notConnected = {
  erp_connected: false,
  crm_connected: false,
  uses_demo_systems: false,
  demo_running: false,
  demo_requested: false,
  sync_running: false,
  sync_run_id: null,
  sync_progress: [],
};

type Args = unknown;

/** A backend where both tests pass; `calls` records every command with its arguments. */
export function fakeBackend(overrides: Record<string, (args: Args) => unknown> = {}) {
  const calls: { cmd: string; args: Args }[] = [];
  const handler = (cmd: string, args?: Args): unknown => {
    calls.push({ cmd, args });
    const override = overrides[cmd];
    if (override) return override(args);
    switch (cmd) {
      case "app_status":
        return notConnected;
      case "demo_prepare":
        return demo;
      case "mapping_catalog":
        return catalog;
      case "connection_test":
        return passed((args as { input: ConnectionInput }).input);
      case "setup_finish":
        return [];
      case "full_sync_start":
        return "run-1";
      default:
        return undefined;
    }
  };
  const called = (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args);
  return { handler, calls, called };
}
