/**
 * Metric names a PromQL expression reads. Not a full parser: it removes string literals,
 * label matchers, range/offset selectors and grouping clauses, then keeps identifiers that
 * are neither functions (followed by "(") nor PromQL keywords.
 */
const keywords = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\S+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (!name || call || keywords.has(name.toLowerCase())) continue;
    // Skip identifiers glued to digits/dots (e.g. the "e" in 1e3) — metric names never start there.
    const before = stripped[(match.index ?? 0) - 1];
    if (before && /[0-9.]/.test(before)) continue;
    names.add(name);
  }
  return [...names].sort();
}

/** Histogram/summary series map back to the metric they belong to. */
export function baseMetricName(series: string): string {
  return series.replace(/_(bucket|count|sum)$/, '');
}

/** Every PromQL expression in a Grafana dashboard (panels, nested rows, templating queries). */
export function dashboardExpressions(dashboard: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') found.push(value);
        else visit(value);
      }
    }
  };
  visit(dashboard);
  return found;
}

/** Grafana's own range variables are not metrics; replace them before extracting names. */
export function withGrafanaVariablesResolved(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m');
}
