import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithProviders, unmountAndSettle } from "../../app/testing";
import { RunsPage } from "./RunsPage";

const zero = { inserted: 0, modified: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0, coupled: 0, uncoupled: 0 };
const FULL = "0195b3f2-0000-7000-8000-00000000f011";
const NEW = "0195b3f2-0000-7000-8000-0000000000ee";

function run(id: string, over: object) {
  return {
    id,
    kind: "sync_mapping",
    mapping: null,
    direction: null,
    parent: null,
    state: "succeeded",
    counters: zero,
    started_at: "2025-03-05T10:00:00Z",
    finished_at: "2025-03-05T10:01:12Z",
    duration_ms: 72_000,
    message: null,
    ...over,
  };
}

const runs = [
  {
    run: run(FULL, {
      kind: "full_sync",
      state: "partially_succeeded",
      counters: { ...zero, inserted: 3, failed: 3, coupled: 3 },
      message: "3 records failed.",
    }),
    children: [
      run("c1", { parent: FULL, mapping: "SALESPEOPLE", direction: "from_crm", counters: { ...zero, inserted: 3 } }),
      run("c2", { parent: FULL, mapping: "CUSTOMER", direction: "to_crm", state: "partially_succeeded" }),
    ],
  },
  {
    run: run("older", {
      mapping: "CONTACT",
      direction: "bidirectional",
      duration_ms: 2400,
      counters: { ...zero, modified: 5 },
    }),
    children: [],
  },
];

const NOT_COUPLED = "Salesperson MH is not coupled. Couple salesperson MH first, then retry.";
const TOO_LONG = "Name is 120 characters long; Dataverse allows 100. Shorten the name, then retry.";

function error(id: number, message: string, source: string) {
  return {
    id,
    run_id: "c2",
    mapping: "CUSTOMER",
    direction: "to_crm",
    source_id: source,
    destination_id: null,
    message,
    cause: message === NOT_COUPLED ? "no coupling for salespeople MH" : "0x80044331 string too long",
    retryable: false,
    at: "2025-03-05T10:01:00Z",
  };
}

const errors = [
  error(11, NOT_COUPLED, "aaaaaaaa-0000-0000-0000-000000000011"),
  error(12, TOO_LONG, "bbbbbbbb-0000-0000-0000-000000000012"),
  error(13, NOT_COUPLED, "cccccccc-0000-0000-0000-000000000013"),
];

const retried = [
  {
    run: run(NEW, {
      kind: "sync_records",
      mapping: "CUSTOMER",
      direction: "to_crm",
      state: "partially_succeeded",
      counters: { ...zero, failed: 1 },
    }),
    children: [],
  },
];

type Call = { cmd: string; args: Record<string, unknown> };

/** Mocks the log's backend; `retry` answers both retry commands. */
function mockBackend(calls: Call[], retry: () => unknown = () => retried) {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: args as Record<string, unknown> });
    switch (cmd) {
      case "run_list":
        return runs;
      case "run_errors":
        return (args as { run: string }).run === FULL ? errors : [];
      case "errors_retry":
      case "run_retry":
        return retry();
      default:
        return undefined;
    }
  });
}

/** The `i`-th item, failing the test when there is none. */
function nth<T>(items: T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`expected at least ${i + 1} items`);
  return item;
}

const called = (calls: Call[], cmd: string) => calls.filter((c) => c.cmd === cmd);

async function openFullSync() {
  await userEvent.click(await screen.findByText("Full synchronization"));
  return screen.findByRole("region", { name: "Errors of the selected run" });
}

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

