import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useQuery } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithProviders, unmountAndSettle } from "../../app/testing";
import { appStatus } from "../../ipc/client";
import { FirstRun } from "./FirstRun";
import { COMPANY, CRM_USER, demo, fakeBackend, passed, tokenRefused } from "./fixtures";

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

/** Stands for the app, which reads ["app-status"] to pick its screen. */
function StatusReader() {
  useQuery({ queryKey: ["app-status"], queryFn: appStatus });
  return null;
}

const button = (name: string) => screen.getByRole("button", { name });
const textbox = (name: string) => screen.getByRole("textbox", { name });
const currentStep = () => screen.getByRole("list", { name: "Setup steps" }).querySelector("[aria-current=step]")?.textContent;

async function openDemoWizard() {
  await userEvent.click(screen.getByRole("button", { name: "Try with demo systems" }));
  await screen.findByRole("heading", { name: "Connect Couplet" });
}

async function testAndGoOn() {
  await userEvent.click(button("Test connection"));
  await waitFor(() => expect(button("Next").hasAttribute("disabled")).toBe(false));
  await userEvent.click(button("Next"));
}

async function walkDemoToMappings() {
  await openDemoWizard();
  await testAndGoOn();
  await testAndGoOn();
  await userEvent.click(button("Next"));
  await screen.findByRole("checkbox", { name: "CUSTOMER" });
}

