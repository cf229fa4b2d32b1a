import {
  METRIC_GATE_CONFIG_ENV,
  METRIC_GATE_DEFAULTS,
  MetricGateHookConfig,
  TrafficShiftMode,
  UncertainVerdictAction,
} from '../../contract/metric-gate';
import { JsonConfigReader } from '../shared/config';
import { ResolvedThresholds, resolveThresholds } from './verdict';

export interface MetricGateSettings {
  readonly loadBalancerFullName: string;
  readonly targetGroupFullNames: [string, string];
  /** Set when the hook runs under Amazon ECS, where it is required. */
  readonly productionListenerRuleArn?: string;
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

// Typed explicitly so that TypeScript narrows after `config.fail(...)`, which never returns.
const config: JsonConfigReader = new JsonConfigReader(METRIC_GATE_CONFIG_ENV);

/** `arn:<partition>:elasticloadbalancing:<region>:<account>:listener-rule/app/<name>/<id>/<listener id>/<rule id>`. */
const LISTENER_RULE_ARN = /^arn:[^:]+:elasticloadbalancing:[^:]+:\d{12}:listener-rule\/(app\/[^/]+\/[^/]+)\/[^/]+\/[^/]+$/;

/**
 * The settings of one run. `engine` is who calls the hook: under Amazon ECS the production
 * listener rule is required (it tells green from blue), under CodeDeploy it is not read.
 */
export function loadMetricGateSettings(env: NodeJS.ProcessEnv = process.env, engine: 'codedeploy' | 'ecs' = 'codedeploy'): MetricGateSettings {
  const parsed = config.read<MetricGateHookConfig>(env, { required: true });
  const lb = parsed.loadBalancerFullName;
  if (typeof lb !== 'string' || !/^app\/[^/]+\/[^/]+$/.test(lb)) {
    config.fail('loadBalancerFullName must look like app/<name>/<id>');
  }
  const productionListenerRuleArn = engine === 'ecs' ? listenerRuleOf(parsed.productionListenerRuleArn, lb) : undefined;
  const tgs = parsed.targetGroupFullNames;
  if (!Array.isArray(tgs) || tgs.length !== 2 || tgs.some((tg) => typeof tg !== 'string' || !/^targetgroup\/[^/]+\/[^/]+$/.test(tg))) {
    config.fail('targetGroupFullNames must be the two target groups, each like targetgroup/<name>/<id>');
  }
  if (parsed.trafficShift === undefined) {
    config.fail('trafficShift is required');
  }
  let thresholds: ResolvedThresholds;
  try {
    thresholds = resolveThresholds(parsed.thresholds ?? {});
  } catch (error) {
    config.fail((error as Error).message);
  }
  return {
    loadBalancerFullName: lb,
    targetGroupFullNames: [tgs[0], tgs[1]],
    ...(productionListenerRuleArn ? { productionListenerRuleArn } : {}),
    trafficShift: config.oneOf(parsed.trafficShift, 'trafficShift', MODES, 'all-at-once'),
    bakeWindowSeconds: config.nonNegativeNumber(parsed.bakeWindowSeconds, 'bakeWindowSeconds', METRIC_GATE_DEFAULTS.bakeWindowSeconds),
    lookbackSeconds: config.nonNegativeNumber(parsed.lookbackSeconds, 'lookbackSeconds', METRIC_GATE_DEFAULTS.lookbackSeconds),
    metricDelaySeconds: config.nonNegativeNumber(parsed.metricDelaySeconds, 'metricDelaySeconds', METRIC_GATE_DEFAULTS.metricDelaySeconds),
    thresholds,
    onMarginal: config.oneOf(parsed.onMarginal, 'onMarginal', ACTIONS, METRIC_GATE_DEFAULTS.onMarginal),
    onInconclusive: config.oneOf(parsed.onInconclusive, 'onInconclusive', ACTIONS, METRIC_GATE_DEFAULTS.onInconclusive),
    production: config.boolean(parsed.production, 'production', false),
    dryRun: config.boolean(parsed.dryRun, 'dryRun', false),
  };
}

/** The production listener rule's ARN, checked to be a rule of the configured load balancer. */
function listenerRuleOf(value: unknown, loadBalancerFullName: string): string {
  if (value === undefined || value === null) {
    config.fail('productionListenerRuleArn is required under Amazon ECS blue/green: '
      + 'the metric gate finds green as the target group the production listener rule forwards traffic to');
  }
  const match = typeof value === 'string' ? LISTENER_RULE_ARN.exec(value) : null;
  if (typeof value !== 'string' || !match) {
    config.fail('productionListenerRuleArn must be a listener rule ARN, '
      + `arn:<partition>:elasticloadbalancing:<region>:<account>:listener-rule/app/<name>/<id>/<listener id>/<rule id>, got ${JSON.stringify(value)}`);
  }
  if (match[1] !== loadBalancerFullName) {
    config.fail(`productionListenerRuleArn ${value} is a rule of load balancer ${match[1]}, not of loadBalancerFullName ${loadBalancerFullName}`);
  }
  return value;
}
