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
export function ecsTrafficShift(scope: IConstruct, shifting: TrafficShifting, bakeTime: Duration): EcsTrafficShift {
  const fallback: EcsTrafficShift = { deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN, bakeTime: Duration.minutes(0) };
  const bakeValid = valid(scope, 'terminationWait', durationProblem(bakeTime, { unit: 'minutes', min: 0, max: MAX_ECS_BAKE_MINUTES,
    fix: 'Amazon ECS keeps the old revision at most 24 hours after the last shift (its bake time); use at most Duration.hours(24)' }));
  if (shifting.kind === TrafficShiftingKind.ALL_AT_ONCE) {
    return bakeValid ? { deploymentStrategy: ecs.DeploymentStrategy.BLUE_GREEN, bakeTime } : fallback;
  }
  if (shifting.percentage === undefined || shifting.interval === undefined) {
    recordPropProblem(scope, 'trafficShifting', `${shifting.describe()} is a CodeDeploy deployment configuration, which the Amazon ECS `
      + 'engine cannot use; give TrafficShifting.canary(), linear() or allAtOnce(), or use DeploymentEngine.codeDeploy()');
    return fallback;
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
  const estimate = estimatedMinutes(canary, percentage, shifting.interval, bakeTime);
  if (estimate !== undefined && estimate > MAX_CLOUDFORMATION_ESTIMATE_MINUTES) {
    recordPropProblem(scope, 'trafficShifting', `${shifting.describe()} with a terminationWait of ${describeDuration(bakeTime)} is estimated `
      + `at ${formatMinutes(estimate)}, and CloudFormation refuses an Amazon ECS ${canary ? 'canary' : 'linear'} deployment estimated above `
      + `${MAX_CLOUDFORMATION_ESTIMATE_MINUTES / 60} hours (${canary ? 'bake time + canary bake time' : 'bake time + step bake time x steps'}); `
      + 'shorten the interval or the terminationWait, or shift in larger steps');
  }
  return canary
    ? { deploymentStrategy: ecs.DeploymentStrategy.CANARY, bakeTime, canaryConfiguration: step }
    : { deploymentStrategy: ecs.DeploymentStrategy.LINEAR, bakeTime, linearConfiguration: step };
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
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} hours` : `${hours} hours ${rest} minutes`;
}