describe("synchronization log", () => {
  it("lists the runs with state, duration and non-zero counters, and expands a full sync to its parts", async () => {
    mockBackend([]);
    renderWithProviders(<RunsPage />);

    const table = await screen.findByRole("table", { name: "Runs" });
    const rows = within(table).getAllByRole("row");
    const full = nth(rows, 1);
    expect(within(full).getByText("Full synchronization")).toBeTruthy();
    expect(within(full).getByText("Partially succeeded")).toBeTruthy();
    expect(within(full).getByText("1 min 12 s")).toBeTruthy();
    expect(within(full).getByText("3 created")).toBeTruthy();
    expect(within(full).getByText("3 failed")).toBeTruthy();
    expect(within(full).queryByText(/unchanged/)).toBeNull();
    expect(within(full).getByText("3 records failed.")).toBeTruthy();
    const older = nth(rows, 2);
    expect(within(older).getByText("CONTACT")).toBeTruthy();
    expect(within(older).getByText("Both ways")).toBeTruthy();
    expect(within(older).getByText("2.4 s")).toBeTruthy();
    expect(within(older).getByText("Succeeded")).toBeTruthy();
    expect(within(older).getByText("5 modified")).toBeTruthy();

    expect(screen.queryByText("SALESPEOPLE")).toBeNull();
    await userEvent.click(within(full).getByRole("button", { name: "Show parts" }));
    expect(screen.getByText("SALESPEOPLE")).toBeTruthy();
    expect(screen.getByText("Dataverse → Business Central")).toBeTruthy();
    expect(screen.getByText("Business Central → Dataverse")).toBeTruthy();
  });

  it("says when nothing has run yet", async () => {
    mockIPC((cmd) => (cmd === "run_list" ? [] : undefined));
    renderWithProviders(<RunsPage />);
    expect(await screen.findByText("No synchronization has run yet.")).toBeTruthy();
  });

  it("shows why the runs could not be read", async () => {
    const unreadable = { code: "internal", message: "The log is unreadable.", details: [], retryable: false };
    mockIPC(() => Promise.reject(unreadable));
    renderWithProviders(<RunsPage />);
    expect((await screen.findByRole("alert")).textContent).toContain("The log is unreadable.");
  });

  it("lists the selected run's errors grouped by message, expandable to the records", async () => {
    const calls: Call[] = [];
    mockBackend(calls);
    renderWithProviders(<RunsPage />);

    const panel = await openFullSync();
    const group = await within(panel).findByRole("region", { name: `2 records: ${NOT_COUPLED}` });
    expect(within(panel).getByRole("region", { name: `1 record: ${TOO_LONG}` })).toBeTruthy();
    expect(called(calls, "run_errors")[0]?.args).toEqual({ run: FULL, limit: 5000 });
    expect(within(group).getByText("Cause: no coupling for salespeople MH")).toBeTruthy();
    expect(within(group).queryByRole("table")).toBeNull();

    await userEvent.click(within(group).getByRole("button", { name: "Show records" }));
    const records = within(group).getByRole("table", { name: "Records" });
    expect(within(records).getAllByRole("row")).toHaveLength(3);
    expect(within(records).getByTitle("aaaaaaaa-0000-0000-0000-000000000011").textContent).toBe("aaaaaaaa…");
  });

  it("says when the selected run had no errors", async () => {
    mockBackend([]);
    renderWithProviders(<RunsPage />);
    await userEvent.click(await screen.findByText("CONTACT"));
    expect(await screen.findByText("This run had no errors.")).toBeTruthy();
  });

  it("retries one record and says how it went", async () => {
    const calls: Call[] = [];
    mockBackend(calls);
    renderWithProviders(<RunsPage />);

    const panel = await openFullSync();
    const group = await within(panel).findByRole("region", { name: `2 records: ${NOT_COUPLED}` });
    await userEvent.click(within(group).getByRole("button", { name: "Show records" }));
    const listed = called(calls, "run_list").length;
    const first = nth(within(group).getAllByRole("row"), 1);
    expect(within(first).getByText("aaaaaaaa…")).toBeTruthy();
    await userEvent.click(within(first).getByRole("button", { name: "Retry" }));

    expect((await screen.findByRole("status")).textContent).toContain("Retried 1 record: 1 failed again");
    expect(called(calls, "errors_retry").map((c) => c.args)).toEqual([{ errorIds: [11] }]);
    await waitFor(() => expect(called(calls, "run_list").length).toBeGreaterThan(listed));

    await userEvent.click(screen.getByRole("button", { name: "Show new run" }));
    expect(await screen.findByRole("heading", { name: /Errors of CUSTOMER · selected records/ })).toBeTruthy();
  });

  it("retries the checked records together", async () => {
    const calls: Call[] = [];
    mockBackend(calls);
    renderWithProviders(<RunsPage />);

    const panel = await openFullSync();
    const retrySelected = within(panel).getByRole("button", { name: "Retry selected" });
    expect(retrySelected.hasAttribute("disabled")).toBe(true);
    const group = await within(panel).findByRole("region", { name: `2 records: ${NOT_COUPLED}` });
    await userEvent.click(within(group).getByRole("button", { name: "Show records" }));
    await userEvent.click(within(group).getByRole("checkbox", { name: "Select aaaaaaaa-0000-0000-0000-000000000011" }));
    await userEvent.click(within(group).getByRole("checkbox", { name: "Select cccccccc-0000-0000-0000-000000000013" }));
    expect(within(panel).getByText(/2 selected/)).toBeTruthy();
    await userEvent.click(retrySelected);

    await screen.findByRole("status");
    expect(called(calls, "errors_retry").map((c) => c.args)).toEqual([{ errorIds: [11, 13] }]);
  });

  it("retries every failed record of the run", async () => {
    const calls: Call[] = [];
    mockBackend(calls);
    renderWithProviders(<RunsPage />);

    const panel = await openFullSync();
    await within(panel).findByRole("region", { name: `1 record: ${TOO_LONG}` });
    await userEvent.click(within(panel).getByRole("button", { name: "Retry all failed" }));

    expect((await screen.findByRole("status")).textContent).toContain("Retried 1 record: 1 failed again");
    expect(called(calls, "run_retry").map((c) => c.args)).toEqual([{ run: FULL }]);
  });

  it("shows why a retry failed", async () => {
    mockBackend([], () =>
      Promise.reject({ code: "not_connected", message: "Dataverse: sign in again.", details: [], retryable: false }),
    );
    renderWithProviders(<RunsPage />);

    const panel = await openFullSync();
    await within(panel).findByRole("region", { name: `1 record: ${TOO_LONG}` });
    await userEvent.click(within(panel).getByRole("button", { name: "Retry all failed" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The records could not be retried");
    expect(alert.textContent).toContain("Dataverse: sign in again.");
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("narrows the errors to those matching a search", async () => {
    mockBackend([]);
    renderWithProviders(<RunsPage />);

    const panel = await openFullSync();
    await within(panel).findByRole("region", { name: `1 record: ${TOO_LONG}` });
    await userEvent.type(within(panel).getByRole("searchbox", { name: "Search errors" }), "cccccccc");

    expect(within(panel).getByRole("region", { name: `1 record: ${NOT_COUPLED}` })).toBeTruthy();
    expect(within(panel).queryByRole("region", { name: `1 record: ${TOO_LONG}` })).toBeNull();
    expect(within(panel).getByText("1 of 3 errors match, with 1 message")).toBeTruthy();
  });

  it("lists only the runs with failures when asked", async () => {
    mockBackend([]);
    renderWithProviders(<RunsPage />);

    expect(await screen.findByText("CONTACT")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Only with failures" }));
    expect(screen.queryByText("CONTACT")).toBeNull();
    expect(screen.getByText("Full synchronization")).toBeTruthy();
  });

  it("reads the runs again every 2 seconds while one is running", async () => {
    let reads = 0;
    mockIPC((cmd) => {
      if (cmd !== "run_list") return undefined;
      reads += 1;
      const state = reads === 1 ? "running" : "succeeded";
      return [{ run: run("live", { state, duration_ms: reads === 1 ? null : 3000 }), children: [] }];
    });
    renderWithProviders(<RunsPage />);

    expect(await screen.findByText("Running")).toBeTruthy();
    expect(await screen.findByText("Succeeded", undefined, { timeout: 3500 })).toBeTruthy();
    expect(screen.getByText("3.0 s")).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(reads).toBe(2);
  }, 8000);
});
