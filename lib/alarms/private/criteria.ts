import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  anomalyLatencyCriterion, errorRateCriterion, fixedLatencyCriterion, formatLatency, formatNumber, runningTaskShortfallCriterion,
  unhealthyTargetsCriterion,
} from './format';
import { CONTAINER_INSIGHTS_NAMESPACE } from '../../private/metrics';
import { isResolved } from '../../private/validation';

/*
 * One alarm per rollback criterion, each with its defaults: the comparison, missing data as no
 * breach, and every evaluated period a breach before the alarm fires.
 */

/** What a criterion's alarm takes from its RollbackAlarms: where, how long, and how to name it. */
export interface CriterionContext {
  readonly scope: Construct;
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly minRequestCount: number;
  alarmName(criterion: string): string;
  describe(condition: string): string;
  windowLabel(evaluationPeriods?: number): string;
  windowText(evaluationPeriods?: number): string;
}

export function createErrorRateAlarm(ctx: CriterionContext, metric: cloudwatch.IMetric, maxPercent: number): cloudwatch.Alarm {
  return new cloudwatch.Alarm(ctx.scope, 'ErrorRateAlarm', {
    alarmName: ctx.alarmName(errorRateCriterion(num(maxPercent), ctx.windowLabel())),
    alarmDescription: ctx.describe(`more than ${num(maxPercent)}% of the requests to a target group fail with a 5xx `
      + `from the targets (HTTPCode_Target_5XX_Count / RequestCount) ${ctx.windowText()}. A target group that served fewer than `
      + `${num(ctx.minRequestCount)} requests in a period counts as 0%.`),
    metric,
    threshold: maxPercent,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: ctx.evaluationPeriods,
    datapointsToAlarm: ctx.evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

export function createFixedLatencyAlarm(ctx: CriterionContext, metric: cloudwatch.IMetric, baseline: Duration, multiplier: number): cloudwatch.Alarm {
  const baselineSeconds = baseline.toMilliseconds({ integral: false }) / 1000;
  const thresholdSeconds = baselineSeconds * multiplier;
  return new cloudwatch.Alarm(ctx.scope, 'LatencyAlarm', {
    alarmName: ctx.alarmName(fixedLatencyCriterion(formatLatency(thresholdSeconds), formatNumber(multiplier),
      formatLatency(baselineSeconds), ctx.windowLabel())),
    alarmDescription: ctx.describe(`the p99 target response time of a target group exceeds ${formatLatency(thresholdSeconds)} `
      + `(${formatNumber(multiplier)} x the ${formatLatency(baselineSeconds)} baseline) ${ctx.windowText()}. A target group that served `
      + `fewer than ${num(ctx.minRequestCount)} requests in a period is not counted.`),
    metric: metric,
    threshold: thresholdSeconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: ctx.evaluationPeriods,
    datapointsToAlarm: ctx.evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

export function createAnomalyLatencyAlarm(ctx: CriterionContext, metric: cloudwatch.IMetric, bandWidth: number): cloudwatch.Alarm {
  return new cloudwatch.AnomalyDetectionAlarm(ctx.scope, 'LatencyAlarm', {
    alarmName: ctx.alarmName(anomalyLatencyCriterion(num(bandWidth), ctx.windowLabel())),
    alarmDescription: ctx.describe('the p99 target response time of a target group rises above CloudWatch\'s anomaly detection '
      + `band, ${num(bandWidth)} standard deviations above the expected p99, ${ctx.windowText()}. The model learns from the `
      + 'metric\'s history; until it has, the alarm has insufficient data and does not stop deployments. A target group that '
      + `served fewer than ${num(ctx.minRequestCount)} requests in a period is not counted.`),
    metric: metric,
    stdDevs: bandWidth,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
    evaluationPeriods: ctx.evaluationPeriods,
    datapointsToAlarm: ctx.evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

export function createUnhealthyTargetsAlarm(ctx: CriterionContext, metric: cloudwatch.IMetric, maxUnhealthy: number): cloudwatch.Alarm {
  return new cloudwatch.Alarm(ctx.scope, 'UnhealthyTargetsAlarm', {
    alarmName: ctx.alarmName(unhealthyTargetsCriterion(num(maxUnhealthy), ctx.windowLabel())),
    alarmDescription: ctx.describe(`more than ${num(maxUnhealthy)} targets of a target group are unhealthy `
      + `(UnHealthyHostCount, maximum) ${ctx.windowText()}.`),
    metric: metric,
    threshold: maxUnhealthy,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: ctx.evaluationPeriods,
    datapointsToAlarm: ctx.evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

export function createRunningTaskShortfallAlarm(ctx: CriterionContext, metric: cloudwatch.IMetric, minPercent: number, evaluationPeriods: number): cloudwatch.Alarm {
  const short = isResolved(minPercent) && minPercent === 100
    ? 'fewer tasks than desired'
    : `fewer than ${num(minPercent)}% of its desired tasks`;
  return new cloudwatch.Alarm(ctx.scope, 'RunningTaskShortfallAlarm', {
    alarmName: ctx.alarmName(runningTaskShortfallCriterion(num(minPercent), ctx.windowLabel(evaluationPeriods))),
    alarmDescription: ctx.describe(`the service runs ${short} (${CONTAINER_INSIGHTS_NAMESPACE} RunningTaskCount / `
      + `DesiredTaskCount) ${ctx.windowText(evaluationPeriods)}: tasks crash, fail their health checks or cannot start. `
      + 'While both task sets of a deployment run, all their tasks count. Without Container Insights on the cluster there '
      + 'is no data, and the alarm does not fire.'),
    metric: metric,
    threshold: minPercent,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods,
    datapointsToAlarm: evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** A number as people read it, or its deploy-time value when it is a token. */
export function num(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : formatNumber(value);
}
