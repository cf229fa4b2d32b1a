/**
 * How a TrafficShifting and the termination wait become an Amazon ECS deployment strategy, and
 * what ECS and CloudFormation refuse of it, checked at synthesis.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import { TrafficShiftingKind } from '../../../contract/metric-gate';
import { describeDuration, durationProblem, integerRangeProblem, recordPropProblem, valid, wholeDurationIn } from '../../private/validation';
import type { TrafficShifting } from '../traffic-shifting';

/** ECS's limit for a canary or linear step's bake time, and for the deployment's bake time: 24 hours. */
export const MAX_ECS_BAKE_MINUTES = 1440;
/** ECS's least linear step. */
export const MIN_ECS_LINEAR_STEP_PERCENT = 3;
/**
 * CloudFormation refuses a canary or linear service update whose estimated time passes 33 hours
 * (its operations time out at 36).
 */
export const MAX_CLOUDFORMATION_ESTIMATE_MINUTES = 33 * 60;

/** What the ECS service's deployment configuration gets. */
export interface EcsTrafficShift {
  readonly deploymentStrategy: ecs.DeploymentStrategy;
  readonly bakeTime: Duration;
  readonly canaryConfiguration?: ecs.TrafficShiftConfig;
  readonly linearConfiguration?: ecs.TrafficShiftConfig;
}

/**
 * The strategy of `shifting` on ECS, with `bakeTime` (the termination wait) after the last shift.
 * Problems are recorded on `scope`, naming the prop, and all at once is returned in their place.
 */
export function ecsTrafficShift(scope: IConstruct, shifting: TrafficShifting, bakeTime: Duration, approvalWait?: Duration): EcsTrafficShift {
  const fallback: EcsTrafficShift = { deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN, bakeTime: Duration.minutes(0) };
  const bakeValid = valid(scope, 'terminationWait', durationProblem(bakeTime, { unit: 'minutes', min: 0, max: MAX_ECS_BAKE_MINUTES,
    fix: 'Amazon ECS keeps the old revision at most 24 hours after the last shift (its bake time); use at most Duration.hours(24)' }));
  if (shifting.deploymentConfig !== undefined || (shifting.kind !== TrafficShiftingKind.ALL_AT_ONCE
    && (shifting.percentage === undefined || shifting.interval === undefined))) {
    recordPropProblem(scope, 'trafficShifting', `${shifting.describe()} is a CodeDeploy deployment configuration, which the Amazon ECS `
      + 'engine cannot use; give TrafficShifting.canary(), linear() or allAtOnce(), or use DeploymentEngine.codeDeploy()');
    return fallback;
  }
  if (shifting.kind === TrafficShiftingKind.ALL_AT_ONCE || shifting.percentage === undefined || shifting.interval === undefined) {
    if (bakeValid) {
      checkCloudFormationCeiling(scope, shifting, bakeTime, bakeTime.isUnresolved() ? undefined : wholeDurationIn(bakeTime, 'minutes'), approvalWait);
    }
    return bakeValid ? { deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN, bakeTime } : fallback;
  }
  const canary = shifting.kind === TrafficShiftingKind.CANARY;
  const prop = `trafficShifting (${canary ? 'canary' : 'linear'})`;
  const percentage = shifting.percentage;
  const least = canary ? 1 : MIN_ECS_LINEAR_STEP_PERCENT;
  const percentageValid = valid(scope, `${prop} percentage`, integerRangeProblem(percentage, least, 99,
    `Amazon ECS shifts ${canary ? 'a canary of' : 'linear steps of'} ${least} to 99 percent; use TrafficShifting.allAtOnce() for 100`));
  const intervalValid = valid(scope, `${prop} interval`, durationProblem(shifting.interval, { unit: 'minutes', min: 0, max: MAX_ECS_BAKE_MINUTES,
    fix: 'Amazon ECS bakes each step at most 24 hours; use at most Duration.hours(24)' }));
  if (!percentageValid || !intervalValid || !bakeValid) {
    return fallback;
  }
  const step: ecs.TrafficShiftConfig = { stepPercent: percentage, stepBakeTime: shifting.interval };
  checkCloudFormationCeiling(scope, shifting, bakeTime, estimatedMinutes(canary, percentage, shifting.interval, bakeTime), approvalWait);
  return canary
    ? { deploymentStrategy: ecs.DeploymentStrategy.CANARY, bakeTime, canaryConfiguration: step }
    : { deploymentStrategy: ecs.DeploymentStrategy.LINEAR, bakeTime, linearConfiguration: step };
}

