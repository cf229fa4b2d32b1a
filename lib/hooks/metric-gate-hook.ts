import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  METRIC_GATE_CONFIG_ENV,
  METRIC_GATE_DEFAULTS,
  MetricGateHookConfig,
  MetricGateThresholds,
  TRAFFIC_SHIFT_MODES,
  TrafficShiftMode,
  TrafficShiftingKind,
  UncertainVerdictPolicy,
} from '../../contract/metric-gate';
import { bindHookFunction } from './private/hook-function';
import {
  DurationRule, durationProblem, integerRangeProblem, literalNumberProblem, numberRangeProblem, recordPropProblem, valid, wholeDurationIn,
} from '../private/validation';
import { targetGroupFullName } from '../private/metric-dimensions';
import { HookFunctionOptions } from './hook-options';
import { LifecycleEvent } from '../service/lifecycle-event';
import { ILifecycleHook } from '../service/lifecycle-hook';
import { grantDeploymentTargetReads } from '../private/deployment-target-grants';
import { setRunbookNotes } from '../private/runbook-notes';
import { metricGateNotes } from './private/runbook-notes';

/** Longest bake window: the hook must finish within CodeDeploy's hour, metric delay included. */
const MAX_BAKE_WINDOW_MINUTES = 45;
const MAX_LOOKBACK_MINUTES = 24 * 60;
/** Lambda's longest run. */
const TIMEOUT = Duration.minutes(15);
/** Why the gate's numbers and durations must be literals. */
const CONFIG_NEEDS_LITERALS = 'the gate\'s thresholds and windows are checked and converted to the handler\'s units at synthesis, '
  + 'and written into its configuration, where nothing else would check them before a deployment runs the gate';
/** The window used after an invalid or unknown traffic shifting was recorded; synthesis fails anyway. */
const STAND_IN_TRAFFIC_SHIFT: TrafficShiftMode = TRAFFIC_SHIFT_MODES[TrafficShiftingKind.ALL_AT_ONCE];

// Defined once, in the contract, whose values the handler reads.
export { UncertainVerdictPolicy } from '../../contract/metric-gate';

/** Properties of a {@link MetricGateHook}. */
export interface MetricGateHookProps extends HookFunctionOptions {
  /**
   * Green's p99 target response time may be up to this multiple of blue's. At least 1.
   * @default 1.5
   */
  readonly latencyRatio?: number;

  /**
   * A green p99 at or under this always passes the latency check, however fast blue is.
   * @default Duration.millis(50)
   */
  readonly latencyFloor?: Duration;

  /**
   * Green's target 5xx rate may exceed blue's by this many percentage points (0.5 = half a point).
   * @default 0.5
   */
  readonly errorRateDelta?: number;

  /**
   * How far over a threshold, as a fraction of it, still counts as marginal rather than failed.
   * @default 0.1
   */
  readonly marginalBand?: number;

  /**
   * With fewer green requests than this, only a statistical test can fail a check (the 5xx rate's
   * confidence bound, a rank or sign test of per-minute p99); what it cannot tell from healthy
   * is inconclusive.
   * @default 50
   */
  readonly minRequestCount?: number;

  /**
   * Fewer blue (baseline) requests than this make the comparisons with blue inconclusive; the
   * ceilings still judge green.
   * @default - `minRequestCount`
   */
  readonly minBaselineRequestCount?: number;

  /**
   * Green's target 5xx rate, in percent, over which the gate fails whatever blue did, so that a
   * broken green fails even with no blue traffic to compare. Judged by its one-sided 95 %
   * Wilson bound: with few requests only a rate the data prove over it fails.
   * @default 1
   */
  readonly maxErrorRatePercent?: number;

  /**
   * Green's p99 target response time over which the gate fails whatever blue did.
   * @default - no ceiling: how slow is too slow depends on the service
   */
  readonly maxLatency?: Duration;

