import { describe, expect, it } from "vitest";
import type { RecordRow } from "../../ipc/client";
import { countByFilter, filterRecords, searchRecords, searchable } from "./records";

function row(id: string, title: string, over: Partial<RecordRow> = {}): RecordRow {
  return {
    id,
    key: null,
    title,
    modified_on: "2025-03-05T10:00:00Z",
    status: "not_coupled",
    counterpart_id: null,
    counterpart_title: null,
    last_synced_at: null,
    error: null,
    ...over,
  };
}

const rows = [
  row("1", "Adatum", { status: "coupled", counterpart_id: "x", counterpart_title: "Adatum Corp.", key: "C-100" }),
  row("2", "Trey", { status: "failed", error: "No salesperson" }),
  row("3", "Fabrikam", { status: "failed", counterpart_id: "y", counterpart_title: "Fabrikam" }),
  row("4", "Contoso", { status: "counterpart_missing", counterpart_id: "z" }),
];

describe("record filters", () => {
  it("counts a record that failed under Failed and under Coupled or Not coupled", () => {
    expect(countByFilter(rows)).toEqual({ all: 4, coupled: 3, not_coupled: 1, failed: 2 });
    expect(filterRecords(rows, "not_coupled").map((r) => r.id)).toEqual(["2"]);
    expect(filterRecords(rows, "coupled").map((r) => r.id)).toEqual(["1", "3", "4"]);
  });

  it("searches names, keys and counterpart names in any case", () => {
    const all = searchable(rows);
    expect(searchRecords(all, "  CORP. ").map((r) => r.id)).toEqual(["1"]);
    expect(searchRecords(all, "c-1").map((r) => r.id)).toEqual(["1"]);
    expect(searchRecords(all, "fab").map((r) => r.id)).toEqual(["3"]);
    expect(searchRecords(all, "")).toHaveLength(4);
  });
});
