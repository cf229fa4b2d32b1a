import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { filterPatternProblem } from './filter-pattern';
import { checkIntegerRange, isResolved, propError } from '../../private/validation';
import type { RollbackAlarmsProps } from '../rollback-alarms-options';

/** Each target group contributes two metrics to an alarm, and an alarm may use at most 10. */
const MAX_TARGET_GROUPS = 5;

/** Throws on the first prop of a RollbackAlarms that is invalid, naming it, its value and the fix. */
export function checkRollbackAlarmsProps(scope: IConstruct, props: RollbackAlarmsProps, period: Duration, evaluationPeriods: number): void {
  const targetGroupAlarms = (props.enableErrorRateAlarm ?? true) || (props.enableLatencyAlarm ?? true)
    || (props.enableUnhealthyTargetsAlarm ?? true);
  if (targetGroupAlarms && (props.targetGroups.length === 0 || props.targetGroups.length > MAX_TARGET_GROUPS)) {
    throw propError(scope, 'targetGroups', `must list between 1 and ${MAX_TARGET_GROUPS} target groups, got `
      + `${props.targetGroups.length}; pass the blue and green target groups of the service`);
  }
  if (props.attachToDeploymentGroup === true && !props.deploymentGroup) {
    throw propError(scope, 'attachToDeploymentGroup', 'is true but there is no deploymentGroup to attach to; pass the '
      + 'deployment group of the service, or leave attachToDeploymentGroup unset');
  }
  if (props.serviceName !== undefined && isResolved(props.serviceName) && props.serviceName.trim() === '') {
    throw propError(scope, 'serviceName', 'is empty; give the name people know the service by, e.g. \'orders-api\'');
  }

  if (period.isUnresolved()) {
    throw propError(scope, 'period', 'must be known at synthesis, got a deploy-time value; it names the alarms. Use e.g. Duration.minutes(1)');
  }
  const periodSeconds = period.toSeconds({ integral: false });
  if (periodSeconds <= 0 || periodSeconds % 60 !== 0) {
    throw propError(scope, 'period', `must be a whole number of minutes, got ${period.toHumanString()}; load balancer and `
      + 'log metrics have a resolution of 1 minute (periods of 10 or 30 seconds apply only to high-resolution custom metrics)');
  }
  checkIntegerRange(scope, 'evaluationPeriods', props.evaluationPeriods, 1, 1440, 'the alarms need at least one period');
  if (isResolved(evaluationPeriods) && periodSeconds * evaluationPeriods > 86400) {
    throw propError(scope, 'evaluationPeriods', `times period must be at most 1 day, got ${evaluationPeriods} x `
      + `${period.toHumanString()}; CloudWatch evaluates at most one day of data; use fewer or shorter periods`);
  }
  checkIntegerRange(scope, 'minRequestCount', props.minRequestCount, 1, 1_000_000_000,
    'it is the number of requests per period below which a target group counts as healthy');

  const maxRate = props.maxErrorRatePercent;
  if (maxRate !== undefined && isResolved(maxRate) && !(maxRate >= 0 && maxRate < 100)) {
    throw propError(scope, 'maxErrorRatePercent', `must be a percentage from 0 up to (not including) 100, got ${maxRate}; `
      + 'for example 1 for 1% of requests');
  }

  if (props.latencyBaseline !== undefined && props.latencyAnomalyBandWidth !== undefined) {
    throw propError(scope, 'latencyAnomalyBandWidth', `cannot be combined with latencyBaseline (got ${props.latencyAnomalyBandWidth} and `
      + `${props.latencyBaseline.toHumanString()}): a fixed baseline replaces anomaly detection; remove one of them`);
  }
  if (props.latencyMultiplier !== undefined && props.latencyBaseline === undefined) {
    throw propError(scope, 'latencyMultiplier', `only applies with latencyBaseline, got ${props.latencyMultiplier} without one; set `
      + 'latencyBaseline, or use latencyAnomalyBandWidth to widen the anomaly detection band');
  }
  if (props.latencyBaseline !== undefined && (props.latencyBaseline.isUnresolved() || !isResolved(props.latencyMultiplier))) {
    throw propError(scope, 'latencyBaseline', 'and latencyMultiplier must be known at synthesis, got a deploy-time value; the '
      + 'threshold is their product. Use e.g. Duration.millis(250)');
  }
  if (props.latencyBaseline !== undefined && props.latencyBaseline.toMilliseconds({ integral: false }) <= 0) {
    throw propError(scope, 'latencyBaseline', `must be longer than zero, got ${props.latencyBaseline.toHumanString()}; give the p99 `
      + 'response time the service normally has, e.g. Duration.millis(250)');
  }
  const multiplier = props.latencyMultiplier;
  if (multiplier !== undefined && isResolved(multiplier) && !(multiplier > 1 && Number.isFinite(multiplier))) {
    throw propError(scope, 'latencyMultiplier', `must be greater than 1, got ${multiplier}; at or below 1 the alarm fires at the `
      + 'normal response time. For example 3');
  }
  const bandWidth = props.latencyAnomalyBandWidth;
  if (bandWidth !== undefined && !isResolved(bandWidth)) {
    throw propError(scope, 'latencyAnomalyBandWidth', 'must be known at synthesis, got a deploy-time value; for example 3');
  }
  if (bandWidth !== undefined && !(bandWidth > 0 && Number.isFinite(bandWidth))) {
    throw propError(scope, 'latencyAnomalyBandWidth', `must be a positive number of standard deviations, got ${bandWidth}; for example 3`);
  }

  checkIntegerRange(scope, 'maxUnhealthyTargets', props.maxUnhealthyTargets, 0, 1_000_000);

  if (props.enableFatalLogAlarm === true && !props.logGroup) {
    throw propError(scope, 'enableFatalLogAlarm', 'is true but there is no logGroup; pass the log group of the service\'s containers');
  }
  if (props.fatalLogPatterns !== undefined) {
    if (!props.logGroup) {
      throw propError(scope, 'fatalLogPatterns', 'only apply with a logGroup; pass the log group of the service\'s containers');
    }
    if (props.fatalLogPatterns.length === 0) {
      throw propError(scope, 'fatalLogPatterns', 'is empty; leave it unset for the default patterns, or set enableFatalLogAlarm: false');
    }
    props.fatalLogPatterns.forEach((pattern, i) => {
      const text = pattern.logPatternString;
      if (!isResolved(text)) {
        return;
      }
      const problem = filterPatternProblem(text);
      if (problem) {
        throw propError(scope, `fatalLogPatterns[${i}]`, problem);
      }
      const first = props.fatalLogPatterns!.findIndex((other) => other.logPatternString === text);
      if (first < i) {
        throw propError(scope, `fatalLogPatterns[${i}]`, `repeats fatalLogPatterns[${first}] (${text}), which would count each line twice; remove it`);
      }
    });
  }

  checkRunningTaskProps(scope, props, period, periodSeconds);
  if ((!props.service || !props.deploymentGroup) && (props.enableFailedTaskSetGuard === true || props.failedGreenTaskThreshold !== undefined)) {
    const prop = props.enableFailedTaskSetGuard === true ? 'enableFailedTaskSetGuard' : 'failedGreenTaskThreshold';
    throw propError(scope, prop, `is ${props[prop]} but there is no ${props.service ? 'deploymentGroup' : 'service'}; the guard watches the `
      + 'tasks of the service and stops the deployments of its deployment group: pass both, or leave it unset');
  }
}

