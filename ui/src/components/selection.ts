/** `current` with `ids` added (`on`) or removed: the next value of a multi-selection. */
export function withToggled<T>(current: ReadonlySet<T>, ids: readonly T[], on: boolean): Set<T> {
  const next = new Set(current);
  for (const id of ids) {
    if (on) {
      next.add(id);
    } else {
      next.delete(id);
    }
  }
  return next;
}
