// Summary statistics over samples: median, p95, p99, min, max, mean (nearest-rank percentiles).

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** { n, median, p95, p99, min, max, mean } of finite numbers, rounded to 3 decimals. */
export function summarize(values) {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const r = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
  return {
    n: s.length,
    median: r(median(s)),
    p95: r(percentile(s, 95)),
    p99: r(percentile(s, 99)),
    min: r(s[0] ?? null),
    max: r(s.at(-1) ?? null),
    mean: r(mean),
  };
}

/** a / b rounded to 3 decimals, or null. */
export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? Math.round((a / b) * 1000) / 1000 : null;
}
