import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderApp, renderWithProviders, unmountAndSettle } from "../../app/testing";
import { FirstRun } from "./FirstRun";
import { demo, fakeBackend, notConnected } from "./fixtures";

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

describe("welcome screen", () => {
  it("starts the demo systems and opens the wizard filled in for them, without connecting", async () => {
    const backend = fakeBackend();
    mockIPC(backend.handler, { shouldMockEvents: true });
    renderWithProviders(<FirstRun />);

    await userEvent.click(screen.getByRole("button", { name: "Try with demo systems" }));

    expect(await screen.findByRole("heading", { name: "Connect Couplet" })).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Environment URL" })).toHaveProperty("value", demo.crm.url);
    expect(backend.called("demo_prepare")).toHaveLength(1);
    expect(backend.called("demo_start")).toHaveLength(0);
  });

  it("goes straight to the demo systems when the app was started with --demo", async () => {
    const backend = fakeBackend({ app_status: () => ({ ...notConnected, demo_requested: true }) });
    mockIPC(backend.handler, { shouldMockEvents: true });
    renderApp();

    expect(await screen.findByRole("heading", { name: "Connect Couplet" })).toBeTruthy();
    expect(screen.getByRole("textbox", { name: "Environment URL" })).toHaveProperty("value", demo.crm.url);
    expect(backend.called("demo_prepare")).toHaveLength(1);
  });

  it("shows why the demo systems could not start and stays on the welcome screen", async () => {
    const backend = fakeBackend({
      demo_prepare: () =>
        Promise.reject({
          code: "internal",
          message: "The demo systems could not start: address in use",
          details: [],
          retryable: false,
        }),
    });
    mockIPC(backend.handler);
    renderWithProviders(<FirstRun />);

    await userEvent.click(screen.getByRole("button", { name: "Try with demo systems" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The demo systems could not start: address in use");
    expect(screen.getByRole("heading", { name: "Welcome to Couplet" })).toBeTruthy();
  });

  it("opens the wizard empty for real systems, with Microsoft's authority host", async () => {
    mockIPC(fakeBackend().handler);
    renderWithProviders(<FirstRun />);

    await userEvent.click(screen.getByRole("button", { name: "Connect to my systems" }));

    expect(screen.getByRole("textbox", { name: "Environment URL" })).toHaveProperty("value", "");
    expect(screen.getByRole("button", { name: "Advanced" }).getAttribute("aria-expanded")).toBe("false");
    await userEvent.click(screen.getByRole("button", { name: "Advanced" }));
    expect(screen.getByRole("textbox", { name: "Authority host" })).toHaveProperty(
      "value",
      "https://login.microsoftonline.com",
    );
    expect(screen.getByRole("textbox", { name: "Scope" })).toHaveProperty("value", "");
  });

  it("comes back from the wizard on Cancel, asking first when something was typed", async () => {
    mockIPC(fakeBackend().handler);
    renderWithProviders(<FirstRun />);

    await userEvent.click(screen.getByRole("button", { name: "Connect to my systems" }));
    await userEvent.type(screen.getByRole("textbox", { name: "Tenant" }), "contoso.onmicrosoft.com");
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await userEvent.click(await screen.findByRole("button", { name: "Discard" }));

    expect(await screen.findByRole("heading", { name: "Welcome to Couplet" })).toBeTruthy();
  });
});
