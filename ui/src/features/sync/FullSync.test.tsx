import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderApp, unmountAndSettle } from "../../app/testing";
import { catalog, notConnected } from "../setup/fixtures";

const mappings = catalog;

/** What app_status answers for a connected app; `changes` override single fields. */
function connected(changes: Record<string, unknown> = {}) {
  return { ...notConnected, erp_connected: true, crm_connected: true, ...changes };
}

const counters = { inserted: 0, modified: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0, coupled: 0, uncoupled: 0 };

function progress(mapping: string, phase: string, processed: number, total: number | null, inserted = 0) {
  return {
    run_id: "0195b3f2-0000-7000-8000-000000000001",
    mapping,
    direction: "to_crm",
    phase,
    processed,
    total,
    counters: { ...counters, inserted },
  };
}

function usage(requests: number, throttled: number, throttle_wait_ms: number) {
  return {
    requests,
    limit: 6_000,
    window_secs: 300,
    throttled,
    throttle_wait_ms,
    burst_remaining: null,
    time_remaining_ms: null,
    concurrency: 8,
  };
}

/** Mocks a connected demo whose full sync runs until cancelled. */
function mockBackend(calls: string[]) {
  let running = false;
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      switch (cmd) {
        case "app_status":
          return connected({
            uses_demo_systems: true,
            demo_running: true,
            sync_running: running,
            sync_run_id: running ? "0195b3f2-0000-7000-8000-000000000000" : null,
          });
        case "mapping_list":
          return mappings;
        case "run_list":
          return [];
        case "full_sync_start":
          running = true;
          return "0195b3f2-0000-7000-8000-000000000000";
        case "full_sync_cancel":
          running = false;
          return null;
        default:
          return undefined;
      }
    },
    { shouldMockEvents: true },
  );
}

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

