/**
 * CloudWatch metric math for the rollback alarms. Pure functions, no CDK imports.
 *
 * Every expression covers all target groups at once and takes the worst of them with `MAX`:
 * blue and green swap on every deployment, and a regression on either must fire. Per target
 * group, a target group that served fewer than `minRequestCount` requests in a period counts
 * as 0, so one failed or slow request on an idle target group cannot roll back a release.
 */

/** Id of the `RequestCount` (Sum) metric of target group `index` (from 1). */
export function requestsId(index: number): string {
  return `requests${index}`;
}

/** Id of the `HTTPCode_Target_5XX_Count` (Sum) metric of target group `index`. */
export function errorsId(index: number): string {
  return `errors${index}`;
}

/** Id of the `TargetResponseTime` (p99) metric of target group `index`. */
export function latencyId(index: number): string {
  return `latency${index}`;
}

/** Id of the `UnHealthyHostCount` (Maximum) metric of target group `index`. */
export function unhealthyId(index: number): string {
  return `unhealthy${index}`;
}

/** `MAX([a, b])`, or `a` alone: CloudWatch's MAX of an array of series is the pointwise maximum. */
export function worstOf(terms: string[]): string {
  if (terms.length === 0) {
    throw new Error('worstOf needs at least one term');
  }
  return terms.length === 1 ? terms[0] : `MAX([${terms.join(', ')}])`;
}

/**
 * The 5xx error rate in percent of the worst target group:
 * `MAX([IF(FILL(requests1, 0) >= 20, 100 * FILL(errors1, 0) / requests1, 0), ...])`.
 *
 * The ALB publishes no 5xx datapoint in a minute without errors, hence `FILL(errors, 0)`; and no
 * request datapoint in a minute without requests, hence `FILL(requests, 0)` in the gate.
 * `minRequestCount` may be given as text, e.g. a deploy-time value.
 */
export function errorRateExpression(targetGroupCount: number, minRequestCount: number | string): string {
  return worstOf(indexes(targetGroupCount).map(i =>
    `IF(FILL(${requestsId(i)}, 0) >= ${minRequestCount}, 100 * FILL(${errorsId(i)}, 0) / ${requestsId(i)}, 0)`));
}

/**
 * The p99 response time in seconds of the worst target group:
 * `MAX([IF(FILL(requests1, 0) >= 20, FILL(latency1, 0), 0), ...])`.
 */
export function latencyExpression(targetGroupCount: number, minRequestCount: number | string): string {
  return worstOf(indexes(targetGroupCount).map(i =>
    `IF(FILL(${requestsId(i)}, 0) >= ${minRequestCount}, FILL(${latencyId(i)}, 0), 0)`));
}

/** The unhealthy targets of the worst target group: `MAX([FILL(unhealthy1, 0), ...])`. */
export function unhealthyTargetsExpression(targetGroupCount: number): string {
  return worstOf(indexes(targetGroupCount).map(i => `FILL(${unhealthyId(i)}, 0)`));
}

/** Id of the `RunningTaskCount` (Average) metric of the service, from Container Insights. */
export const RUNNING_TASKS_ID = 'running';

/** Id of the `DesiredTaskCount` (Average) metric of the service, from Container Insights. */
export const DESIRED_TASKS_ID = 'desired';

/**
 * The tasks the service runs, in percent of the tasks it wants:
 * `IF(desired > 0, 100 * running / desired, 100)`.
 *
 * A service scaled to zero is short of nothing, hence 100. During a blue/green deployment both
 * task sets run and the value can reach 200. Neither metric is filled: without Container Insights
 * there is no data, which the alarm treats as no breach.
 */
export function runningTaskPercentExpression(): string {
  return `IF(${DESIRED_TASKS_ID} > 0, 100 * ${RUNNING_TASKS_ID} / ${DESIRED_TASKS_ID}, 100)`;
}

/** `1..count`. */
function indexes(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}
