/**
 * What the MetricGateHook construct passes to the metric-gate handler.
 *
 * The whole configuration travels as one JSON document in a single environment variable.
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variable holding `JSON.stringify(MetricGateHookConfig)`. */
export const METRIC_GATE_CONFIG_ENV = 'CDK_ECS_RELEASE_METRIC_GATE_CONFIG';

/**
 * How production traffic moves from the blue to the green task set. Public in `lib/` as
 * `TrafficShiftingKind`; its values are the construct API's and never travel to the handler.
 */
export enum TrafficShiftingKind {
  /** All traffic at once. */
  ALL_AT_ONCE = 'ALL_AT_ONCE',
  /** A first slice, then the rest after an interval. */
  CANARY = 'CANARY',
  /** Equal slices at regular intervals. */
  LINEAR = 'LINEAR',
  /** A deployment configuration defined elsewhere. */
  CUSTOM = 'CUSTOM',
}

/** The kinds whose comparison window the metric gate knows: every kind but `CUSTOM`. */
export type KnownTrafficShiftingKind = Exclude<TrafficShiftingKind, TrafficShiftingKind.CUSTOM>;

/** The wire form of each known kind; the compiler requires one entry per kind but `CUSTOM`. */
export const TRAFFIC_SHIFT_MODES = {
  [TrafficShiftingKind.ALL_AT_ONCE]: 'all-at-once',
  [TrafficShiftingKind.CANARY]: 'canary',
  [TrafficShiftingKind.LINEAR]: 'linear',
} as const satisfies Record<KnownTrafficShiftingKind, string>;

/** How CodeDeploy shifts production traffic for this deployment group, as the handler reads it. */
export type TrafficShiftMode = (typeof TRAFFIC_SHIFT_MODES)[KnownTrafficShiftingKind];

/**
 * What the metric gate does when its verdict is not a clear pass or fail. Public in `lib/` under
 * this name; its values travel to the handler as they are.
 */
export enum UncertainVerdictPolicy {
  /** Fail the hook: CodeDeploy rolls back. */
  FAIL = 'fail',
  /** Pass the hook: the deployment goes on. */
  PASS = 'pass',
  /** Fail when the hook's `production` flag is set, pass otherwise. */
  FAIL_IN_PRODUCTION = 'fail-in-production',
}

/**
 * What a `marginal` or `inconclusive` verdict does, as the handler reads it from JSON: the values
 * of {@link UncertainVerdictPolicy}.
 * - `fail`: report Failed (CodeDeploy rolls back);
 * - `pass`: report Succeeded;
 * - `fail-in-production`: Failed when `production` is true, Succeeded otherwise.
 */
export type UncertainVerdictAction = `${UncertainVerdictPolicy}`;

/**
 * Thresholds of the comparison, green against blue and against absolute ceilings. A check
 * *passes* when green is within its threshold, is *marginal* when green exceeds the threshold
 * by no more than `marginalBand` (a fraction of the threshold), and *fails* beyond that:
 * - latency: threshold = max(latencyRatio × blue p99, latencyFloorSeconds);
 * - errors: threshold = blue error rate + errorRateDeltaPercentagePoints (error rate in %).
 */
export interface MetricGateThresholds {
  /** Default 1.5: green p99 may be up to 1.5 × blue p99. */
  readonly latencyRatio?: number;
  /** Green p99 at or under this many seconds always passes the latency check. Default 0.05. */
  readonly latencyFloorSeconds?: number;
  /** Default 0.5: green 5xx rate may exceed blue's by half a percentage point. */
  readonly errorRateDeltaPercentagePoints?: number;
  /** Default 0.1: up to 10 % over a threshold is marginal, more is a failure. */
  readonly marginalBand?: number;
  /**
   * Fewer green requests than this: only a statistical test can fail a check (the 5xx rate's
   * one-sided 95 % Wilson bound, a rank or sign test of per-minute p99), and a sample the test
   * cannot tell from healthy is inconclusive. Default 50.
   */
  readonly minRequestCount?: number;
  /** Fewer blue (baseline) requests than this: the checks against blue are inconclusive. Default minRequestCount. */
  readonly minBaselineRequestCount?: number;
  /** Green's 5xx rate, in percent, over which it fails whatever blue did. Default 1 (the runbook's 1 %). */
  readonly maxErrorRatePercent?: number;
  /** Green's p99 in seconds over which it fails whatever blue did. Default: no ceiling. */
  readonly maxLatencySeconds?: number;
}

export const METRIC_GATE_DEFAULTS = {
  latencyRatio: 1.5,
  latencyFloorSeconds: 0.05,
  errorRateDeltaPercentagePoints: 0.5,
  marginalBand: 0.1,
  minRequestCount: 50,
  maxErrorRatePercent: 1,
  bakeWindowSeconds: 300,
  lookbackSeconds: 600,
  metricDelaySeconds: 90,
  onMarginal: 'fail-in-production',
  onInconclusive: 'pass',
} as const;

export interface MetricGateHookConfig {
  /** Load balancer dimension value, `app/<name>/<id>` (the ALB's `loadBalancerFullName`). */
  readonly loadBalancerFullName: string;
  /**
   * Both target groups' dimension values, `targetgroup/<name>/<id>` (`targetGroupFullName`).
   * Which one is green is read from the deployment itself at run time.
   */
  readonly targetGroupFullNames: string[];
  /**
   * The production listener rule that Amazon ECS moves from blue to green, as an ARN
   * (`arn:<partition>:elasticloadbalancing:<region>:<account>:listener-rule/app/<name>/<id>/<listener id>/<rule id>`),
   * of the load balancer `loadBalancerFullName` names. Required under Amazon ECS blue/green, where
   * green is the target group this rule forwards production traffic to once it has shifted;
   * not read under CodeDeploy, whose deployment says which task set is green.
   */
  readonly productionListenerRuleArn?: string;
  /** The deployment group's traffic shifting. */
  readonly trafficShift: TrafficShiftMode;
  /**
   * all-at-once: how long green is observed after the shift, and how long before the shift blue
   * is observed as the baseline. The hook waits (across invocations if needed) until this window
   * has elapsed. Default 300.
   */
  readonly bakeWindowSeconds?: number;
  /**
   * canary / linear: the comparison window is the deployment's AllowTraffic event, while both
   * target groups served production. When CodeDeploy does not report its timing, or it lasted
   * under a minute, the window is this many seconds up to the shift. Default 600.
   */
  readonly lookbackSeconds?: number;
  /** Seconds allowed for ALB metrics to land in CloudWatch before the window is read. Default 90. */
  readonly metricDelaySeconds?: number;
  readonly thresholds?: MetricGateThresholds;
  /** Default `fail-in-production`. */
  readonly onMarginal?: UncertainVerdictAction;
  /** Default `pass`: a service with too little traffic to judge is left to its rollback alarms. */
  readonly onInconclusive?: UncertainVerdictAction;
  /** Whether this deployment group serves production. Default false. */
  readonly production?: boolean;
  /** Evaluate and log the verdict, but always report Succeeded. Default false. */
  readonly dryRun?: boolean;
}
