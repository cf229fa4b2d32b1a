import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { filterPatternProblem } from './filter-pattern';
import { TargetGroupSource, metricRequestCount } from '../../private/metrics';
import {
  describeDuration, durationProblem, integerRangeProblem, isResolved, literalNumberProblem, recordPropProblem, valid, wholeDuration,
} from '../../private/validation';
import type { RollbackAlarmsProps } from '../rollback-alarms-options';

/** Each target group contributes two metrics to an alarm, and an alarm may use at most 10. */
const MAX_TARGET_GROUPS = 5;

/** CloudWatch evaluates at most one day of data. */
const MAX_WINDOW_SECONDS = 86400;

/** The longest a load balancer waits for a response: its greatest idle timeout. */
const MAX_RESPONSE_SECONDS = 4000;

/** Beyond these the alarm can never fire, or its threshold is no longer a finite number. */
const MAX_LATENCY_MULTIPLIER = 1000;
const MAX_ANOMALY_BAND_WIDTH = 100;

/** The props as they are checked: an invalid one is replaced by its stand-in. */
type CheckedProps = { -readonly [K in keyof RollbackAlarmsProps]: RollbackAlarmsProps[K] };

/**
 * Checks the props of a RollbackAlarms. Each invalid prop is recorded on `scope`, naming it, its
 * value and the fix, and fails the synthesis; the props returned replace it with a stand-in (the
 * default, a clamped value, or the alarm left out), so construction goes on and one synthesis
 * reports every invalid prop. Valid props are returned as given.
 */
export function checkRollbackAlarmsProps(scope: IConstruct, props: RollbackAlarmsProps): RollbackAlarmsProps {
  const p: CheckedProps = { ...props };
  checkTargetGroups(scope, p);
  if (p.attachToDeploymentGroup === true && !p.deploymentGroup) {
    recordPropProblem(scope, 'attachToDeploymentGroup', 'is true but there is no deploymentGroup to attach to; pass the '
      + 'deployment group of the service, or leave attachToDeploymentGroup unset');
    p.attachToDeploymentGroup = undefined;
  }
  if (p.serviceName !== undefined && isResolved(p.serviceName) && p.serviceName.trim() === '') {
    recordPropProblem(scope, 'serviceName', 'is empty; give the name people know the service by, e.g. \'orders-api\'');
    p.serviceName = undefined;
  }

  const period = checkPeriod(scope, p);
  const periodSeconds = period.toSeconds();
  if (!valid(scope, 'evaluationPeriods', integerRangeProblem(p.evaluationPeriods, 1, 1440, 'the alarms need at least one period'))) {
    p.evaluationPeriods = undefined;
  }
  const evaluationPeriods = p.evaluationPeriods ?? 2;
  if (isResolved(evaluationPeriods) && periodSeconds * evaluationPeriods > MAX_WINDOW_SECONDS) {
    recordPropProblem(scope, 'evaluationPeriods', `times period must be at most 1 day, got ${evaluationPeriods} x `
      + `${period.toHumanString()}; CloudWatch evaluates at most one day of data; use fewer or shorter periods`);
    p.evaluationPeriods = maxPeriodsInADay(periodSeconds);
  }
  if (!valid(scope, 'minRequestCount', integerRangeProblem(p.minRequestCount, 1, 1_000_000_000,
    'it is the number of requests per period below which a target group counts as healthy'))) {
    p.minRequestCount = undefined;
  }

  const maxRate = p.maxErrorRatePercent;
  if (maxRate !== undefined && isResolved(maxRate) && !(maxRate >= 0 && maxRate < 100)) {
    recordPropProblem(scope, 'maxErrorRatePercent', `must be a percentage from 0 up to (not including) 100, got ${maxRate}; `
      + 'for example 1 for 1% of requests');
    p.maxErrorRatePercent = undefined;
  }
  checkLatency(scope, p);
  if (!valid(scope, 'maxUnhealthyTargets', integerRangeProblem(p.maxUnhealthyTargets, 0, 1_000_000))) {
    p.maxUnhealthyTargets = undefined;
  }
  checkFatalLog(scope, p);
  checkRunningTaskProps(scope, p, period);
  if (!valid(scope, 'failedGreenTaskThreshold', literalNumberProblem(p.failedGreenTaskThreshold, 'it goes into the configuration of the '
    + 'task-set guard\'s function, where nothing else would check it before a deployment relies on it', '2'))) {
    p.failedGreenTaskThreshold = undefined;
  }
  if ((!p.service || !p.deploymentGroup) && (p.enableFailedTaskSetGuard === true || p.failedGreenTaskThreshold !== undefined)) {
    const prop = p.enableFailedTaskSetGuard === true ? 'enableFailedTaskSetGuard' : 'failedGreenTaskThreshold';
    recordPropProblem(scope, prop, `is ${p[prop]} but there is no ${p.service ? 'deploymentGroup' : 'service'}; the guard watches the `
      + 'tasks of the service and stops the deployments of its deployment group: pass both, or leave it unset');
    p.enableFailedTaskSetGuard = undefined;
    p.failedGreenTaskThreshold = undefined;
  }
  return p;
}

