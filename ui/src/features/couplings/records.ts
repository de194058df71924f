// Which records a page shows: the status filter, the search and their counts.
import type { RecordRow } from "../../ipc/client";

/** The filter tabs of a records page. */
export type RecordFilter = "all" | "coupled" | "not_coupled" | "failed";

export const FILTERS: { value: RecordFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "coupled", label: "Coupled" },
  { value: "not_coupled", label: "Not coupled" },
  { value: "failed", label: "Failed" },
];

/** Whether the record has a counterpart (whatever its last sync did). */
export function isCoupled(row: RecordRow): boolean {
  return row.counterpart_id !== null;
}

const TESTS: Record<RecordFilter, (row: RecordRow) => boolean> = {
  all: () => true,
  coupled: isCoupled,
  not_coupled: (row) => !isCoupled(row),
  failed: (row) => row.status === "failed",
};

/** A record with the lower-case text the search looks in, worked out once per list. */
export type Searchable = { row: RecordRow; text: string };

export function searchable(rows: readonly RecordRow[]): Searchable[] {
  return rows.map((row) => ({
    row,
    text: [row.title, row.key ?? "", row.counterpart_title ?? ""].join("\n").toLowerCase(),
  }));
}

/** The records whose name, key or counterpart's name contains `search` (any case). */
export function searchRecords(all: readonly Searchable[], search: string): RecordRow[] {
  const needle = search.trim().toLowerCase();
  return needle === "" ? all.map((s) => s.row) : all.filter((s) => s.text.includes(needle)).map((s) => s.row);
}

/** How many of `rows` each filter keeps. */
export function countByFilter(rows: readonly RecordRow[]): Record<RecordFilter, number> {
  const counts: Record<RecordFilter, number> = { all: 0, coupled: 0, not_coupled: 0, failed: 0 };
  for (const row of rows) {
    for (const { value } of FILTERS) {
      if (TESTS[value](row)) {
        counts[value] += 1;
      }
    }
  }
  return counts;
}

/** The records the filter keeps. */
export function filterRecords(rows: readonly RecordRow[], filter: RecordFilter): readonly RecordRow[] {
  return filter === "all" ? rows : rows.filter(TESTS[filter]);
}
