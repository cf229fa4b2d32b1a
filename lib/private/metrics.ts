import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { loadBalancerFullName, targetGroupFullName } from './metric-dimensions';
import {
  DESIRED_TASKS_ID,
  RUNNING_TASKS_ID,
  errorRateExpression,
  errorsId,
  latencyExpression,
  latencyId,
  requestsId,
  runningTaskPercentExpression,
  unhealthyId,
  unhealthyTargetsExpression,
} from './metric-expressions';

/*
 * Every load balancer and Container Insights metric of the library, built once: the rollback
 * alarms, the service's metricXxx() methods and the dashboard graphs all take theirs from here,
 * so what a graph draws is what an alarm watches. Names follow aws-cdk-lib's.
 */

/** Namespace of the ALB metrics. */
export const ALB_NAMESPACE = 'AWS/ApplicationELB';

/** Namespace of the task counts Container Insights publishes for ECS services. */
export const CONTAINER_INSIGHTS_NAMESPACE = 'ECS/ContainerInsights';

/** Where a target group's metrics come from: the target group, and its load balancer when known. */
export interface TargetGroupSource {
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  /** @default - the load balancer the target group is attached to through its listeners */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
}

/**
 * A metric of one target group, e.g. `RequestCount`. With a load balancer the dimensions are set
 * here; without one, aws-cdk-lib's `metrics.custom()` takes them from the target group's
 * listeners, and throws when it has none yet.
 */
export function targetGroupMetric(source: TargetGroupSource, metricName: string, statistic: string,
  options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  const props = { statistic, period: Duration.minutes(1), ...options };
  if (source.loadBalancer) {
    return new cloudwatch.Metric({
      namespace: ALB_NAMESPACE,
      metricName,
      dimensionsMap: { LoadBalancer: loadBalancerFullName(source.loadBalancer), TargetGroup: targetGroupFullName(source.targetGroup) },
      ...props,
    });
  }
  return source.targetGroup.metrics.custom(metricName, props);
}

/** `RequestCount` of one target group. @default - sum over 1 minute */
export function metricRequestCount(source: TargetGroupSource, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return targetGroupMetric(source, 'RequestCount', 'Sum', options);
}

/** `HTTPCode_Target_<code>_Count` of one target group. @default - sum over 1 minute */
export function metricHttpCodeTarget(source: TargetGroupSource, code: elbv2.HttpCodeTarget,
  options?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return targetGroupMetric(source, code, 'Sum', options);
}

/** `TargetResponseTime` of one target group, in seconds. @default - p99 over 1 minute */
export function metricTargetResponseTime(source: TargetGroupSource, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return targetGroupMetric(source, 'TargetResponseTime', 'p99', options);
}

/** `UnHealthyHostCount` of one target group. @default - maximum over 1 minute */
export function metricUnhealthyHostCount(source: TargetGroupSource, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
  return targetGroupMetric(source, 'UnHealthyHostCount', 'Maximum', options);
}

/**
 * A Container Insights task count of a service: `RunningTaskCount`, `DesiredTaskCount`,
 * `PendingTaskCount`. Gauges sampled about once a minute; over a longer period the average is
 * the share of task-minutes, so a short dip weighs in proportion to its length.
 *
 * @default - average over 1 minute
 */
export function metricTaskCount(service: ecs.IBaseService, metricName: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: CONTAINER_INSIGHTS_NAMESPACE,
    metricName,
    dimensionsMap: { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName },
    statistic: 'Average',
    period: Duration.minutes(1),
    ...options,
  });
}

/** What the worst-target-group expressions are computed over. */
export interface WorstTargetGroupOptions {
  readonly sources: TargetGroupSource[];
  /** Requests per period below which a target group counts as 0. */
  readonly minRequestCount: number;
  readonly period: Duration;
  readonly label: string;
  /** @default - automatic */
  readonly color?: string;
}

/** The 5xx rate in percent of the worst target group, as the error-rate alarm sees it. */
export function worstTarget5xxErrorRate(options: WorstTargetGroupOptions): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  options.sources.forEach((source, i) => {
    usingMetrics[requestsId(i + 1)] = metricRequestCount(source, { period: options.period });
    usingMetrics[errorsId(i + 1)] = metricHttpCodeTarget(source, elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: options.period });
  });
  return expression(errorRateExpression(options.sources.length, num(options.minRequestCount)), usingMetrics, options);
}

/** The p99 target response time in seconds of the worst target group, as the latency alarm sees it. */
export function worstTargetResponseTime(options: WorstTargetGroupOptions): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  options.sources.forEach((source, i) => {
    usingMetrics[requestsId(i + 1)] = metricRequestCount(source, { period: options.period });
    usingMetrics[latencyId(i + 1)] = metricTargetResponseTime(source, { period: options.period });
  });
  return expression(latencyExpression(options.sources.length, num(options.minRequestCount)), usingMetrics, options);
}

/** The unhealthy targets of the worst target group, as the unhealthy-targets alarm sees it. */
export function worstUnhealthyHostCount(options: Omit<WorstTargetGroupOptions, 'minRequestCount'>): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  options.sources.forEach((source, i) => {
    usingMetrics[unhealthyId(i + 1)] = metricUnhealthyHostCount(source, { period: options.period });
  });
  return expression(unhealthyTargetsExpression(options.sources.length), usingMetrics, options);
}

/** Running tasks in percent of desired ones, 100 when none is desired, as the running-task alarm sees it. */
export function runningTaskPercent(service: ecs.IBaseService,
  options: { readonly period: Duration; readonly label: string; readonly color?: string }): cloudwatch.MathExpression {
  return expression(runningTaskPercentExpression(), {
    [RUNNING_TASKS_ID]: metricTaskCount(service, 'RunningTaskCount', { period: options.period }),
    [DESIRED_TASKS_ID]: metricTaskCount(service, 'DesiredTaskCount', { period: options.period }),
  }, options);
}

/** The sum over target groups of one metric each, a missing datapoint counting as 0. */
export function sumOfTargetGroups(metrics: Record<string, cloudwatch.IMetric>,
  options: { readonly period: Duration; readonly label: string; readonly color?: string }): cloudwatch.MathExpression {
  return expression(`SUM([${Object.keys(metrics).map(id => `FILL(${id}, 0)`).join(', ')}])`, metrics, options);
}

function expression(text: string, usingMetrics: Record<string, cloudwatch.IMetric>,
  options: { readonly period: Duration; readonly label: string; readonly color?: string }): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({ expression: text, usingMetrics, period: options.period, label: options.label, color: options.color });
}

/** A number as people read it, or its deploy-time value when it is a token. */
function num(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : String(value);
}