  /**
   * All-at-once shifting: how long green is observed after the shift (and blue before it).
   * At least one metric period (1 minute), at most 45 minutes. With canary or linear shifting
   * the window is the shift itself, so this has no effect (synthesis warns).
   * @default Duration.minutes(5)
   */
  readonly bakeWindow?: Duration;

  /**
   * Canary and linear shifting: the window read up to the shift when CodeDeploy does not report
   * how long both versions served production together.
   * @default Duration.minutes(10)
   */
  readonly lookback?: Duration;

  /**
   * What a marginal verdict (green over a threshold, within the marginal band) does.
   * @default UncertainVerdictPolicy.FAIL_IN_PRODUCTION
   */
  readonly onMarginal?: UncertainVerdictPolicy;

  /**
   * What an inconclusive verdict (too little traffic to judge) does. Passing leaves such a
   * service to its rollback alarms.
   * @default UncertainVerdictPolicy.PASS
   */
  readonly onInconclusive?: UncertainVerdictPolicy;

  /**
   * Whether this service serves production; `FAIL_IN_PRODUCTION` fails only then.
   * @default false
   */
  readonly production?: boolean;

  /**
   * Evaluate and log the verdict, but always let the deployment go on. For trying the gate out.
   * @default false
   */
  readonly dryRun?: boolean;

  /**
   * How the service shifts production traffic, which decides the comparison window. Needed only
   * when the service uses a deployment configuration this library cannot read.
   * @default - the service's traffic shifting
   */
  readonly trafficShiftingKind?: TrafficShiftingKind;
}

/**
 * Compares the new (green) version with the old (blue) one on the load balancer's target 5xx
 * rate and p99 response time once production traffic has moved, and rolls the deployment back
 * when green is clearly worse. Runs at `AfterAllowTraffic`, while blue is still there to return to.
 *
 * With canary or linear shifting both versions are compared over the time they served
 * production side by side; with all-at-once shifting, green over the bake window after the
 * shift against blue over as long before it.
 *
 * @exampleMetadata fixture=lib
 * @example
 * new MetricGateHook(this, 'MetricGate', { service, production: true });
 */
