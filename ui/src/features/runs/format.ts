// Pure wording of the synchronization log: durations, directions, run titles, counters, retry outcomes.
import type { Counters, Direction, RunReport, RunState, RunView, SyncError } from "../../ipc/client";

export const DIRECTION_TEXT: Record<Direction, string> = {
  to_crm: "Business Central → Dataverse",
  from_crm: "Dataverse → Business Central",
  bidirectional: "Both ways",
};

export const STATE_TEXT: Record<RunState, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  partially_succeeded: "Partially succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** "0.4 s", "2.4 s", "42 s", "1 min 12 s", "2 h 5 min"; "–" when not known. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) {
    return "–";
  }
  if (ms < 9950) {
    return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  }
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) {
    return `${seconds} s`;
  }
  if (seconds < 3600) {
    const s = seconds % 60;
    return `${Math.floor(seconds / 60)} min${s ? ` ${s} s` : ""}`;
  }
  const minutes = Math.round(seconds / 60);
  const m = minutes % 60;
  return `${Math.floor(minutes / 60)} h${m ? ` ${m} min` : ""}`;
}

/** A local date and time in the user's format, e.g. "Mar 5, 2025, 2:02:11 PM". */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** The first 8 characters of an id, enough to tell records apart on screen. */
export function shortId(id: string | null): string {
  if (id === null) {
    return "–";
  }
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}

/** What a run did, in words: "Full synchronization", "CUSTOMER", "CUSTOMER · selected records". */
export function runTitle(run: RunView): string {
  switch (run.kind) {
    case "full_sync":
      return "Full synchronization";
    case "sync_records":
      return run.mapping ? `${run.mapping} · selected records` : "Selected records";
    case "couple":
      return run.mapping ? `${run.mapping} · coupling` : "Coupling";
    case "uncouple":
      return run.mapping ? `${run.mapping} · uncoupling` : "Uncoupling";
    case "sync_mapping":
      return run.mapping ?? "Table mapping";
  }
}

const COUNTER_WORDS: [keyof Counters, string][] = [
  ["inserted", "created"],
  ["modified", "modified"],
  ["deleted", "deleted"],
  ["unchanged", "unchanged"],
  ["skipped", "skipped"],
  ["failed", "failed"],
  ["coupled", "coupled"],
  ["uncoupled", "uncoupled"],
];

/** The non-zero counters, e.g. [["inserted", "3 created"], ["failed", "1 failed"]]. */
export function counterParts(counters: Counters): [keyof Counters, string][] {
  return COUNTER_WORDS.filter(([key]) => counters[key] > 0).map(([key, word]) => [key, `${counters[key]} ${word}`]);
}

/** Whether the run or one of its parts is still going. */
export function isActive(report: RunReport): boolean {
  const going = (run: RunView) => run.state === "running" || run.state === "queued";
  return going(report.run) || report.children.some(going);
}

/** The outcome of a retry for a message bar: its words and how it went. */
export interface RetryOutcome {
  text: string;
  intent: "success" | "warning" | "error";
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "Retried 1 record: 1 failed again", "Retried 3 records: 2 modified, 1 unchanged". */
export function retryOutcome(reports: RunReport[]): RetryOutcome {
  const sum = (key: keyof Counters) => reports.reduce((n, r) => n + r.run.counters[key], 0);
  // Coupling counts the same records again (a created record is also coupled), so it is left out.
  const counted = COUNTER_WORDS.filter(([key]) => key !== "coupled" && key !== "uncoupled" && sum(key) > 0);
  const records = counted.reduce((n, [key]) => n + sum(key), 0);
  const parts = counted.map(([key, word]) => `${sum(key)} ${key === "failed" ? "failed again" : word}`);
  const failedRun = reports.find((r) => r.run.state === "failed");
  const head =
    records > 0 ? `Retried ${plural(records, "record")}: ${parts.join(", ")}` : "Nothing was synchronized again";
  const tail = failedRun?.run.message ? `. ${failedRun.run.message}` : "";
  const intent = failedRun ? "error" : sum("failed") > 0 ? "warning" : "success";
  return { text: `${head}${tail}`, intent };
}

/** Sync errors with one message, for showing 500 alike errors as one line. */
export interface ErrorGroup {
  message: string;
  errors: SyncError[];
}

/** Groups errors by identical message, in the order the messages first appear. */
export function groupByMessage(errors: SyncError[]): ErrorGroup[] {
  const groups = new Map<string, SyncError[]>();
  for (const error of errors) {
    const group = groups.get(error.message);
    if (group) {
      group.push(error);
    } else {
      groups.set(error.message, [error]);
    }
  }
  return [...groups].map(([message, list]) => ({ message, errors: list }));
}

/** The errors whose message, cause, mapping or record ids contain `text` (any case). */
export function searchErrors(errors: SyncError[], text: string): SyncError[] {
  const needle = text.trim().toLowerCase();
  if (!needle) {
    return errors;
  }
  return errors.filter((e) =>
    [e.message, e.cause, e.mapping, e.source_id, e.destination_id].some((f) => f?.toLowerCase().includes(needle)),
  );
}

/** Whether a run (or a part of it) left records failed or stopped on an error. */
export function hasFailures(report: RunReport): boolean {
  const failed = (run: RunView) => run.counters.failed > 0 || run.state === "failed";
  return failed(report.run) || report.children.some(failed);
}
