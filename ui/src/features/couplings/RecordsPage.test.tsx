import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithProviders, unmountAndSettle } from "../../app/testing";
import { RecordsPage } from "./RecordsPage";

type Call = { cmd: string; args: Record<string, unknown> };

const zero = { inserted: 0, modified: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0, coupled: 0, uncoupled: 0 };
const synced = "2025-03-05T10:00:00Z";

function row(id: string, title: string, key: string | null, over: object = {}) {
  return {
    id,
    key,
    title,
    modified_on: synced,
    status: "not_coupled",
    counterpart_id: null,
    counterpart_title: null,
    last_synced_at: null,
    error: null,
    ...over,
  };
}

const customers = [
  row("c1", "Adatum Corporation", "10000", {
    status: "coupled",
    counterpart_id: "a1",
    counterpart_title: "Adatum Corp.",
    last_synced_at: synced,
  }),
  row("c2", "Trey Research", "20000"),
  row("c3", "School of Fine Art", "30000", {
    status: "failed",
    counterpart_id: "a9",
    counterpart_title: "School of Fine Art",
    error: "The phone number is too long for Dataverse (50 characters at most).",
  }),
  row("c4", "Fabrikam", "40000", { status: "counterpart_missing", counterpart_id: "a8" }),
];

const accounts = [
  row("a1", "Adatum Corp.", null, { status: "coupled", counterpart_id: "c1", counterpart_title: "Adatum Corporation" }),
  row("a2", "Contoso", null),
  row("a4", "Trey Research Labs", null),
  row("a3", " trey research ", null),
];

function list(side: string, rows: object[], direction = "bidirectional") {
  return {
    mapping: "CUSTOMER",
    side,
    entity: side === "erp" ? "customers" : "account",
    counterpart_entity: side === "erp" ? "account" : "customers",
    title_field: side === "erp" ? "displayName" : "name",
    key_field: side === "erp" ? "number" : null,
    direction,
    rows,
  };
}

function report(state: string, counters: object, message: string | null = null) {
  return {
    run: {
      id: "r1",
      kind: "sync_records",
      mapping: "CUSTOMER",
      direction: "to_crm",
      parent: null,
      state,
      counters: { ...zero, ...counters },
      started_at: synced,
      finished_at: synced,
      duration_ms: 900,
      message,
    },
    children: [],
  };
}

/** Mocks the backend; `answer` may replace a command's answer. Returns the calls made. */
function mockBackend(answer: (cmd: string, args: Record<string, unknown>) => unknown = () => undefined): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const replaced = answer(cmd, args);
      if (replaced !== undefined) {
        return replaced;
      }
      switch (cmd) {
        case "mapping_records":
          return args.side === "erp" ? list("erp", customers) : list("crm", accounts);
        case "records_couple":
          return { mapping: "CUSTOMER", erp_id: args.erpId, crm_id: args.crmId, last_synced_at: null, last_failed: false, skipped: false };
        case "records_uncouple":
          return (args.ids as string[]).length;
        case "records_sync":
          return report("succeeded", { modified: 1 });
        default:
          return undefined;
      }
    },
    { shouldMockEvents: true },
  );
  return calls;
}

function customersPage() {
  renderWithProviders(
    <RecordsPage mapping="CUSTOMER" side="erp" title="Customers" description="Business Central customers and their Dataverse accounts." />,
  );
}

function accountsPage() {
  renderWithProviders(
    <RecordsPage mapping="CUSTOMER" side="crm" title="Dataverse accounts" description="Accounts and their customers." />,
  );
}

/** The table's record rows (without the header row). */
async function recordRows(): Promise<HTMLElement[]> {
  const table = await screen.findByRole("table", { name: "Business Central customers" });
  return within(table)
    .getAllByRole("row")
    .filter((r) => r.getAttribute("aria-rowindex") !== "1");
}

function toolbarButton(name: string): HTMLElement {
  return within(screen.getByRole("toolbar")).getByRole("button", { name });
}