describe("full synchronization page", () => {
  it("lists one line per mapping, starts the sync and shows live progress and counters", async () => {
    const calls: string[] = [];
    mockBackend(calls);
    renderApp();

    expect(await screen.findByText("SALESPEOPLE")).toBeTruthy();
    expect(screen.getByText("CUSTOMER")).toBeTruthy();
    expect(screen.getByText("No full synchronization has run yet.")).toBeTruthy();

    await userEvent.click(screen.getByRole("button", { name: "Start" }));
    await waitFor(() => expect(calls).toContain("full_sync_start"));
    await waitFor(() => expect(screen.getByRole("button", { name: "Start" }).hasAttribute("disabled")).toBe(true));

    await act(() => emit("sync-progress", progress("SALESPEOPLE", "finished", 3, 3, 3)));
    await act(() =>
      emit("sync-progress", {
        ...progress("CUSTOMER", "synchronizing", 25, 100, 20),
        erp_usage: usage(120, 0, 0),
        crm_usage: usage(1_234, 2, 12_000),
      }),
    );

    const customer = await screen.findByRole("progressbar", { name: "CUSTOMER progress" });
    await waitFor(() => expect(customer.getAttribute("aria-valuenow")).toBe("25"));
    expect(customer.getAttribute("aria-valuemax")).toBe("100");
    expect(screen.getByText("25 of 100 read")).toBeTruthy();
    expect(screen.getByText("20 created · 0 modified · 0 unchanged · 0 failed")).toBeTruthy();
    expect(screen.getByText("Finished")).toBeTruthy();
    expect(screen.getByLabelText("Quota used").textContent).toBe(
      "Business Central 120/6,000 requests in 5 min · Dataverse 1,234/6,000 requests in 5 min, throttled 2× (waited 12 s)",
    );
    const salespeople = screen.getByRole("progressbar", { name: "SALESPEOPLE progress" });
    expect(salespeople.getAttribute("aria-valuenow")).toBe("1");
  });

  it("shows the progress kept by the app when the window opens during a run", async () => {
    mockIPC(
      (cmd) => {
        switch (cmd) {
          case "app_status":
            return connected({
              uses_demo_systems: true,
              demo_running: true,
              sync_running: true,
              sync_run_id: "0195b3f2-0000-7000-8000-000000000000",
              sync_progress: [progress("SALESPEOPLE", "finished", 3, 3, 3), progress("CUSTOMER", "synchronizing", 40, 80, 30)],
            });
          case "mapping_list":
            return mappings;
          case "run_list":
            return [];
          default:
            return undefined;
        }
      },
      { shouldMockEvents: true },
    );
    renderApp();

    const customer = await screen.findByRole("progressbar", { name: "CUSTOMER progress" });
    await waitFor(() => expect(customer.getAttribute("aria-valuenow")).toBe("40"));
    expect(screen.getByText("40 of 80 read")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Start" }).hasAttribute("disabled")).toBe(true);
  });

  it("shows between runs how each mapping's part of the last full synchronization ended", async () => {
    const run = (id: string, kind: string, mapping: string | null, state: string, inserted: number, failed: number) => ({
      id,
      kind,
      mapping,
      direction: null,
      parent: null,
      state,
      counters: { ...counters, inserted, failed },
      started_at: "2026-11-23T10:00:00Z",
      finished_at: "2026-11-23T10:00:02Z",
      duration_ms: 2000,
      message: null,
    });
    mockIPC((cmd) => {
      switch (cmd) {
        case "app_status":
          return connected();
        case "mapping_list":
          return mappings;
        case "run_list":
          return [
            { run: run("r3", "sync_records", "CUSTOMER", "succeeded", 0, 0), children: [] },
            {
              run: run("r1", "full_sync", null, "partially_succeeded", 60, 1),
              children: [
                run("r1a", "sync_mapping", "SALESPEOPLE", "succeeded", 4, 0),
                run("r1b", "sync_mapping", "CUSTOMER", "partially_succeeded", 56, 1),
              ],
            },
          ];
        default:
          return undefined;
      }
    });
    renderApp();

    expect(await screen.findByText("Partially succeeded")).toBeTruthy();
    expect(screen.getByText("Succeeded")).toBeTruthy();
    expect(screen.getByText("56 created · 0 modified · 0 unchanged · 1 failed")).toBeTruthy();
    expect(screen.getByText("Last run: partially succeeded in 2.0 s.")).toBeTruthy();
  });

  it("cancels the running sync", async () => {
    const calls: string[] = [];
    mockBackend(calls);
    renderApp();

    await userEvent.click(await screen.findByRole("button", { name: "Start" }));
    const cancel = screen.getByRole("button", { name: "Cancel" });
    await waitFor(() => expect(cancel.hasAttribute("disabled")).toBe(false));
    await userEvent.click(cancel);

    await waitFor(() => expect(calls).toContain("full_sync_cancel"));
  });

  it("shows the backend's message when the sync cannot start", async () => {
    mockIPC((cmd) => {
      switch (cmd) {
        case "app_status":
          return connected();
        case "mapping_list":
          return mappings;
        case "run_list":
          return [];
        case "full_sync_start":
          return Promise.reject({
            code: "not_connected",
            message: "Dataverse: no client secret is stored. Connect again.",
            details: [],
            retryable: false,
          });
        default:
          return undefined;
      }
    });
    renderApp();

    await userEvent.click(await screen.findByRole("button", { name: "Start" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Dataverse: no client secret is stored. Connect again.");
  });
});

const planCounts = { create: 0, update: 0, couple: 0, unchanged: 0, conflict: 0, skip: 0, delete: 0, fail: 0 };

const plan = {
  id: "0195b3f2-0000-7000-8000-0000000000aa",
  created_at: "2026-11-24T00:00:00Z",
  scope: "full synchronization",
  counts: { ...planCounts, create: 1, update: 1, unchanged: 7 },
  mappings: [
    { mapping: "SALESPEOPLE", counts: { ...planCounts, unchanged: 3 }, message: null, records: [] },
    {
      mapping: "CUSTOMER",
      counts: { ...planCounts, create: 1, update: 1, unchanged: 4 },
      message: null,
      records: [
        {
          pass: "to_crm",
          action: "update",
          source: "0195b3f2-0000-7000-8000-0000000000c1",
          destination: "0195b3f2-0000-7000-8000-0000000000d1",
          changes: [{ field: "telephone1", old: "+1 425 555 0100", new: "+1 425 555 0199" }],
          reason: null,
        },
        {
          pass: "to_crm",
          action: "create",
          source: "0195b3f2-0000-7000-8000-0000000000c2",
          destination: "0195b3f2-0000-7000-8000-0000000000d2",
          changes: [{ field: "name", old: null, new: "Trey Research" }],
          reason: null,
        },
      ],
    },
  ],
};

describe("dry run", () => {
  it("shows what a full synchronization would change, field by field, and applies exactly that plan", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC(
      (cmd, args) => {
        calls.push({ cmd, args });
        switch (cmd) {
          case "app_status":
            return connected({ uses_demo_systems: true, demo_running: true });
          case "mapping_list":
            return mappings;
          case "run_list":
            return [];
          case "plan_preview":
            return plan;
          case "plan_apply_start":
            return "0195b3f2-0000-7000-8000-000000000000";
          default:
            return undefined;
        }
      },
      { shouldMockEvents: true },
    );
    renderApp();

    await userEvent.click(await screen.findByRole("button", { name: "Dry run" }));
    const panel = await screen.findByRole("region", { name: "Dry run" });
    expect(calls.find((c) => c.cmd === "plan_preview")?.args).toEqual({ request: { kind: "full" } });
    expect(panel.textContent).toContain("Nothing was written");
    expect(panel.textContent).toContain('telephone1: "+1 425 555 0100" → "+1 425 555 0199"');
    expect(panel.textContent).toContain('name: — → "Trey Research"');
    const planned = screen.getByRole("table", { name: "Planned changes per mapping" });
    const customerRow = within(planned).getByRole("row", { name: /^CUSTOMER/ });
    expect(customerRow.textContent).toBe("CUSTOMER11040000");
    expect(calls.some((c) => c.cmd === "full_sync_start")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Apply this plan" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "plan_apply_start")?.args).toEqual({ plan: plan.id }),
    );
    await waitFor(() => expect(screen.queryByRole("region", { name: "Dry run" })).toBeNull());
  });
});