/**
 * CloudFormation refuses a canary or linear update estimated above 33 hours, and times out any
 * operation at 36: a stack update waits for the deployment, so the approval wait (a pause)
 * counts too.
 */
function checkCloudFormationCeiling(scope: IConstruct, shifting: TrafficShifting, bakeTime: Duration, estimate: number | undefined,
  approvalWait: Duration | undefined): void {
  if (estimate === undefined || approvalWait?.isUnresolved()) {
    return;
  }
  const pause = approvalWait ? wholeDurationIn(approvalWait, 'minutes') : 0;
  const total = estimate + pause;
  if (total <= MAX_CLOUDFORMATION_ESTIMATE_MINUTES) {
    return;
  }
  const given = `${shifting.describe()} with a terminationWait of ${describeDuration(bakeTime)}`
    + `${approvalWait ? ` and an approvalWait of ${describeDuration(approvalWait)}` : ''} is estimated at ${formatMinutes(total)}`;
  const shorten = [
    ...(shifting.kind === TrafficShiftingKind.ALL_AT_ONCE ? [] : ['the interval']), ...(approvalWait ? ['the approvalWait'] : []), 'the terminationWait',
  ];
  const fix = `shorten ${shorten.slice(0, -1).join(', ')}${shorten.length > 1 ? ' or ' : ''}${shorten[shorten.length - 1]}`;
  if (shifting.kind === TrafficShiftingKind.ALL_AT_ONCE) {
    recordPropProblem(scope, approvalWait ? 'approvalWait' : 'terminationWait', `${given}, but CloudFormation times a stack update out after 36 hours, `
      + `and the update waits for the deployment: keep bake time and pause within ${MAX_CLOUDFORMATION_ESTIMATE_MINUTES / 60} hours; ${fix}`);
    return;
  }
  const canary = shifting.kind === TrafficShiftingKind.CANARY;
  recordPropProblem(scope, approvalWait ? 'approvalWait' : 'trafficShifting', `${given}, and CloudFormation refuses an Amazon ECS `
    + `${canary ? 'canary' : 'linear'} deployment estimated above ${MAX_CLOUDFORMATION_ESTIMATE_MINUTES / 60} hours `
    + `(${canary ? 'bake time + canary bake time' : 'bake time + step bake time x steps'}${approvalWait ? ', plus the pause, since the stack update waits for it' : ''}); `
    + `${fix}, or shift in larger steps`);
}

/**
 * CloudFormation's estimate of a deployment, in minutes: canary, bake + canary bake; linear,
 * bake + step bake x steps, with (100 / step) - 1 steps when the step divides 100, else the floor
 * of 100 / step. Undefined when a value is known only at deployment.
 */
export function estimatedMinutes(canary: boolean, percentage: number, interval: Duration, bakeTime: Duration): number | undefined {
  if (Token.isUnresolved(percentage) || interval.isUnresolved() || bakeTime.isUnresolved()) {
    return undefined;
  }
  const bake = wholeDurationIn(bakeTime, 'minutes');
  const stepBake = wholeDurationIn(interval, 'minutes');
  if (canary) {
    return bake + stepBake;
  }
  const steps = 100 % percentage === 0 ? 100 / percentage - 1 : Math.floor(100 / percentage);
  return bake + stepBake * steps;
}

function formatMinutes(minutes: number): string {
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? plural(hours, 'hour') : `${plural(hours, 'hour')} ${plural(rest, 'minute')}`;
}
