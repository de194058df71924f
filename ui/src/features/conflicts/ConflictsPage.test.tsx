import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithProviders, unmountAndSettle } from "../../app/testing";
import { ConflictsPage, shown } from "./ConflictsPage";

const conflict = {
  id: 3,
  mapping: "CUSTOMER",
  erp_id: "0195b3f2-0000-7000-8000-0000000000e1",
  crm_id: "0195b3f2-0000-7000-8000-0000000000c1",
  fields: [
    { erp_field: "city", crm_field: "address1_city", erp_value: "Lyon", crm_value: "Lille" },
    { erp_field: "phoneNumber", crm_field: "telephone1", erp_value: "+33 1", crm_value: null },
  ],
  first_detected: "2026-11-24T00:00:00Z",
  detected_at: "2026-11-24T00:30:00Z",
  open: true,
  resolution: null,
};

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

describe("conflicts page", () => {
  it("shows both values side by side and resolves with a choice for every field", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    let open = [conflict];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "conflict_list":
          return open;
        case "conflict_resolve":
          open = [];
          return { id: 3, resolution: "Resolved.", runs: [] };
        default:
          return undefined;
      }
    });
    renderWithProviders(<ConflictsPage />);

    const fields = await screen.findByRole("table", { name: "Fields of conflict 3" });
    const city = within(fields).getByRole("row", { name: /city \/ address1_city/ });
    expect(city.textContent).toContain("Lyon");
    expect(city.textContent).toContain("Lille");
    const resolve = screen.getByRole("button", { name: "Resolve" });
    expect(resolve.hasAttribute("disabled")).toBe(true);

    const keepCity = screen.getByRole("radiogroup", { name: "Keep for city" });
    await userEvent.click(within(keepCity).getByLabelText("Dataverse"));
    expect(resolve.hasAttribute("disabled")).toBe(true);
    const keepPhone = screen.getByRole("radiogroup", { name: "Keep for phoneNumber" });
    await userEvent.click(within(keepPhone).getByLabelText("Business Central"));
    await userEvent.click(resolve);

    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "conflict_resolve")?.args).toEqual({
        id: 3,
        choices: [
          { field: "city", side: "crm" },
          { field: "phoneNumber", side: "erp" },
        ],
      }),
    );
    expect(await screen.findByText(/No conflicts/)).toBeTruthy();
  });

  it("keeps one side for every field in one click and shows why a resolution was refused", async () => {
    mockIPC((cmd) => {
      switch (cmd) {
        case "conflict_list":
          return [conflict];
        case "conflict_resolve":
          throw {
            code: "conflict",
            message: "A record of conflict 3 changed since the conflict was met.",
            details: [],
            retryable: false,
          };
        default:
          return undefined;
      }
    });
    renderWithProviders(<ConflictsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Keep all Business Central" }));
    await userEvent.click(screen.getByRole("button", { name: "Resolve" }));
    expect(await screen.findByText(/changed since the conflict was met/)).toBeTruthy();
  });

  it("shows an empty value as a dash", () => {
    expect(shown(null)).toBe("—");
    expect(shown("")).toBe("—");
    expect(shown(12)).toBe("12");
  });
});
