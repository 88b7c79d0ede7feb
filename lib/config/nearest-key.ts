/**
 * "Did you mean …?": the valid key (or option) nearest to one the parser does not know, by a
 * typo-tolerant edit distance. One function serves the unknown-key check (key-names.ts), the
 * unknown transform and predicate options (transforms.ts) and `npm run migrate`.
 */

/**
 * The edit distance between `a` and `b`, ignoring case: insertions, deletions, substitutions and
 * swaps of two neighbouring characters each count one (optimal string alignment), so `mapp`,
 * `mpa` and `Map` are all one edit from `map`.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  // Three rows: the swap rule looks two rows back.
  let before = new Array<number>(t.length + 1).fill(0);
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  let current = new Array<number>(t.length + 1).fill(0);
  for (let i = 1; i <= s.length; i++) {
    current[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      }
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[t.length] ?? 0;
}

/**
 * How many edits still read as a typo of `candidate`: one per six characters, at least one and at
 * most four. Farther than that, a suggestion is more likely a different key than the one meant.
 */
export function typoAllowance(candidate: string): number {
  return Math.max(1, Math.min(4, Math.floor(candidate.length / 6)));
}

/** A candidate key and how many edits it is from the unknown one. */
export interface ScoredKey {
  readonly key: string;
  readonly distance: number;
}

/**
 * The candidates nearest to `unknown` within their typo allowance, best first; ties at the best
 * distance are all returned (at most three), farther ones never.
 *
 * @example
 * nearestKeys('starrocks.topic2table.mapp', ['starrocks.topic2table.map', 'topics']) // ['starrocks.topic2table.map']
 */
export function nearestKeys(unknown: string, candidates: Iterable<string | ScoredKey>): string[] {
  const scored: ScoredKey[] = [];
  for (const candidate of candidates) {
    const entry = typeof candidate === 'string' ? scoreKey(unknown, candidate) : candidate;
    if (entry.key === unknown) continue;
    if (entry.distance <= typoAllowance(entry.key)) scored.push(entry);
  }
  const best = Math.min(...scored.map((s) => s.distance));
  const nearest = scored.filter((s) => s.distance === best).map((s) => s.key);
  return [...new Set(nearest)].slice(0, 3);
}

/** `candidate` scored against `unknown` by {@link editDistance}. */
export function scoreKey(unknown: string, candidate: string): ScoredKey {
  return { key: candidate, distance: editDistance(unknown, candidate) };
}

/** `did you mean a?` / `did you mean a or b?`; empty when there is no suggestion. */
export function didYouMean(suggestions: readonly string[]): string {
  if (suggestions.length === 0) return '';
  const last = suggestions[suggestions.length - 1];
  const head = suggestions.slice(0, -1);
  return `did you mean ${head.length === 0 ? last : `${head.join(', ')} or ${last}`}?`;
}