/**
 * What is wrong with a target group whose metrics cannot be built yet: without `loadBalancer`,
 * its dimensions come from its listeners, and it has none yet. Undefined when nothing is.
 */
export function targetGroupSourceProblem(source: TargetGroupSource): string | undefined {
  try {
    metricRequestCount(source);
    return undefined;
  } catch (e) {
    return `target group ${source.targetGroup.node.path} does not know its load balancer yet (${(e as Error).message}); `
      + 'create RollbackAlarms after the listeners that forward to the target groups, or pass loadBalancer';
  }
}

/** Without target groups whose metrics can be built, the target-group alarms are left out. */
function checkTargetGroups(scope: IConstruct, p: CheckedProps): void {
  const targetGroupAlarms = (p.enableErrorRateAlarm ?? true) || (p.enableLatencyAlarm ?? true) || (p.enableUnhealthyTargetsAlarm ?? true);
  if (!targetGroupAlarms) {
    return;
  }
  const count = p.targetGroups.length;
  if (count === 0 || count > MAX_TARGET_GROUPS) {
    recordPropProblem(scope, 'targetGroups', `must list between 1 and ${MAX_TARGET_GROUPS} target groups, got `
      + `${count}; pass the blue and green target groups of the service`);
    p.targetGroups = p.targetGroups.slice(0, MAX_TARGET_GROUPS);
  }
  const problems = p.targetGroups.map((targetGroup) => targetGroupSourceProblem({ targetGroup, loadBalancer: p.loadBalancer }))
    .filter((problem): problem is string => problem !== undefined);
  problems.forEach((problem) => recordPropProblem(scope, 'targetGroups', problem));
  if (p.targetGroups.length === 0 || problems.length > 0) {
    p.enableErrorRateAlarm = false;
    p.enableLatencyAlarm = false;
    p.enableUnhealthyTargetsAlarm = false;
  }
}

/** The period to build from: the given one, or 1 minute, the default, when it is invalid. */
function checkPeriod(scope: IConstruct, p: CheckedProps): Duration {
  const period = p.period ?? Duration.minutes(1);
  if (period.isUnresolved()) {
    recordPropProblem(scope, 'period', durationProblem(period, { unit: 'minutes', min: 1, max: 1440,
      literalBecause: 'it names the alarms, and the evaluation window is checked against CloudWatch\'s day at synthesis' })!);
    p.period = undefined;
    return Duration.minutes(1);
  }
  const periodSeconds = period.toSeconds({ integral: false });
  // Negated, so that NaN fails too.
  if (!(periodSeconds > 0) || periodSeconds % 60 !== 0) {
    recordPropProblem(scope, 'period', `must be a whole number of minutes, got ${describeDuration(period)}; load balancer and `
      + 'log metrics have a resolution of 1 minute (periods of 10 or 30 seconds apply only to high-resolution custom metrics)');
    p.period = undefined;
    return Duration.minutes(1);
  }
  if (periodSeconds > MAX_WINDOW_SECONDS) {
    recordPropProblem(scope, 'period', `must be at most 1 day, got ${describeDuration(period)}; CloudWatch evaluates at most one day `
      + 'of data. Use e.g. Duration.minutes(1)');
    p.period = undefined;
    return Duration.minutes(1);
  }
  return wholeDuration(period, 'minutes');
}

