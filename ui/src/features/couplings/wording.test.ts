import { describe, expect, it } from "vitest";
import type { RunReport } from "../../ipc/client";
import { countOf, entityNoun, syncOutcome, whenText } from "./wording";

const counters = { inserted: 0, modified: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0, coupled: 0, uncoupled: 0 };

function report(state: RunReport["run"]["state"], more: Partial<typeof counters>, message: string | null = null): RunReport {
  return {
    run: {
      id: "r",
      kind: "sync_records",
      mapping: "CUSTOMER",
      direction: "to_crm",
      parent: null,
      state,
      counters: { ...counters, ...more },
      started_at: "2025-01-01T00:00:00Z",
      finished_at: null,
      duration_ms: null,
      message,
    },
    children: [],
  };
}

describe("wording", () => {
  it("names known entities and falls back to the raw name", () => {
    expect(countOf(1, "customers")).toBe("1 customer");
    expect(countOf(2, "salespeoplePurchasers")).toBe("2 salespeople");
    expect(entityNoun("systemuser", 3)).toBe("users");
    expect(entityNoun("opportunity", 2)).toBe("opportunities");
    expect(entityNoun("items", 1)).toBe("items");
  });

  it("says what a synchronization did", () => {
    expect(syncOutcome(report("succeeded", { modified: 1 }), 1, "customers")).toEqual({
      intent: "success",
      text: "Synchronized 1 customer: 1 modified",
    });
    expect(syncOutcome(report("partially_succeeded", { inserted: 1, failed: 1 }, "1 record failed."), 2, "account").text).toBe(
      "Synchronized 2 accounts: 1 created, 1 failed. 1 record failed.",
    );
    expect(syncOutcome(report("failed", {}, "Dataverse could not be reached."), 1, "account")).toEqual({
      intent: "error",
      text: "Synchronizing 1 account failed. Dataverse could not be reached.",
    });
  });

  it("tells recent times relatively", () => {
    const now = Date.parse("2025-03-01T12:00:00Z");
    expect(whenText("2025-03-01T11:59:30Z", now)).toBe("just now");
    expect(whenText("2025-03-01T11:15:00Z", now)).toBe("45 min ago");
    expect(whenText("2025-03-01T07:00:00Z", now)).toBe("5 h ago");
    expect(whenText("2025-02-01T07:00:00Z", now)).toMatch(/\d/);
  });
});
