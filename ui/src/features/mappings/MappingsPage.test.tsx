import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithProviders, unmountAndSettle } from "../../app/testing";
import { MappingsPage } from "./MappingsPage";

const customer = {
  name: "CUSTOMER",
  erp_entity: "customers",
  crm_entity: "account",
  enabled: true,
  update_conflict: "none",
  deletion_conflict: "none",
};

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

describe("table mappings page", () => {
  it("changes what happens when both sides changed, and says why a change was refused", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "mapping_settings":
          return [customer];
        case "mapping_settings_update": {
          const a = args as { enabled: boolean | null };
          if (a.enabled === false) {
            throw {
              code: "validation",
              message: "CUSTOMER depends on SALESPEOPLE: disable CUSTOMER first.",
              details: [],
              retryable: false,
            };
          }
          return { ...customer, update_conflict: "erp_wins" };
        }
        default:
          return undefined;
      }
    });
    renderWithProviders(<MappingsPage />);

    await userEvent.click(await screen.findByRole("combobox", { name: "CUSTOMER when both sides changed" }));
    await userEvent.click(await screen.findByRole("option", { name: "Business Central wins" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "mapping_settings_update")?.args).toEqual({
        name: "CUSTOMER",
        enabled: null,
        updateConflict: "erp_wins",
        deletionConflict: null,
      }),
    );

    await userEvent.click(screen.getByRole("switch", { name: "CUSTOMER enabled" }));
    expect(await screen.findByText(/disable CUSTOMER first/)).toBeTruthy();
  });
});