// Each test walks the wizard step by step: seconds on a busy 2-core machine, so more than
// Vitest's default 5 s.
describe("connection setup wizard", { timeout: 30_000 }, () => {
  it("connects the demo systems: fields filled in, both tests, mappings, Finish and a full sync", async () => {
    const backend = fakeBackend();
    mockIPC(backend.handler, { shouldMockEvents: true });
    renderWithProviders(
      <>
        <StatusReader />
        <FirstRun />
      </>,
    );
    await openDemoWizard();

    expect(currentStep()).toContain("Dataverse");
    expect(textbox("Environment URL")).toHaveProperty("value", demo.crm.url);
    expect(textbox("Tenant")).toHaveProperty("value", demo.crm.tenant);
    expect(screen.getByLabelText(/Client secret/)).toHaveProperty("type", "password");
    expect(textbox("Authority host")).toHaveProperty("value", demo.crm.authority);
    expect(button("Next").hasAttribute("disabled")).toBe(true);

    await userEvent.click(button("Test connection"));
    const checks = await screen.findByRole("list", { name: "Connection checks" });
    expect(within(checks).getByRole("listitem", { name: "Token: passed" })).toBeTruthy();
    expect(backend.called("connection_test")).toEqual([{ input: demo.crm }]);
    await userEvent.click(button("Next"));

    expect(currentStep()).toContain("Business Central");
    expect(textbox("API URL")).toHaveProperty("value", demo.erp.url);
    expect(textbox("Environment name")).toHaveProperty("value", "Production");
    expect(screen.getByRole("checkbox", { name: "Same app registration as Dataverse" })).toHaveProperty("checked", true);
    await userEvent.click(button("Test connection"));
    expect((await screen.findByRole("combobox", { name: "Company" })).textContent).toContain(COMPANY.name);
    expect(backend.called("connection_test")[1]).toEqual({ input: demo.erp });
    await userEvent.click(button("Next"));

    expect(screen.getByText(CRM_USER.name)).toBeTruthy();
    expect(screen.getByText(CRM_USER.id)).toBeTruthy();
    expect(screen.getByText(/never echoes its own writes/)).toBeTruthy();
    await userEvent.click(button("Next"));

    expect(screen.getByRole("checkbox", { name: "SALESPEOPLE" })).toHaveProperty("checked", true);
    expect(screen.getByRole("checkbox", { name: "CUSTOMER" })).toHaveProperty("checked", true);
    expect(screen.getByText(/Dataverse → Business Central/)).toBeTruthy();
    await userEvent.click(button("Next"));

    expect(screen.getByRole("table", { name: "What will be saved" }).textContent).toContain(COMPANY.name);
    expect(screen.getByRole("checkbox", { name: "Run full synchronization now" })).toHaveProperty("checked", true);
    const statusReads = backend.called("app_status").length;
    await userEvent.click(button("Finish"));

    await waitFor(() => expect(backend.called("app_status").length).toBeGreaterThan(statusReads));
    expect(backend.called("setup_finish")).toEqual([
      { erp: demo.erp, crm: demo.crm, mappings: ["SALESPEOPLE", "CUSTOMER"] },
    ]);
    const order = backend.calls.map((c) => c.cmd).filter((c) => c === "setup_finish" || c === "full_sync_start");
    expect(order).toEqual(["setup_finish", "full_sync_start"]);
  });

  it("marks empty required fields and does not test", async () => {
    const backend = fakeBackend();
    mockIPC(backend.handler);
    renderWithProviders(<FirstRun />);
    await userEvent.click(button("Connect to my systems"));

    await userEvent.type(textbox("Environment URL"), "https://contoso.crm.dynamics.com");
    await userEvent.type(textbox("Tenant"), "contoso.onmicrosoft.com");
    await userEvent.type(textbox("Application (client) ID"), "11111111-2222-3333-4444-555555555555");
    await userEvent.click(button("Test connection"));

    expect(screen.getByLabelText(/Client secret/).getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByText("Enter the client secret.")).toBeTruthy();
    expect(textbox("Tenant").getAttribute("aria-invalid")).not.toBe("true");
    expect(backend.called("connection_test")).toHaveLength(0);
  });

  it("shows which step failed and what to do, and keeps Next disabled", async () => {
    const backend = fakeBackend({
      connection_test: (args) => tokenRefused((args as { input: typeof demo.crm }).input),
    });
    mockIPC(backend.handler);
    renderWithProviders(<FirstRun />);
    await openDemoWizard();

    await userEvent.click(button("Test connection"));

    const checks = await screen.findByRole("list", { name: "Connection checks" });
    expect(within(checks).getByRole("listitem", { name: "Token: failed" })).toBeTruthy();
    expect(within(checks).getByRole("listitem", { name: "Service: skipped" })).toBeTruthy();
    expect(screen.getByText(/Copy the secret's value \(not its id\)/)).toBeTruthy();
    expect(screen.getByText(/AADSTS7000215/)).toBeTruthy();
    expect(button("Next").hasAttribute("disabled")).toBe(true);
  });

  it("asks for a new test after a field changes", async () => {
    mockIPC(fakeBackend().handler);
    renderWithProviders(<FirstRun />);
    await openDemoWizard();
    await userEvent.click(button("Test connection"));
    await waitFor(() => expect(button("Next").hasAttribute("disabled")).toBe(false));

    await userEvent.type(textbox("Tenant"), "x");

    expect(button("Next").hasAttribute("disabled")).toBe(true);
    expect(screen.getByText(/test again to continue/)).toBeTruthy();
  });

  it("keeps what was typed on Back and Next, and prefills the Business Central tenant", async () => {
    const backend = fakeBackend();
    mockIPC(backend.handler);
    renderWithProviders(<FirstRun />);
    await userEvent.click(button("Connect to my systems"));
    await userEvent.type(textbox("Environment URL"), "https://contoso.crm.dynamics.com");
    await userEvent.type(textbox("Tenant"), "contoso.onmicrosoft.com");
    await userEvent.type(textbox("Application (client) ID"), "app-1");
    await userEvent.type(screen.getByLabelText(/Client secret/), "s3cret");
    await testAndGoOn();

    expect(textbox("Tenant")).toHaveProperty("value", "contoso.onmicrosoft.com");
    await userEvent.type(textbox("Environment name"), "Sandbox");
    await userEvent.click(button("Back"));

    expect(textbox("Environment URL")).toHaveProperty("value", "https://contoso.crm.dynamics.com");
    expect(screen.getByLabelText(/Client secret/)).toHaveProperty("value", "s3cret");
    expect(button("Next").hasAttribute("disabled")).toBe(false);
    await userEvent.click(button("Next"));

    expect(textbox("Environment name")).toHaveProperty("value", "Sandbox");
    await userEvent.click(button("Test connection"));
    await waitFor(() => expect(backend.called("connection_test")).toHaveLength(2));
    expect(backend.called("connection_test")[1]).toMatchObject({
      input: {
        side: "erp",
        url: "https://api.businesscentral.dynamics.com/v2.0/contoso.onmicrosoft.com/Sandbox/api/v2.0",
        client_id: "app-1",
        client_secret: "s3cret",
        authority: "https://login.microsoftonline.com",
        scope: null,
        company: null,
        sandbox: false,
      },
    });
    // The only company the credentials see is chosen, and the test counts for it.
    await waitFor(() => expect(button("Next").hasAttribute("disabled")).toBe(false));
    expect(screen.getByRole("combobox", { name: "Company" }).textContent).toContain(COMPANY.name);
  });

  it("lists the live companies and asks for a new test after choosing one", async () => {
    const other = { id: "5f1c2a3b-0000-4000-8000-000000000009", name: "CRONUS Canada" };
    const backend = fakeBackend({
      connection_test: (args) => {
        const { input } = args as { input: typeof demo.erp };
        const view = passed(input);
        if (input.side === "crm") return view;
        const company = [COMPANY, other].find((c) => c.id === input.company) ?? null;
        return { ...view, companies: [COMPANY, other], company };
      },
    });
    mockIPC(backend.handler);
    renderWithProviders(<FirstRun />);
    await openDemoWizard();
    await testAndGoOn();
    await userEvent.click(button("Test connection"));
    await waitFor(() => expect(button("Next").hasAttribute("disabled")).toBe(false));

    await userEvent.click(screen.getByRole("combobox", { name: "Company" }));
    await userEvent.click(screen.getByRole("option", { name: "CRONUS Canada" }));

    expect(button("Next").hasAttribute("disabled")).toBe(true);
    await userEvent.click(button("Test connection"));
    await waitFor(() => expect(button("Next").hasAttribute("disabled")).toBe(false));
    expect(backend.called("connection_test")[2]).toEqual({ input: { ...demo.erp, company: other.id } });
  });

  it("chooses a mapping's dependencies with it and drops its dependents with them", async () => {
    mockIPC(fakeBackend().handler);
    renderWithProviders(<FirstRun />);
    await walkDemoToMappings();
    const salespeople = () => screen.getByRole("checkbox", { name: "SALESPEOPLE" });
    const customer = () => screen.getByRole("checkbox", { name: "CUSTOMER" });

    expect(screen.getByText(/CUSTOMER needs SALESPEOPLE/)).toBeTruthy();
    await userEvent.click(salespeople());
    expect(salespeople()).toHaveProperty("checked", false);
    expect(customer()).toHaveProperty("checked", false);
    expect(button("Next").hasAttribute("disabled")).toBe(true);
    expect(screen.getByText("Choose at least one table mapping.")).toBeTruthy();

    await userEvent.click(customer());
    expect(customer()).toHaveProperty("checked", true);
    expect(salespeople()).toHaveProperty("checked", true);
    expect(button("Next").hasAttribute("disabled")).toBe(false);
  });

  it("shows why Finish failed, stays on the step and keeps everything", async () => {
    const backend = fakeBackend({
      setup_finish: () =>
        Promise.reject({
          code: "auth_failed",
          message: "Business Central refused the client secret; check it and try again.",
          details: [],
          retryable: false,
        }),
    });
    mockIPC(backend.handler);
    renderWithProviders(<FirstRun />);
    await walkDemoToMappings();
    await userEvent.click(button("Next"));
    await userEvent.click(button("Finish"));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Business Central refused the client secret");
    expect(currentStep()).toContain("Finish");
    expect(button("Finish").hasAttribute("disabled")).toBe(false);
    expect(backend.called("full_sync_start")).toHaveLength(0);

    await userEvent.click(button("Back"));
    await userEvent.click(button("Back"));
    await userEvent.click(button("Back"));
    expect(textbox("API URL")).toHaveProperty("value", demo.erp.url);
    expect(button("Next").hasAttribute("disabled")).toBe(false);
  });
  it("signs in to Dataverse with a certificate and to Business Central on-premises with an access key", async () => {
    const backend = fakeBackend();
    mockIPC(backend.handler);
    renderWithProviders(<FirstRun />);
    await userEvent.click(button("Connect to my systems"));

    await userEvent.type(textbox("Environment URL"), "https://contoso.crm.dynamics.com");
    await userEvent.type(textbox("Tenant"), "contoso.onmicrosoft.com");
    await userEvent.type(textbox("Application (client) ID"), "app-1");
    await userEvent.click(screen.getByRole("radio", { name: "A certificate" }));
    expect(screen.queryByLabelText(/Client secret/)).toBeNull();
    await userEvent.click(button("Test connection"));
    expect(screen.getByText(/Enter the path of a PEM file/)).toBeTruthy();
    expect(backend.called("connection_test")).toHaveLength(0);

    await userEvent.type(textbox("Certificate (PEM)"), "/home/me/couplet.pem");
    await testAndGoOn();
    expect(backend.called("connection_test")[0]).toMatchObject({
      input: { side: "crm", auth_method: "certificate", certificate: "/home/me/couplet.pem", client_secret: "" },
    });

    await userEvent.click(screen.getByRole("radio", { name: /on-premises/ }));
    expect(screen.queryByRole("textbox", { name: "Tenant" })).toBeNull();
    await userEvent.click(button("Test connection"));
    expect(screen.getByText("Enter the Business Central user name.")).toBeTruthy();
    expect(screen.getByText("Enter the user's web service access key.")).toBeTruthy();
    expect(backend.called("connection_test")).toHaveLength(1);

    await userEvent.type(textbox("API URL"), "https://bc.contoso.com:7048/BC/api/v2.0");
    await userEvent.type(textbox("User name"), "ADMIN");
    await userEvent.type(screen.getByLabelText(/Web service access key/), "k3y");
    expect(screen.getByLabelText(/Web service access key/)).toHaveProperty("type", "password");
    await userEvent.click(button("Test connection"));
    await waitFor(() => expect(backend.called("connection_test")).toHaveLength(2));
    expect(backend.called("connection_test")[1]).toMatchObject({
      input: {
        side: "erp",
        url: "https://bc.contoso.com:7048/BC/api/v2.0",
        auth_method: "basic",
        user_name: "ADMIN",
        access_key: "k3y",
        certificate: null,
      },
    });
  });

  it("uses Dataverse's certificate for Business Central when it is the same app registration", async () => {
    const backend = fakeBackend();
    mockIPC(backend.handler);
    renderWithProviders(<FirstRun />);
    await userEvent.click(button("Connect to my systems"));
    await userEvent.type(textbox("Environment URL"), "https://contoso.crm.dynamics.com");
    await userEvent.type(textbox("Tenant"), "contoso.onmicrosoft.com");
    await userEvent.type(textbox("Application (client) ID"), "app-1");
    await userEvent.click(screen.getByRole("radio", { name: "A certificate" }));
    await userEvent.type(textbox("Certificate (PEM)"), "/home/me/couplet.pem");
    await testAndGoOn();

    await userEvent.type(textbox("Environment name"), "Production");
    await userEvent.click(button("Test connection"));
    await waitFor(() => expect(backend.called("connection_test")).toHaveLength(2));
    expect(backend.called("connection_test")[1]).toMatchObject({
      input: { side: "erp", client_id: "app-1", auth_method: "certificate", certificate: "/home/me/couplet.pem" },
    });
  });
});
