// The words the coupling pages use for sides, entities, counts and outcomes.
import type { Direction, RunReport, Side } from "../../ipc/client";

/** The product on each side. */
export const SYSTEM: Record<Side, string> = { erp: "Business Central", crm: "Dataverse" };

/** The other side. */
export function otherSide(side: Side): Side {
  return side === "erp" ? "crm" : "erp";
}

/** Each one-way direction, as the user reads it. */
export const DIRECTION_LABEL: Record<Exclude<Direction, "bidirectional">, string> = {
  to_crm: "Business Central → Dataverse",
  from_crm: "Dataverse → Business Central",
};

/** The one-way direction that moves data away from `side`. */
export function directionFrom(side: Side): Exclude<Direction, "bidirectional"> {
  return side === "erp" ? "to_crm" : "from_crm";
}

/** Readable names of the entities Couplet knows, singular and plural. */
const ENTITY_NOUNS: Record<string, [string, string]> = {
  account: ["account", "accounts"],
  contact: ["contact", "contacts"],
  contacts: ["contact", "contacts"],
  customers: ["customer", "customers"],
  systemuser: ["user", "users"],
  salespeople: ["salesperson", "salespeople"],
  salespeoplePurchasers: ["salesperson", "salespeople"],
  currencies: ["currency", "currencies"],
  transactioncurrency: ["currency", "currencies"],
};

/** What one record of `entity` is called (the entity's own name when unknown). */
export function entityNoun(entity: string, count = 1): string {
  const known = ENTITY_NOUNS[entity];
  if (known) {
    return count === 1 ? known[0] : known[1];
  }
  if (count === 1 || entity.endsWith("s")) {
    return entity;
  }
  return /[^aeiou]y$/.test(entity) ? `${entity.slice(0, -1)}ies` : `${entity}s`;
}

/** "1 customer", "2 customers". */
export function countOf(count: number, entity: string): string {
  return `${count.toLocaleString()} ${entityNoun(entity, count)}`;
}

/** How a synchronization of chosen records ended. */
export type Outcome = { intent: "success" | "warning" | "error"; text: string };

const COUNTER_WORDS: [keyof RunReport["run"]["counters"], string][] = [
  ["inserted", "created"],
  ["coupled", "coupled to an existing record"],
  ["modified", "modified"],
  ["unchanged", "unchanged"],
  ["skipped", "skipped"],
  ["deleted", "deleted"],
  ["failed", "failed"],
];

/** "Synchronized 1 customer: 1 modified", with the run's message when something failed. */
export function syncOutcome(report: RunReport, count: number, entity: string): Outcome {
  const { state, counters, message } = report.run;
  const parts = COUNTER_WORDS.filter(([key]) => counters[key] > 0).map(([key, word]) => `${counters[key]} ${word}`);
  const what = countOf(count, entity);
  const detail = message ? ` ${message}` : "";
  if (state === "failed" || state === "cancelled") {
    const verb = state === "failed" ? "failed" : "was cancelled";
    return { intent: "error", text: `Synchronizing ${what} ${verb}.${detail}` };
  }
  const summary = `Synchronized ${what}: ${parts.length > 0 ? parts.join(", ") : "nothing to do"}`;
  if (state === "partially_succeeded" || counters.failed > 0) {
    return { intent: "warning", text: `${summary}.${detail}` };
  }
  return { intent: "success", text: summary };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const shortDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "short" });

/** "just now", "5 min ago", "3 h ago", else the short local date and time. */
export function whenText(iso: string, now = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) {
    return iso;
  }
  const ago = now - at;
  if (ago >= 0 && ago < MINUTE) {
    return "just now";
  }
  if (ago >= 0 && ago < HOUR) {
    return `${Math.floor(ago / MINUTE)} min ago`;
  }
  if (ago >= 0 && ago < 24 * HOUR) {
    return `${Math.floor(ago / HOUR)} h ago`;
  }
  return shortDateTime.format(at);
}

/** The full local date and time, for a tooltip. */
export function fullTime(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : new Date(at).toLocaleString();
}
