import { Duration, Token } from 'aws-cdk-lib';
import { METRIC_GATE_DEFAULTS, MetricGateHookConfig } from '../../../contract/metric-gate';
import { SMOKE_TEST_DEFAULTS, SmokeCheckSpec } from '../../../contract/smoke-test';
import { describeDuration } from '../../private/validation';

/** What the runbook says of a hook: its settings in words, one line each. */

/** One line per smoke check: method, path, what it expects, its budget and attempts. */
export function smokeCheckNotes(specs: SmokeCheckSpec[]): string[] {
  if (specs.length === 0) {
    return ['no checks yet'];
  }
  return specs.map((spec) => {
    const expects = [`status ${(spec.expectedStatuses ?? SMOKE_TEST_DEFAULTS.expectedStatuses).join(' or ')}`];
    if (spec.bodyContains !== undefined) {
      expects.push(`body contains \`${spec.bodyContains}\``);
    }
    for (const [field, value] of Object.entries(spec.jsonFields ?? {})) {
      expects.push(`\`${field}\` = \`${JSON.stringify(value)}\``);
    }
    const versionFrom = spec.versionHeader !== undefined ? `header \`${spec.versionHeader}\`` : spec.versionJsonField !== undefined
      ? `field \`${spec.versionJsonField}\`` : undefined;
    if (versionFrom !== undefined) {
      const expected = spec.expectedVersion !== undefined ? `\`${spec.expectedVersion}\``
        : `the deployed \`${spec.expectedVersionVariable ?? 'version'}\``;
      expects.push(`version (${versionFrom}) is ${expected}`);
    }
    const limits = [`timeout ${spec.timeoutMs ?? SMOKE_TEST_DEFAULTS.timeoutMs} ms`];
    if (spec.latencyBudgetMs !== undefined) {
      limits.push(`latency budget ${spec.latencyBudgetMs} ms`);
    }
    limits.push(`${spec.attempts ?? SMOKE_TEST_DEFAULTS.attempts} attempt(s)`);
    const auth = spec.secretArn !== undefined ? `, sends a secret in \`${spec.secretHeader ?? SMOKE_TEST_DEFAULTS.secretHeader}\`` : '';
    const request = `${spec.method ?? SMOKE_TEST_DEFAULTS.method} ${spec.path}`;
    // A check named by its request is not named twice.
    const named = spec.name === request ? '' : ` (${spec.name})`;
    return `\`${request}\`${named}: ${expects.join(', ')}; ${limits.join(', ')}${auth}`;
  });
}

/** The metric gate's verdict rules, with the defaults it runs with where none was given. */
export function metricGateNotes(config: MetricGateHookConfig): string[] {
  const t = config.thresholds ?? {};
  const d = METRIC_GATE_DEFAULTS;
  const lines = [
    `compares green with blue over the ${config.trafficShift} shift; bake window ${seconds(config.bakeWindowSeconds ?? d.bakeWindowSeconds)}, lookback ${seconds(config.lookbackSeconds ?? d.lookbackSeconds)}`,
    `fails when green's p99 latency exceeds ${t.latencyRatio ?? d.latencyRatio}× blue's (and by more than ${ms(t.latencyFloorSeconds ?? d.latencyFloorSeconds)})`,
    `fails when green's 5xx rate exceeds blue's by more than ${t.errorRateDeltaPercentagePoints ?? d.errorRateDeltaPercentagePoints} percentage points`,
    `fails when green's 5xx rate exceeds ${t.maxErrorRatePercent ?? d.maxErrorRatePercent}%, whatever blue did`,
  ];
  if (t.maxLatencySeconds !== undefined) {
    lines.push(`fails when green's p99 latency exceeds ${ms(t.maxLatencySeconds)}`);
  }
  lines.push(`needs at least ${t.minRequestCount ?? d.minRequestCount} requests to judge; marginal band ${t.marginalBand ?? d.marginalBand}; `
    + `marginal: ${config.onMarginal ?? d.onMarginal}, inconclusive: ${config.onInconclusive ?? d.onInconclusive}${config.production ? ' (production)' : ''}`);
  if (config.dryRun) {
    lines.push('dry run: reports its verdict but never fails a deployment');
  }
  return lines;
}

/** The migration's command, deadline and dry run. */
export function migrationNotes(command: string[], deadline: Duration, dryRunCommand: string[] | undefined, dryRunTimeout: Duration): string[] {
  return [
    `runs \`${command.join(' ')}\` as a one-off task of the new task definition; stopped after ${describeDuration(deadline)}`,
    dryRunCommand
      ? `dry run at the approval: \`${dryRunCommand.join(' ')}\`, at most ${describeDuration(dryRunTimeout)}`
      : 'no dry run',
  ];
}

function seconds(value: number): string {
  return Token.isUnresolved(value) ? 'a deploy-time duration' : describeDuration(Duration.seconds(value));
}

function ms(secondsValue: number): string {
  return `${Math.round(secondsValue * 1000)} ms`;
}

/** What the pre-flight hook refuses a deployment on. */
export function preflightNotes(options: { alarmNames: () => string[]; readsDeploymentGroup: boolean; window?: string; calendars: string[];
  overrideParameter?: string; }): string[] {
  const named = options.alarmNames();
  const lines = [`refuses to start while ${options.readsDeploymentGroup ? 'an alarm of the deployment group' : 'a rollback alarm'} fires`
    + (named.length > 0 ? `: ${named.map((name) => `\`${name}\``).join(', ')}` : '')];
  if (options.window !== undefined) {
    lines.push(`deployment window: ${options.window}`);
  }
  if (options.calendars.length > 0) {
    lines.push(`change calendars: ${options.calendars.map((name) => `\`${name}\``).join(', ')} (refuses while one is CLOSED)`);
  }
  if (options.overrideParameter !== undefined) {
    lines.push(`freeze override: SSM parameter \`${options.overrideParameter}\``);
  }
  return lines;
}