function callsOf(calls: Call[], cmd: string): Record<string, unknown>[] {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

// Fluent UI renders slowly in jsdom and this machine may be busy: allow more than the default 5 s.
const slow = { timeout: 20_000 };

describe("customers page", slow, () => {
  it("lists the customers side by side with their accounts, statuses and counts", async () => {
    mockBackend();
    customersPage();

    const rows = await recordRows();
    expect(rows).toHaveLength(4);
    const adatum = rows[0];
    expect(adatum?.textContent).toContain("Adatum Corporation");
    expect(adatum?.textContent).toContain("10000");
    expect(adatum?.textContent).toContain("Adatum Corp.");
    expect(adatum?.textContent).toContain("Coupled");
    expect(rows[1]?.textContent).toContain("Not coupled");
    expect(rows[2]?.textContent).toContain("Failed");
    expect(rows[2]?.textContent).toContain("The phone number is too long for Dataverse");
    expect(rows[3]?.textContent).toContain("Counterpart deleted");
    expect(screen.getByRole("heading", { name: "Customers" })).toBeTruthy();

    expect(screen.getByRole("tab", { name: /^All/ }).textContent).toContain("4");
    expect(screen.getByRole("tab", { name: /^Coupled/ }).textContent).toContain("3");
    expect(screen.getByRole("tab", { name: /^Not coupled/ }).textContent).toContain("1");
    expect(screen.getByRole("tab", { name: /^Failed/ }).textContent).toContain("1");
  });

  it("searches by name, number and account name, and filters by status", async () => {
    mockBackend();
    customersPage();
    await recordRows();
    const search = screen.getByRole("searchbox", { name: "Search" });

    await userEvent.type(search, "TREY");
    await waitFor(async () => expect(await recordRows()).toHaveLength(1));
    expect((await recordRows())[0]?.textContent).toContain("Trey Research");

    await userEvent.clear(search);
    await userEvent.type(search, "30000");
    await waitFor(async () => expect((await recordRows())[0]?.textContent).toContain("School of Fine Art"));

    await userEvent.clear(search);
    await userEvent.type(search, "corp.");
    await waitFor(async () => expect(await recordRows()).toHaveLength(1));
    expect(screen.getByRole("tab", { name: /^All/ }).textContent).toContain("1");

    await userEvent.clear(search);
    await userEvent.click(screen.getByRole("tab", { name: /^Not coupled/ }));
    await waitFor(async () => expect(await recordRows()).toHaveLength(1));
    expect((await recordRows())[0]?.textContent).toContain("Trey Research");

    await userEvent.type(search, "zzz");
    expect(await screen.findByText("No customers match “zzz” in Not coupled.")).toBeTruthy();
  });

  it("couples a customer to the suggested account", async () => {
    const calls = mockBackend();
    customersPage();
    await recordRows();
    expect(toolbarButton("Couple…").hasAttribute("disabled")).toBe(true);

    await userEvent.click(screen.getByRole("checkbox", { name: "Select Trey Research" }));
    await userEvent.click(toolbarButton("Couple…"));

    const dialog = await screen.findByRole("dialog", { name: "Couple Trey Research to a Dataverse account" });
    // The dialog stays aria-hidden until its opening transition ends, which takes longer on a busy machine.
    const suggested = await within(dialog).findByRole(
      "radio",
      { name: "trey research Suggested match" },
      { timeout: 5_000 },
    );
    const choices = within(dialog).getAllByRole("radio");
    expect(choices).toHaveLength(3);
    expect(choices[0]).toBe(suggested);
    expect(choices[1]).toBe(within(dialog).getByRole("radio", { name: "Trey Research Labs" }));
    expect(within(dialog).queryByText("Adatum Corp.")).toBeNull();
    expect((choices[0] as HTMLInputElement).checked).toBe(true);

    const before = callsOf(calls, "mapping_records").length;
    await userEvent.click(within(dialog).getByRole("button", { name: "Couple" }));

    await waitFor(() => expect(callsOf(calls, "records_couple")).toEqual([{ mapping: "CUSTOMER", erpId: "c2", crmId: "a3" }]));
    expect(await screen.findByText("Coupled Trey Research to  trey research ", { normalizer: (s) => s })).toBeTruthy();
    await waitFor(() => expect(callsOf(calls, "mapping_records").length).toBeGreaterThan(before));
    expect(screen.queryByRole("dialog")).toBeNull();
  }, 15_000);

  it("searches the accounts in the couple dialog and keeps the dialog open when coupling fails", async () => {
    const calls = mockBackend((cmd) =>
      cmd === "records_couple"
        ? Promise.reject({ code: "conflict", message: "Contoso is coupled to another customer already.", details: [], retryable: false })
        : undefined,
    );
    customersPage();
    await recordRows();
    await userEvent.click(screen.getByRole("checkbox", { name: "Select Trey Research" }));
    await userEvent.click(toolbarButton("Couple…"));
    const dialog = await screen.findByRole("dialog");

    await userEvent.type(within(dialog).getByRole("textbox", { name: "Search Dataverse accounts" }), "cont");
    await waitFor(() => expect(within(dialog).getAllByRole("radio")).toHaveLength(1));
    await userEvent.click(within(dialog).getByRole("radio", { name: "Contoso" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Couple" }));

    const alert = await within(dialog).findByRole("alert");
    expect(alert.textContent).toContain("Contoso is coupled to another customer already.");
    expect(callsOf(calls, "records_couple")).toEqual([{ mapping: "CUSTOMER", erpId: "c2", crmId: "a2" }]);
  });

  it("uncouples the chosen customers after confirming", async () => {
    const calls = mockBackend();
    customersPage();
    await recordRows();

    await userEvent.click(screen.getByRole("checkbox", { name: "Select Adatum Corporation" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "Select School of Fine Art" }));
    expect(screen.getByText("2 selected")).toBeTruthy();
    await userEvent.click(toolbarButton("Uncouple"));

    const dialog = await screen.findByRole("alertdialog", { name: "Uncouple 2 customers?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Uncouple" }));

    await waitFor(() =>
      expect(callsOf(calls, "records_uncouple")).toEqual([{ mapping: "CUSTOMER", side: "erp", ids: ["c1", "c3"] }]),
    );
    expect(await screen.findByText("Uncoupled 2 customers")).toBeTruthy();
  });

  it("asks the direction before synchronizing a mapping that goes both ways", async () => {
    const calls = mockBackend();
    customersPage();
    await recordRows();

    await userEvent.click(screen.getByRole("checkbox", { name: "Select Adatum Corporation" }));
    await userEvent.click(toolbarButton("Synchronize now"));
    const dialog = await screen.findByRole("dialog", { name: "Synchronize 1 customer" });
    expect((within(dialog).getByRole("radio", { name: "Business Central → Dataverse" }) as HTMLInputElement).checked).toBe(true);
    await userEvent.click(within(dialog).getByRole("radio", { name: "Dataverse → Business Central" }));
    await userEvent.click(within(dialog).getByRole("button", { name: "Synchronize" }));

    await waitFor(() =>
      expect(callsOf(calls, "records_sync")).toEqual([
        { mapping: "CUSTOMER", side: "erp", ids: ["c1"], direction: "from_crm" },
      ]),
    );
    expect(await screen.findByText("Synchronized 1 customer: 1 modified")).toBeTruthy();
  });

  it("synchronizes a one-way mapping in its own direction without asking", async () => {
    const calls = mockBackend((cmd, args) =>
      cmd === "mapping_records" && args.side === "erp" ? list("erp", customers, "from_crm") : undefined,
    );
    customersPage();
    await recordRows();

    await userEvent.click(screen.getByRole("checkbox", { name: "Select Trey Research" }));
    expect(toolbarButton("Create in Dataverse").hasAttribute("disabled")).toBe(true);
    await userEvent.click(toolbarButton("Synchronize now"));

    await waitFor(() =>
      expect(callsOf(calls, "records_sync")).toEqual([{ mapping: "CUSTOMER", side: "erp", ids: ["c2"], direction: "from_crm" }]),
    );
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("creates the chosen customers that are not coupled in Dataverse", async () => {
    const calls = mockBackend((cmd) => (cmd === "records_sync" ? report("succeeded", { inserted: 1 }) : undefined));
    customersPage();
    await recordRows();

    await userEvent.click(screen.getByRole("checkbox", { name: "Select all" }));
    expect(screen.getByText("4 selected")).toBeTruthy();
    await userEvent.click(screen.getByRole("checkbox", { name: "Select all" }));
    expect(screen.queryByText(/selected/)).toBeNull();

    // Shift+click chooses every row from the last one clicked.
    const user = userEvent.setup();
    await user.click(screen.getByRole("checkbox", { name: "Select Adatum Corporation" }));
    await user.keyboard("{Shift>}");
    await user.click(screen.getByRole("checkbox", { name: "Select Fabrikam" }));
    await user.keyboard("{/Shift}");
    expect(screen.getByText("4 selected")).toBeTruthy();
    await userEvent.click(toolbarButton("Create in Dataverse"));

    await waitFor(() =>
      expect(callsOf(calls, "records_sync")).toEqual([{ mapping: "CUSTOMER", side: "erp", ids: ["c2"], direction: "to_crm" }]),
    );
    expect(await screen.findByText("Synchronized 1 customer: 1 created")).toBeTruthy();
  });

  it("shows why an action failed and keeps the search", async () => {
    mockBackend((cmd) =>
      cmd === "records_sync"
        ? Promise.reject({ code: "network", message: "Dataverse could not be reached.", details: [], retryable: true })
        : undefined,
    );
    customersPage();
    await recordRows();
    await userEvent.type(screen.getByRole("searchbox", { name: "Search" }), "trey");
    await waitFor(async () => expect(await recordRows()).toHaveLength(1));

    await userEvent.click(screen.getByRole("checkbox", { name: "Select Trey Research" }));
    await userEvent.click(toolbarButton("Create in Dataverse"));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The customers could not be synchronized");
    expect(alert.textContent).toContain("Dataverse could not be reached.");
    expect((screen.getByRole("searchbox", { name: "Search" }) as HTMLInputElement).value).toBe("trey");
  });

  it("says when a synchronization ran but failed", async () => {
    mockBackend((cmd) =>
      cmd === "records_sync" ? report("failed", { failed: 1 }, "Couple the salesperson first.") : undefined,
    );
    customersPage();
    await recordRows();
    await userEvent.click(screen.getByRole("checkbox", { name: "Select Trey Research" }));
    await userEvent.click(toolbarButton("Create in Dataverse"));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Synchronizing 1 customer failed. Couple the salesperson first.");
  });

  it("shows a read failure with Retry", async () => {
    let fail = true;
    const calls = mockBackend((cmd) =>
      cmd === "mapping_records" && fail
        ? Promise.reject({ code: "network", message: "Business Central could not be reached.", details: [], retryable: true })
        : undefined,
    );
    customersPage();

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Business Central could not be reached.");
    fail = false;
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(await recordRows()).toHaveLength(4);
    expect(callsOf(calls, "mapping_records")).toHaveLength(2);
  });

  it("renders only the visible part of 40,000 customers and selects them all", async () => {
    const many = Array.from({ length: 40_000 }, (_, i) => row(`r${i}`, `Customer ${i}`, String(100_000 + i)));
    mockBackend((cmd) => (cmd === "mapping_records" ? list("erp", many) : undefined));
    customersPage();

    const rows = await recordRows();
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(60);
    expect(screen.getByRole("tab", { name: /^All/ }).textContent).toContain((40_000).toLocaleString());
    await userEvent.click(screen.getByRole("checkbox", { name: "Select all" }));
    expect(screen.getByText(`${(40_000).toLocaleString()} selected`)).toBeTruthy();
  });
});

describe("Dataverse accounts page", slow, () => {
  it("shows the accounts that are not coupled first and creates them in Business Central", async () => {
    const calls = mockBackend();
    accountsPage();

    const table = await screen.findByRole("table", { name: "Dataverse accounts" });
    const rows = within(table)
      .getAllByRole("row")
      .filter((r) => r.getAttribute("aria-rowindex") !== "1");
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining("Contoso"),
      expect.stringContaining("Trey Research Labs"),
      expect.stringContaining("trey research"),
    ]);
    expect(screen.getByRole("tab", { name: /^Not coupled/ }).getAttribute("aria-selected")).toBe("true");

    await userEvent.click(screen.getByRole("checkbox", { name: "Select Contoso" }));
    await userEvent.click(toolbarButton("Create in Business Central"));

    await waitFor(() =>
      expect(callsOf(calls, "records_sync")).toEqual([{ mapping: "CUSTOMER", side: "crm", ids: ["a2"], direction: "from_crm" }]),
    );
  });

  it("couples an account with the Business Central customer as erpId", async () => {
    const calls = mockBackend();
    accountsPage();
    await screen.findByRole("table", { name: "Dataverse accounts" });

    await userEvent.click(screen.getByRole("checkbox", { name: "Select Trey Research Labs" }));
    await userEvent.click(toolbarButton("Couple…"));
    const dialog = await screen.findByRole("dialog", { name: "Couple Trey Research Labs to a Business Central customer" });
    const suggested = await within(dialog).findByRole("radio", { name: /Trey Research.*Suggested match/ });
    await userEvent.click(suggested);
    await userEvent.click(within(dialog).getByRole("button", { name: "Couple" }));

    await waitFor(() => expect(callsOf(calls, "records_couple")).toEqual([{ mapping: "CUSTOMER", erpId: "c2", crmId: "a4" }]));
  });
});