/** The most periods of `periodSeconds` within one day, and at least one. */
function maxPeriodsInADay(periodSeconds: number): number {
  return Math.max(1, Math.floor(MAX_WINDOW_SECONDS / periodSeconds));
}

/** An invalid latency prop falls back to its default: anomaly detection, 3 standard deviations, or 3 x the baseline. */
function checkLatency(scope: IConstruct, p: CheckedProps): void {
  if (p.latencyBaseline !== undefined && p.latencyAnomalyBandWidth !== undefined) {
    recordPropProblem(scope, 'latencyAnomalyBandWidth', `cannot be combined with latencyBaseline (got ${p.latencyAnomalyBandWidth} and `
      + `${p.latencyBaseline.toHumanString()}): a fixed baseline replaces anomaly detection; remove one of them`);
    p.latencyAnomalyBandWidth = undefined;
  }
  if (p.latencyMultiplier !== undefined && p.latencyBaseline === undefined) {
    recordPropProblem(scope, 'latencyMultiplier', `only applies with latencyBaseline, got ${p.latencyMultiplier} without one; set `
      + 'latencyBaseline, or use latencyAnomalyBandWidth to widen the anomaly detection band');
    p.latencyMultiplier = undefined;
  }
  // The threshold is their product, computed at synthesis, and it names the alarm.
  const productReason = 'the alarm threshold is latencyBaseline times latencyMultiplier, computed at synthesis, and it names the alarm';
  if (p.latencyBaseline !== undefined && p.latencyBaseline.isUnresolved()) {
    recordPropProblem(scope, 'latencyBaseline', durationProblem(p.latencyBaseline, { unit: 'millis', min: 0, max: MAX_RESPONSE_SECONDS * 1000,
      literalBecause: productReason })!);
    p.latencyBaseline = undefined;
    p.latencyMultiplier = undefined;
  } else if (p.latencyBaseline !== undefined && !valid(scope, 'latencyMultiplier', literalNumberProblem(p.latencyMultiplier, productReason, '3'))) {
    p.latencyMultiplier = undefined;
  }
  const baselineMillis = p.latencyBaseline?.toMilliseconds({ integral: false });
  // The load balancer waits for a response at most its idle timeout, 4000 seconds.
  const baselineProblem = baselineMillis === undefined ? undefined : !(baselineMillis > 0)
    ? `must be longer than zero, got ${describeDuration(p.latencyBaseline!)}; give the p99 response time the service normally has, e.g. Duration.millis(250)`
    : durationProblem(p.latencyBaseline, { unit: 'millis', rangeUnit: 'seconds', whole: false, min: 0, max: MAX_RESPONSE_SECONDS,
      fix: 'give the p99 response time the service normally has, e.g. Duration.millis(250)' });
  if (baselineProblem) {
    recordPropProblem(scope, 'latencyBaseline', baselineProblem);
  }
  const multiplier = p.latencyMultiplier;
  if (multiplier !== undefined && isResolved(multiplier) && !(multiplier > 1 && multiplier <= MAX_LATENCY_MULTIPLIER)) {
    recordPropProblem(scope, 'latencyMultiplier', multiplier > MAX_LATENCY_MULTIPLIER
      ? `must be at most ${MAX_LATENCY_MULTIPLIER}, got ${multiplier}; above it the alarm would never fire. For example 3`
      : `must be greater than 1, got ${multiplier}; at or below 1 the alarm fires at the normal response time. For example 3`);
    p.latencyMultiplier = undefined;
  }
  if (baselineProblem) {
    p.latencyBaseline = undefined;
    p.latencyMultiplier = undefined;
  }
  const bandWidth = p.latencyAnomalyBandWidth;
  if (bandWidth !== undefined && !isResolved(bandWidth)) {
    recordPropProblem(scope, 'latencyAnomalyBandWidth', literalNumberProblem(bandWidth, 'it is written into the anomaly detection '
      + 'expression and names the alarm at synthesis', '3')!);
    p.latencyAnomalyBandWidth = undefined;
  } else if (bandWidth !== undefined && !(bandWidth > 0 && bandWidth <= MAX_ANOMALY_BAND_WIDTH)) {
    recordPropProblem(scope, 'latencyAnomalyBandWidth', bandWidth > MAX_ANOMALY_BAND_WIDTH
      ? `must be at most ${MAX_ANOMALY_BAND_WIDTH} standard deviations, got ${bandWidth}; above it the alarm would never fire. For example 3`
      : `must be a positive number of standard deviations, got ${bandWidth}; for example 3`);
    p.latencyAnomalyBandWidth = undefined;
  }
}

