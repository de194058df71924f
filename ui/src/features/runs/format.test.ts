import { describe, expect, it } from "vitest";
import type { RunReport, RunView, SyncError } from "../../ipc/client";
import { counterParts, formatDuration, groupByMessage, retryOutcome, runTitle, shortId } from "./format";

const zero = { inserted: 0, modified: 0, deleted: 0, unchanged: 0, skipped: 0, failed: 0, coupled: 0, uncoupled: 0 };

function run(over: Partial<RunView> = {}): RunView {
  return {
    id: "r1",
    kind: "sync_records",
    mapping: "CUSTOMER",
    direction: "to_crm",
    parent: null,
    state: "succeeded",
    counters: zero,
    started_at: "2025-03-05T10:00:00Z",
    finished_at: "2025-03-05T10:00:02Z",
    duration_ms: 2000,
    message: null,
    ...over,
  };
}

function report(over: Partial<RunView>): RunReport {
  return { run: run(over), children: [] };
}

describe("formatDuration", () => {
  it.each([
    [0, "0.0 s"],
    [350, "0.4 s"],
    [2400, "2.4 s"],
    [9949, "9.9 s"],
    [9950, "10 s"],
    [42_300, "42 s"],
    [59_600, "1 min"],
    [72_000, "1 min 12 s"],
    [3_599_600, "1 h"],
    [3_900_000, "1 h 5 min"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("says nothing for a run still going", () => {
    expect(formatDuration(null)).toBe("–");
  });
});

describe("wording", () => {
  it("names runs by what they did", () => {
    expect(runTitle(run({ kind: "full_sync", mapping: null }))).toBe("Full synchronization");
    expect(runTitle(run({ kind: "sync_mapping" }))).toBe("CUSTOMER");
    expect(runTitle(run({ kind: "sync_records" }))).toBe("CUSTOMER · selected records");
  });

  it("lists only non-zero counters", () => {
    expect(counterParts({ ...zero, inserted: 3, failed: 1 })).toEqual([
      ["inserted", "3 created"],
      ["failed", "1 failed"],
    ]);
    expect(counterParts(zero)).toEqual([]);
  });

  it("shortens ids and keeps short ones", () => {
    expect(shortId("0195b3f2-0000-7000-8000-000000000001")).toBe("0195b3f2…");
    expect(shortId("C00010")).toBe("C00010");
    expect(shortId(null)).toBe("–");
  });
});

describe("retryOutcome", () => {
  it("says how many records failed again", () => {
    expect(retryOutcome([report({ state: "partially_succeeded", counters: { ...zero, failed: 1 } })])).toEqual({
      text: "Retried 1 record: 1 failed again",
      intent: "warning",
    });
  });

  it("adds up the runs of several mappings", () => {
    const outcome = retryOutcome([
      report({ counters: { ...zero, modified: 2 } }),
      report({ mapping: "CONTACT", counters: { ...zero, inserted: 1, coupled: 1 } }),
    ]);
    expect(outcome).toEqual({ text: "Retried 3 records: 1 created, 2 modified", intent: "success" });
  });

  it("shows why a retry run failed as a whole", () => {
    const outcome = retryOutcome([report({ state: "failed", message: "Dataverse could not be reached." })]);
    expect(outcome.intent).toBe("error");
    expect(outcome.text).toBe("Nothing was synchronized again. Dataverse could not be reached.");
  });
});

describe("groupByMessage", () => {
  it("groups identical messages in the order they first appear", () => {
    const error = (id: number, message: string): SyncError => ({
      id,
      run_id: "r1",
      mapping: "CUSTOMER",
      direction: "to_crm",
      source_id: `s${id}`,
      destination_id: null,
      message,
      cause: null,
      retryable: false,
      at: "2025-03-05T10:00:00Z",
    });
    const groups = groupByMessage([error(1, "A"), error(2, "B"), error(3, "A")]);
    expect(groups.map((g) => [g.message, g.errors.map((e) => e.id)])).toEqual([
      ["A", [1, 3]],
      ["B", [2]],
    ]);
  });
});
