import {
  METRIC_GATE_CONFIG_ENV,
  METRIC_GATE_DEFAULTS,
  MetricGateHookConfig,
  TrafficShiftMode,
  UncertainVerdictAction,
} from '../../lib/private/contract/metric-gate';
import { ResolvedThresholds, resolveThresholds } from './verdict';

export interface MetricGateSettings {
  readonly loadBalancerFullName: string;
  readonly targetGroupFullNames: [string, string];
  readonly trafficShift: TrafficShiftMode;
  readonly bakeWindowSeconds: number;
  readonly lookbackSeconds: number;
  readonly metricDelaySeconds: number;
  readonly thresholds: ResolvedThresholds;
  readonly onMarginal: UncertainVerdictAction;
  readonly onInconclusive: UncertainVerdictAction;
  readonly production: boolean;
  readonly dryRun: boolean;
}

const MODES: readonly TrafficShiftMode[] = ['all-at-once', 'canary', 'linear'];
const ACTIONS: readonly UncertainVerdictAction[] = ['fail', 'pass', 'fail-in-production'];

function fail(message: string): never {
  throw new Error(`invalid ${METRIC_GATE_CONFIG_ENV}: ${message}`);
}

function nonNegative(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`${field} must be a non-negative number`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (!allowed.includes(value as T)) {
    fail(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function flag(value: unknown, field: string): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  if (typeof value !== 'boolean') {
    fail(`${field} must be true or false`);
  }
  return value;
}

export function loadMetricGateSettings(env: NodeJS.ProcessEnv = process.env): MetricGateSettings {
  const raw = env[METRIC_GATE_CONFIG_ENV];
  if (!raw) {
    fail('not set');
  }
  let parsed: Partial<MetricGateHookConfig>;
  try {
    parsed = JSON.parse(raw) as Partial<MetricGateHookConfig>;
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    fail('must be a JSON object');
  }
  const lb = parsed.loadBalancerFullName;
  if (typeof lb !== 'string' || !/^app\/[^/]+\/[^/]+$/.test(lb)) {
    fail('loadBalancerFullName must look like app/<name>/<id>');
  }
  const tgs = parsed.targetGroupFullNames;
  if (!Array.isArray(tgs) || tgs.length !== 2 || tgs.some((tg) => typeof tg !== 'string' || !/^targetgroup\/[^/]+\/[^/]+$/.test(tg))) {
    fail('targetGroupFullNames must be the two target groups, each like targetgroup/<name>/<id>');
  }
  if (parsed.trafficShift === undefined) {
    fail('trafficShift is required');
  }
  let thresholds: ResolvedThresholds;
  try {
    thresholds = resolveThresholds(parsed.thresholds ?? {});
  } catch (error) {
    fail((error as Error).message);
  }
  return {
    loadBalancerFullName: lb,
    targetGroupFullNames: [tgs[0], tgs[1]],
    trafficShift: oneOf(parsed.trafficShift, 'trafficShift', MODES, 'all-at-once'),
    bakeWindowSeconds: nonNegative(parsed.bakeWindowSeconds, 'bakeWindowSeconds', METRIC_GATE_DEFAULTS.bakeWindowSeconds),
    lookbackSeconds: nonNegative(parsed.lookbackSeconds, 'lookbackSeconds', METRIC_GATE_DEFAULTS.lookbackSeconds),
    metricDelaySeconds: nonNegative(parsed.metricDelaySeconds, 'metricDelaySeconds', METRIC_GATE_DEFAULTS.metricDelaySeconds),
    thresholds,
    onMarginal: oneOf(parsed.onMarginal, 'onMarginal', ACTIONS, METRIC_GATE_DEFAULTS.onMarginal),
    onInconclusive: oneOf(parsed.onInconclusive, 'onInconclusive', ACTIONS, METRIC_GATE_DEFAULTS.onInconclusive),
    production: flag(parsed.production, 'production'),
    dryRun: flag(parsed.dryRun, 'dryRun'),
  };
}
