/**
 * Rendering of the names and descriptions people read in the CodeDeploy and CloudWatch consoles.
 * Pure functions, no CDK imports.
 */

/** CloudWatch and CodeDeploy both cap an alarm name at 255 characters. */
export const MAX_ALARM_NAME_LENGTH = 255;

/** CloudWatch caps an alarm description at 1024 characters. */
export const MAX_ALARM_DESCRIPTION_LENGTH = 1024;

/**
 * The name of an alarm: `orders-api: 5xx rate > 1% for 2 min (OrdersProd)`.
 *
 * The stack name makes the name unique in the account and region when the same service is
 * deployed by several stacks (staging and production in one account). When the result would
 * be longer than 255 characters the service name is shortened, never the criterion.
 */
export function formatAlarmName(serviceName: string, criterion: string, stackName: string): string {
  const service = sanitizeAlarmText(serviceName);
  const rest = `: ${sanitizeAlarmText(criterion)} (${sanitizeAlarmText(stackName)})`;
  const room = MAX_ALARM_NAME_LENGTH - rest.length;
  if (room < 1) {
    return `${service}${rest}`.slice(0, MAX_ALARM_NAME_LENGTH);
  }
  return `${service.length > room ? `${service.slice(0, Math.max(room - 1, 0))}~` : service}${rest}`;
}

/**
 * Makes text safe in an alarm name: no control characters (CloudWatch rejects them) and no
 * double quotes (composite alarm rules quote alarm names and ARNs with them).
 */
export function sanitizeAlarmText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/"/g, '\'').trim();
}

/** CloudWatch Logs caps a metric filter's metric name at 255 characters. */
export const MAX_METRIC_NAME_LENGTH = 255;

/**
 * The metric name the fatal-log metric filters publish: `FatalLogLines/OrdersStack/orders-api`.
 * CloudWatch Logs rejects `:`, `*` and `$` in a metric filter's metric name and names longer than
 * 255 characters, so those characters become `-` and the service name is shortened.
 */
export function fatalLogMetricName(stackName: string, serviceName: string): string {
  const clean = (text: string) => sanitizeAlarmText(text).replace(/[:*$]/g, '-');
  const prefix = `FatalLogLines/${clean(stackName)}/`;
  return `${prefix}${clean(serviceName)}`.slice(0, MAX_METRIC_NAME_LENGTH);
}

/** Cuts a description to CloudWatch's limit. */
export function truncateDescription(text: string): string {
  return text.length <= MAX_ALARM_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_ALARM_DESCRIPTION_LENGTH - 3)}...`;
}

/** `1`, `0.5`, `2.25`: at most three decimals, no trailing zeros. */
export function formatNumber(value: number): string {
  return String(Number(value.toFixed(3)));
}

/** `30 s`, `2 min`, `1 h`, `90 min`. */
export function formatDuration(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) {
    return `${seconds / 3600} h`;
  }
  if (seconds > 0 && seconds % 60 === 0) {
    return `${seconds / 60} min`;
  }
  return `${formatNumber(seconds)} s`;
}

/** `250 ms`, `1.5 s`: a response time as people say it. */
export function formatLatency(seconds: number): string {
  if (seconds < 1) {
    return `${formatNumber(seconds * 1000)} ms`;
  }
  return `${formatNumber(seconds)} s`;
}

/*
 * Criteria, as they appear in alarm names. Numbers come in already formatted (see
 * `formatNumber`, `formatLatency`, `formatDuration`), so deploy-time values can be passed as
 * tokens; `window` is how long the criterion must hold, e.g. `2 min`.
 */

/** `5xx rate > 1% for 2 min`. */
export function errorRateCriterion(maxPercent: string, window: string): string {
  return `5xx rate > ${maxPercent}% for ${window}`;
}

/** `p99 latency > 750 ms (3x 250 ms) for 2 min`. */
export function fixedLatencyCriterion(threshold: string, multiplier: string, baseline: string, window: string): string {
  return `p99 latency > ${threshold} (${multiplier}x ${baseline}) for ${window}`;
}

/** `p99 latency above anomaly band (3 sd) for 2 min`. */
export function anomalyLatencyCriterion(bandWidth: string, window: string): string {
  return `p99 latency above anomaly band (${bandWidth} sd) for ${window}`;
}

/** `unhealthy targets > 0 for 2 min`. */
export function unhealthyTargetsCriterion(maxUnhealthy: string, window: string): string {
  return `unhealthy targets > ${maxUnhealthy} for ${window}`;
}

/**
 * `running tasks < desired for 3 min`, or `running tasks < 90% of desired for 3 min` when fewer
 * than all desired tasks may run.
 */
export function runningTaskShortfallCriterion(minPercent: string, window: string): string {
  return minPercent === '100'
    ? `running tasks < desired for ${window}`
    : `running tasks < ${minPercent}% of desired for ${window}`;
}

/** `FATAL log line`. */
export function fatalLogCriterion(): string {
  return 'FATAL log line';
}

/** The criterion of the composite alarm that carries the alarms beyond CodeDeploy's limit. */
export function overflowCriterion(): string {
  return 'any further rollback alarm';
}