function checkRunningTaskProps(scope: IConstruct, props: RollbackAlarmsProps, period: Duration, periodSeconds: number): void {
  if (!props.service) {
    const needsService = (['enableRunningTaskShortfallAlarm', 'minRunningTaskPercent', 'runningTaskEvaluationPeriods'] as const)
      .find(prop => prop === 'enableRunningTaskShortfallAlarm' ? props[prop] === true : props[prop] !== undefined);
    if (needsService) {
      throw propError(scope, needsService, `is ${props[needsService]} but there is no service to count the tasks of; pass the `
        + 'ECS service as service, or leave it unset');
    }
    return;
  }
  const minPercent = props.minRunningTaskPercent;
  if (minPercent !== undefined && isResolved(minPercent) && !(minPercent > 0 && minPercent <= 100)) {
    throw propError(scope, 'minRunningTaskPercent', `must be a percentage above 0 and at most 100, got ${minPercent}; for example `
      + '100 to alarm whenever fewer tasks run than desired, or 90 to allow one task in ten to be missing');
  }
  const periods = props.runningTaskEvaluationPeriods;
  checkIntegerRange(scope, 'runningTaskEvaluationPeriods', periods, 1, 1440, 'the alarm needs at least one period');
  if (periods !== undefined && isResolved(periods) && periodSeconds * periods > 86400) {
    throw propError(scope, 'runningTaskEvaluationPeriods', `times period must be at most 1 day, got ${periods} x `
      + `${period.toHumanString()}; CloudWatch evaluates at most one day of data; use fewer or shorter periods`);
  }
}
