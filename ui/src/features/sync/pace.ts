// How fast a pass goes and how long it still needs, from two observations of its progress.

/** Where a pass stood when this window first saw it. */
export type Seen = { at: number; processed: number };

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * "850 records/s · about 12 s left": the rate since `seen`, and the time left when the total is
 * known. Empty until a second has passed and records moved, so the figure means something.
 */
export function paceText(seen: Seen, processed: number, total: number | null, now: number): string {
  const seconds = (now - seen.at) / 1000;
  const moved = processed - seen.processed;
  if (seconds < 1 || moved <= 0) return "";
  const rate = moved / seconds;
  const speed = `${Math.round(rate).toLocaleString("en-US")} records/s`;
  if (total === null || total <= processed) return speed;
  return `${speed} · about ${duration((total - processed) / rate)} left`;
}
