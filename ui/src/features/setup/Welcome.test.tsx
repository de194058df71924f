import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderApp, unmountAndSettle } from "../../app/testing";

const notConnected = {
  erp_connected: false,
  crm_connected: false,
  uses_demo_systems: false,
  demo_running: false,
  sync_running: false,
  sync_run_id: null,
};

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

describe("welcome screen", () => {
  it("starts the demo systems and then opens the full synchronization page", async () => {
    const calls: string[] = [];
    let connected = false;
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        switch (cmd) {
          case "app_status":
            return connected
              ? { ...notConnected, erp_connected: true, crm_connected: true, uses_demo_systems: true, demo_running: true }
              : notConnected;
          case "demo_start":
            connected = true;
            return [];
          case "mapping_list":
            return [];
          case "run_list":
            return [];
          default:
            return undefined;
        }
      },
      { shouldMockEvents: true },
    );
    renderApp();

    await userEvent.click(await screen.findByRole("button", { name: "Try with demo systems" }));

    expect(await screen.findByRole("heading", { name: "Full synchronization" })).toBeTruthy();
    expect(calls).toContain("demo_start");
  });

  it("shows why the demo systems could not start and stays on the welcome screen", async () => {
    mockIPC((cmd) => {
      if (cmd === "app_status") return notConnected;
      if (cmd === "demo_start") {
        return Promise.reject({
          code: "internal",
          message: "The demo systems could not start: address in use",
          details: [],
          retryable: false,
        });
      }
      return undefined;
    });
    renderApp();

    await userEvent.click(await screen.findByRole("button", { name: "Try with demo systems" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The demo systems could not start: address in use");
    expect(screen.getByRole("heading", { name: "Welcome to Couplet" })).toBeTruthy();
  });

  it("offers connecting real systems only once the wizard exists", async () => {
    mockIPC((cmd) => (cmd === "app_status" ? notConnected : undefined));
    renderApp();

    const connect = await screen.findByRole("button", { name: "Connect to my systems" });
    expect(connect.hasAttribute("disabled")).toBe(true);
    await waitFor(() => expect(screen.getByText(/connection wizard comes in the next version/)).toBeTruthy());
  });
});