/** An invalid fatal-log prop is dropped: the alarm is left out without a log group, and an invalid pattern is skipped. */
function checkFatalLog(scope: IConstruct, p: CheckedProps): void {
  if (p.enableFatalLogAlarm === true && !p.logGroup) {
    recordPropProblem(scope, 'enableFatalLogAlarm', 'is true but there is no logGroup; pass the log group of the service\'s containers');
    p.enableFatalLogAlarm = undefined;
  }
  const given = p.fatalLogPatterns;
  if (given === undefined) {
    return;
  }
  if (!p.logGroup) {
    recordPropProblem(scope, 'fatalLogPatterns', 'only apply with a logGroup; pass the log group of the service\'s containers');
    p.fatalLogPatterns = undefined;
    return;
  }
  if (given.length === 0) {
    recordPropProblem(scope, 'fatalLogPatterns', 'is empty; leave it unset for the default patterns, or set enableFatalLogAlarm: false');
    p.fatalLogPatterns = undefined;
    return;
  }
  const kept = given.filter((pattern, i) => {
    const text = pattern.logPatternString;
    if (!isResolved(text)) {
      return true;
    }
    const problem = filterPatternProblem(text);
    if (problem) {
      recordPropProblem(scope, `fatalLogPatterns[${i}]`, problem);
      return false;
    }
    const first = given.findIndex((other) => other.logPatternString === text);
    if (first < i) {
      recordPropProblem(scope, `fatalLogPatterns[${i}]`, `repeats fatalLogPatterns[${first}] (${text}), which would count each line twice; remove it`);
      return false;
    }
    return true;
  });
  if (kept.length < given.length) {
    // With no valid pattern left, the default patterns stand in.
    p.fatalLogPatterns = kept.length > 0 ? kept : undefined;
  }
}

/** Without a service the running-task props are dropped; an invalid one falls back to its default, or is clamped to one day. */
function checkRunningTaskProps(scope: IConstruct, p: CheckedProps, period: Duration): void {
  if (!p.service) {
    for (const prop of ['enableRunningTaskShortfallAlarm', 'minRunningTaskPercent', 'runningTaskEvaluationPeriods'] as const) {
      if (prop === 'enableRunningTaskShortfallAlarm' ? p[prop] === true : p[prop] !== undefined) {
        recordPropProblem(scope, prop, `is ${p[prop]} but there is no service to count the tasks of; pass the `
          + 'ECS service as service, or leave it unset');
        p[prop] = undefined;
      }
    }
    return;
  }
  const minPercent = p.minRunningTaskPercent;
  if (minPercent !== undefined && isResolved(minPercent) && !(minPercent > 0 && minPercent <= 100)) {
    recordPropProblem(scope, 'minRunningTaskPercent', `must be a percentage above 0 and at most 100, got ${minPercent}; for example `
      + '100 to alarm whenever fewer tasks run than desired, or 90 to allow one task in ten to be missing');
    p.minRunningTaskPercent = undefined;
  }
  if (!valid(scope, 'runningTaskEvaluationPeriods',
    integerRangeProblem(p.runningTaskEvaluationPeriods, 1, 1440, 'the alarm needs at least one period'))) {
    p.runningTaskEvaluationPeriods = undefined;
  }
  const periods = p.runningTaskEvaluationPeriods;
  const periodSeconds = period.toSeconds();
  if (periods !== undefined && isResolved(periods) && periodSeconds * periods > MAX_WINDOW_SECONDS) {
    recordPropProblem(scope, 'runningTaskEvaluationPeriods', `times period must be at most 1 day, got ${periods} x `
      + `${period.toHumanString()}; CloudWatch evaluates at most one day of data; use fewer or shorter periods`);
    p.runningTaskEvaluationPeriods = maxPeriodsInADay(periodSeconds);
  }
}
