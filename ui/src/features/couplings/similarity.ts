// How alike two record names are, for suggesting which record to couple a record to.

/** Words that say what kind of company it is, not which one. */
const LEGAL_FORMS = new Set(["inc", "ltd", "llc", "corp", "corporation", "co", "company", "gmbh", "ag", "sa", "bv", "plc"]);

/** The words of a name: lower case, accents and punctuation dropped, legal forms left out. */
export function words(name: string): string[] {
  const all = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const meaningful = all.filter((w) => !LEGAL_FORMS.has(w));
  return meaningful.length > 0 ? meaningful : all;
}

/** The number of single-character edits that turn `a` into `b` (Levenshtein). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * How alike two names are, from 0 (nothing in common) to 1 (the same words): the better of the
 * share of words they have in common (Dice) and one minus their edit distance over the longer length.
 */
export function similarity(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  if (wa.length === 0 || wb.length === 0) {
    return 0;
  }
  const inB = new Set(wb);
  const common = new Set(wa.filter((w) => inB.has(w))).size;
  const overlap = (2 * common) / (new Set(wa).size + inB.size);
  const ja = wa.join(" ");
  const jb = wb.join(" ");
  const edits = 1 - editDistance(ja, jb) / Math.max(ja.length, jb.length);
  return Math.max(overlap, edits);
}

/** Below this, two names are not alike enough to suggest coupling them. */
export const SUGGESTION_THRESHOLD = 0.5;

/**
 * The candidate to suggest for `title`: the first one with the same name (case and surrounding
 * spaces ignored), else the most alike one if alike enough, else none.
 */
export function suggestMatch<T extends { title: string }>(title: string, candidates: readonly T[]): T | undefined {
  const wanted = title.trim().toLowerCase();
  const same = candidates.find((c) => c.title.trim().toLowerCase() === wanted);
  if (same) {
    return same;
  }
  let best: T | undefined;
  let bestScore = SUGGESTION_THRESHOLD;
  for (const c of candidates) {
    const score = similarity(title, c.title);
    if (score >= bestScore && (best === undefined || score > bestScore)) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}
