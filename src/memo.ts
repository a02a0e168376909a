/**
 * Answers kept by key, for work a hot path repeats with the same input (a date's format, a
 * token's HMAC): `kept(key, compute)` gives the kept answer or computes and keeps it. At most
 * `maxEntries` are kept; when full the map starts over, which costs no bookkeeping per call and
 * suits values that are cheap to compute again.
 */
export function keptAnswers<K, V>(maxEntries: number): (key: K, compute: () => V) => V {
  const kept = new Map<K, V>();
  return (key, compute) => {
    let value = kept.get(key);
    if (value === undefined) {
      value = compute();
      if (kept.size >= maxEntries) kept.clear();
      kept.set(key, value);
    }
    return value;
  };
}