export class MetricGateHook extends Construct implements ILifecycleHook {
  public readonly lifecycleEvent: LifecycleEvent = LifecycleEvent.AFTER_ALLOW_TRAFFIC;
  public readonly function: lambda.IFunction;
  /** The log group of the hook function, with one line per comparison made. */
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: MetricGateHookProps) {
    super(scope, id);
    const service = props.service;
    // Invalid props are recorded, failing synthesis, and replaced by their defaults meanwhile.
    props = this.validProps(props);
    const bakeWindow = props.bakeWindow ?? Duration.seconds(METRIC_GATE_DEFAULTS.bakeWindowSeconds);
    const lookback = props.lookback ?? Duration.seconds(METRIC_GATE_DEFAULTS.lookbackSeconds);

    const thresholds: MetricGateThresholds = {
      ...(props.latencyRatio !== undefined ? { latencyRatio: props.latencyRatio } : {}),
      ...(props.latencyFloor !== undefined ? { latencyFloorSeconds: wholeDurationIn(props.latencyFloor, 'millis') / 1000 } : {}),
      ...(props.errorRateDelta !== undefined ? { errorRateDeltaPercentagePoints: props.errorRateDelta } : {}),
      ...(props.marginalBand !== undefined ? { marginalBand: props.marginalBand } : {}),
      ...(props.minRequestCount !== undefined ? { minRequestCount: props.minRequestCount } : {}),
      ...(props.minBaselineRequestCount !== undefined ? { minBaselineRequestCount: props.minBaselineRequestCount } : {}),
      ...(props.maxErrorRatePercent !== undefined ? { maxErrorRatePercent: props.maxErrorRatePercent } : {}),
      ...(props.maxLatency !== undefined ? { maxLatencySeconds: wholeDurationIn(props.maxLatency, 'millis') / 1000 } : {}),
    };
    const trafficShift = this.trafficShiftMode(props);
    if (props.bakeWindow !== undefined && trafficShift !== 'all-at-once') {
      // A warning, not an error: the gate still judges green, over the shift; one set of gate
      // props may serve an all-at-once staging service and a canary production one.
      Annotations.of(this).addWarningV2('cdk-ecs-release:metricGateBakeWindowIgnored',
        `bakeWindow (${props.bakeWindow.toHumanString()}) has no effect with ${trafficShift} shifting: the gate compares green with blue `
        + 'over the time both served production; remove bakeWindow, or lengthen the shift\'s interval to observe green longer');
    }
    const config: MetricGateHookConfig = {
      loadBalancerFullName: service.loadBalancerFullName,
      targetGroupFullNames: [targetGroupFullName(service.blueTargetGroup), targetGroupFullName(service.greenTargetGroup)],
      // On the ECS engine, green is the target group this rule sends production traffic to.
      ...(service.productionListenerRule ? { productionListenerRuleArn: service.productionListenerRule.listenerRuleArn } : {}),
      trafficShift,
      bakeWindowSeconds: wholeDurationIn(bakeWindow, 'seconds'),
      lookbackSeconds: wholeDurationIn(lookback, 'seconds'),
      thresholds,
      onMarginal: props.onMarginal ?? UncertainVerdictPolicy.FAIL_IN_PRODUCTION,
      onInconclusive: props.onInconclusive ?? UncertainVerdictPolicy.PASS,
      production: props.production ?? false,
      dryRun: props.dryRun ?? false,
    };

    const binding = bindHookFunction(this, {
      kind: 'metric-gate',
      lifecycleEvent: this.lifecycleEvent,
      service,
      hookName: `${service.serviceName} metric gate`,
      does: 'compares the new version with the old on 5xx rate and p99 latency (AfterAllowTraffic hook)',
      sharedDoes: 'Compares the new version with the old on 5xx rate and p99 latency (AfterAllowTraffic hook)',
      // Lambda's longest run; a longer bake window is waited out by fresh invocations.
      timeout: TIMEOUT,
      defaults: { timeout: TIMEOUT },
      environment: { [METRIC_GATE_CONFIG_ENV]: Stack.of(this).toJsonString(config) },
      config: { ...config },
      logRetention: props.logRetention,
      tracing: props.tracing,
      role: props.role,
      selfInvoke: true,
    });
    this.function = binding.function;
    this.logGroup = binding.logGroup;

    // GetMetricData has no resource-level permissions: AWS accepts only `*`. Read-only.
    binding.addWildcardStatement(new iam.PolicyStatement({
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
    }), 'cloudwatch:GetMetricData, read-only, has no resource-level permissions: AWS accepts it on * only.');
    if (service.productionListenerRule) {
      // DescribeRules has no resource-level permissions: AWS accepts only `*`. Read-only.
      binding.addWildcardStatement(new iam.PolicyStatement({
        actions: ['elasticloadbalancing:DescribeRules'],
        resources: ['*'],
      }), 'elasticloadbalancing:DescribeRules, read-only, has no resource-level permissions: AWS accepts it on * only.');
    } else {
      // Which target group is green and when traffic moved, from CodeDeploy's record of the deployment.
      grantDeploymentTargetReads(binding.role);
    }

    setRunbookNotes(this, () => metricGateNotes(config));
    service.addHook(this);
  }

  private trafficShiftMode(props: MetricGateHookProps): TrafficShiftMode {
    if (props.trafficShiftingKind === TrafficShiftingKind.CUSTOM) {
      recordPropProblem(this, 'trafficShiftingKind', 'cannot be CUSTOM; say how the custom configuration shifts traffic: ALL_AT_ONCE, CANARY or LINEAR');
      return STAND_IN_TRAFFIC_SHIFT;
    }
    const mode = trafficShiftModeOf(props.trafficShiftingKind ?? props.service.trafficShifting?.kind);
    if (mode === undefined) {
      // The kind is unknown: a custom configuration, or one imported under a name of the user's.
      // An error, not a guess: the wrong window compares the wrong traffic.
      recordPropProblem(this, 'trafficShiftingKind', `is required: the service uses ${props.service.trafficShifting?.describe() ?? 'a deployment configuration not known here'}, `
        + 'whose way of shifting traffic cannot be read at synthesis; set trafficShiftingKind to ALL_AT_ONCE, CANARY or LINEAR, '
        + 'or pass the kind to TrafficShifting.fromDeploymentConfig');
      return STAND_IN_TRAFFIC_SHIFT;
    }
    return mode;
  }

  /** The props with each invalid one recorded and left out, so that its default stands in. */
  private validProps(props: MetricGateHookProps): MetricGateHookProps {
    const number = (prop: string, value: number | undefined, min: number, max: number, fix: string) =>
      (valid(this, prop, literalNumberProblem(value, CONFIG_NEEDS_LITERALS) ?? numberRangeProblem(value, min, max, fix)) ? value : undefined);
    const integer = (prop: string, value: number | undefined, min: number, max: number) =>
      (valid(this, prop, literalNumberProblem(value, CONFIG_NEEDS_LITERALS) ?? integerRangeProblem(value, min, max)) ? value : undefined);
    const duration = (prop: string, value: Duration | undefined, rule: DurationRule) =>
      (valid(this, prop, durationProblem(value, { literalBecause: CONFIG_NEEDS_LITERALS, ...rule })) ? value : undefined);
    return {
      ...props,
      latencyRatio: number('latencyRatio', props.latencyRatio, 1, 100, 'green may be slower than blue by this factor, e.g. 1.5'),
      errorRateDelta: number('errorRateDelta', props.errorRateDelta, 0, 100, 'it is in percentage points, e.g. 0.5 for half a point'),
      marginalBand: number('marginalBand', props.marginalBand, 0, 1, 'it is a fraction of the threshold, e.g. 0.1 for 10 %'),
      minRequestCount: integer('minRequestCount', props.minRequestCount, 0, 1_000_000_000),
      minBaselineRequestCount: integer('minBaselineRequestCount', props.minBaselineRequestCount, 0, 1_000_000_000),
      maxErrorRatePercent: number('maxErrorRatePercent', props.maxErrorRatePercent, 0, 100, 'it is in percent, e.g. 1 for 1 %'),
      // The handler reads latencies in seconds, to the millisecond.
      maxLatency: duration('maxLatency', props.maxLatency, { unit: 'millis', min: 1, max: 60_000,
        fix: 'it is the p99 response time over which green fails, e.g. Duration.seconds(1)' }),
      latencyFloor: duration('latencyFloor', props.latencyFloor, { unit: 'millis', rangeUnit: 'seconds', min: 0, max: 60,
        fix: 'a green p99 at or under it always passes, e.g. Duration.millis(50)' }),
      bakeWindow: duration('bakeWindow', props.bakeWindow, { unit: 'seconds', rangeUnit: 'minutes', min: 1, max: MAX_BAKE_WINDOW_MINUTES,
        fix: 'CodeDeploy waits at most one hour for the hook, and the window needs one metric period (1 minute)' }),
      lookback: duration('lookback', props.lookback, { unit: 'seconds', rangeUnit: 'minutes', min: 1, max: MAX_LOOKBACK_MINUTES,
        fix: 'at least one metric period, at most 1 day, e.g. Duration.minutes(10)' }),
    };
  }
}

/** The handler's name for a kind whose window is known; undefined for CUSTOM, none or a value of no kind. */
function trafficShiftModeOf(kind: TrafficShiftingKind | undefined): TrafficShiftMode | undefined {
  switch (kind) {
    case TrafficShiftingKind.ALL_AT_ONCE:
    case TrafficShiftingKind.CANARY:
    case TrafficShiftingKind.LINEAR:
      return TRAFFIC_SHIFT_MODES[kind];
    default:
      return undefined;
  }
}
