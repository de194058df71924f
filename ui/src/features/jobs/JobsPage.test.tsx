import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { renderWithProviders, unmountAndSettle } from "../../app/testing";
import { JobsPage } from "./JobsPage";

function job(over: object) {
  return {
    id: "0195b3f2-0000-7000-8000-0000000000a1",
    work: "CUSTOMER (changed records)",
    mapping: "CUSTOMER",
    every_minutes: 30,
    status: "ready",
    next_run_at: "2026-11-24T01:30:00Z",
    last_run: null,
    last_run_at: null,
    failures: 0,
    inactivity_minutes: 720,
    ...over,
  };
}

afterEach(async () => {
  await unmountAndSettle();
  clearMocks();
});

describe("jobs page", () => {
  it("lists the jobs with their status and runs one now, resumes a stopped one", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "job_list":
          return [
            job({}),
            job({
              id: "0195b3f2-0000-7000-8000-0000000000a2",
              work: "SALESPEOPLE (changed records)",
              status: "failed",
              failures: 5,
            }),
          ];
        case "job_run_now":
        case "job_resume":
          return job({});
        default:
          return undefined;
      }
    });
    renderWithProviders(<JobsPage />);

    const customer = await screen.findByRole("row", { name: /CUSTOMER \(changed records\)/ });
    expect(customer.textContent).toContain("Ready");
    const salespeople = screen.getByRole("row", { name: /SALESPEOPLE/ });
    expect(salespeople.textContent).toContain("Stopped after failing");
    expect(salespeople.textContent).toContain("5 failed runs in a row");

    await userEvent.click(within(customer).getByRole("button", { name: "Run now" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "job_run_now")?.args).toEqual({
        id: "0195b3f2-0000-7000-8000-0000000000a1",
      }),
    );
    await userEvent.click(within(salespeople).getByRole("button", { name: "Resume" }));
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "job_resume")?.args).toEqual({
        id: "0195b3f2-0000-7000-8000-0000000000a2",
      }),
    );
  });
});
