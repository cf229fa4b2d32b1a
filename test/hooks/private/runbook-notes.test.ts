import { Duration } from 'aws-cdk-lib';
import { metricGateNotes, migrationNotes, preflightNotes, smokeCheckNotes } from '../../../lib/hooks/private/runbook-notes';

describe('what hooks say of themselves in a runbook', () => {
  test('a smoke check: request, expectations, budget, attempts and where its secret goes', () => {
    expect(smokeCheckNotes([{
      name: 'orders', path: '/orders', method: 'POST', expectedStatuses: [200, 201], bodyContains: 'id', versionHeader: 'x-app-version',
      expectedVersion: '1.2.3', timeoutMs: 2000, latencyBudgetMs: 300, attempts: 3, secretArn: 'arn:secret', secretHeader: 'x-api-key',
    }])).toEqual(['`POST /orders` (orders): status 200 or 201, body contains `id`, version (header `x-app-version`) is `1.2.3`; '
      + 'timeout 2000 ms, latency budget 300 ms, 3 attempt(s), sends a secret in `x-api-key`']);
    expect(smokeCheckNotes([])).toEqual(['no checks yet']);
  });

  test('the metric gate: its own thresholds, the defaults for the rest, and a dry run', () => {
    const notes = metricGateNotes({
      loadBalancerFullName: 'app/a/1', targetGroupFullNames: [], trafficShift: 'all-at-once', bakeWindowSeconds: 600, lookbackSeconds: 600,
      thresholds: { maxLatencySeconds: 0.8 }, dryRun: true,
    });
    expect(notes).toContain('compares green with blue over the all-at-once shift; bake window 10 minutes, lookback 10 minutes');
    expect(notes).toContain('fails when green\'s p99 latency exceeds 1.5× blue\'s (and by more than 50 ms)');
    expect(notes).toContain('fails when green\'s p99 latency exceeds 800 ms');
    expect(notes).toContain('dry run: reports its verdict but never fails a deployment');
  });

  test('the migration and the pre-flight check', () => {
    expect(migrationNotes(['rake', 'db:migrate'], Duration.minutes(45), undefined, Duration.minutes(30)))
      .toEqual(['runs `rake db:migrate` as a one-off task of the new task definition; stopped after 45 minutes', 'no dry run']);
    expect(preflightNotes({ alarmNames: () => ['db-cpu'], readsDeploymentGroup: false, calendars: [] }))
      .toEqual(['refuses to start while a rollback alarm fires: `db-cpu`']);
  });
});
