// Choosing table mappings: a mapping comes with the mappings it depends on, and goes with those
// that depend on it.
import type { Direction, MappingView } from "../../ipc/client";

export const DIRECTION_WORDS: Record<Direction, string> = {
  to_crm: "Business Central → Dataverse",
  from_crm: "Dataverse → Business Central",
  bidirectional: "Both ways",
};

function reachable(start: string, neighbours: (name: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [start];
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (!seen.has(next)) {
      seen.add(next);
      pending.push(...neighbours(next));
    }
  }
  return seen;
}

/** `chosen` with `name` and everything it depends on, directly or not. */
export function choose(catalog: MappingView[], chosen: ReadonlySet<string>, name: string): Set<string> {
  const needed = reachable(name, (n) => catalog.find((m) => m.name === n)?.dependencies ?? []);
  return new Set([...chosen, ...needed]);
}

/** `chosen` without `name` and everything that depends on it, directly or not. */
export function unchoose(catalog: MappingView[], chosen: ReadonlySet<string>, name: string): Set<string> {
  const dependents = reachable(name, (n) => catalog.filter((m) => m.dependencies.includes(n)).map((m) => m.name));
  return new Set([...chosen].filter((n) => !dependents.has(n)));
}

/** The chosen names in the catalog's order (dependencies first, as the backend lists them). */
export function inCatalogOrder(catalog: MappingView[], chosen: ReadonlySet<string>): string[] {
  return catalog.filter((m) => chosen.has(m.name)).map((m) => m.name);
}
