import { describe, expect, it } from '@jest/globals';
import { baseMetricName, dashboardExpressions, promqlMetricNames } from './promql-metric-names.js';

describe('promqlMetricNames', () => {
  it('keeps metric names and drops functions, keywords, labels and ranges', () => {
    const expr = `histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{route!~"/metrics|x_y"}[5m])))
      > 1 and on(instance) up{job="slipway"} == 0 unless slipway:http_errors:ratio_rate5m offset 1h`;
    expect(promqlMetricNames(expr)).toEqual([
      'http_request_duration_seconds_bucket',
      'slipway:http_errors:ratio_rate5m',
      'up',
    ]);
  });

  it('ignores numbers with exponents and time()', () => {
    expect(promqlMetricNames('time() - slipway_backup_last_success_timestamp_seconds > 1e3 * 26')).toEqual([
      'slipway_backup_last_success_timestamp_seconds',
    ]);
  });

  it('maps histogram series to their metric', () => {
    expect(baseMetricName('slipway_retrieval_duration_seconds_bucket')).toBe(
      'slipway_retrieval_duration_seconds',
    );
    expect(baseMetricName('slipway_answers_total')).toBe('slipway_answers_total');
  });

  it('finds expressions in nested dashboard panels', () => {
    const dashboard = { panels: [{ targets: [{ expr: 'a' }] }, { panels: [{ targets: [{ expr: 'b' }] }] }] };
    expect(dashboardExpressions(dashboard)).toEqual(['a', 'b']);
  });
});
