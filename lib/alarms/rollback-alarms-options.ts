import { Duration } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Settings of a {@link RollbackAlarms} that do not depend on the service it watches.
 *
 * `BlueGreenService` takes these as `rollbackAlarmOptions`; it supplies the rest itself.
 */
export interface RollbackAlarmsOptions {
  /**
   * Whether to attach the alarms to `deploymentGroup`, so that CodeDeploy stops and rolls back
   * a deployment when one fires. Set it to false to create the alarms and watch how they behave
   * for a while before trusting them with your releases.
   *
   * @default true
   */
  readonly attachToDeploymentGroup?: boolean;

  /**
   * The period over which each metric is aggregated. A whole number of minutes: the load
   * balancer and log metrics have a resolution of one minute.
   *
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;

  /**
   * How many consecutive periods a target-group criterion must be breached before its alarm fires.
   *
   * @default 2
   */
  readonly evaluationPeriods?: number;

  /**
   * The fewest requests a target group must serve in one period for its error rate and latency
   * to count. Below it the target group counts as healthy, so one failed request on an idle
   * service does not roll a release back.
   *
   * @default 20
   */
  readonly minRequestCount?: number;

  /**
   * Whether to alarm on the 5xx error rate of the targets.
   *
   * @default true
   */
  readonly enableErrorRateAlarm?: boolean;

  /**
   * The highest acceptable share, in percent, of requests to a target group that the targets
   * answer with a 5xx status (`HTTPCode_Target_5XX_Count` ÷ `RequestCount`).
   *
   * @default 1
   */
  readonly maxErrorRatePercent?: number;

  /**
   * Whether to alarm on the p99 target response time.
   *
   * @default true
   */
  readonly enableLatencyAlarm?: boolean;

  /**
   * The p99 target response time the service normally has. The alarm fires when the p99 of a
   * target group exceeds `latencyMultiplier` times this baseline.
   *
   * @default - no fixed baseline: CloudWatch anomaly detection learns the normal p99 and the
   * alarm fires above its band (see `latencyAnomalyBandWidth`)
   */
  readonly latencyBaseline?: Duration;

  /**
   * How many times `latencyBaseline` the p99 may reach before the alarm fires. Only with
   * `latencyBaseline`; must be greater than 1.
   *
   * @default 3
   */
  readonly latencyMultiplier?: number;

  /**
   * The width of the anomaly-detection band, in standard deviations, used when there is no
   * `latencyBaseline`: the alarm fires when the p99 rises above the expected p99 plus this many
   * standard deviations. It plays the part `latencyMultiplier` plays for a fixed baseline.
   * Cannot be combined with `latencyBaseline`.
   *
   * @default 3
   */
  readonly latencyAnomalyBandWidth?: number;

  /**
   * Whether to alarm on unhealthy targets.
   *
   * @default true
   */
  readonly enableUnhealthyTargetsAlarm?: boolean;

  /**
   * The most unhealthy targets a target group may have without the alarm firing.
   *
   * @default 0
   */
  readonly maxUnhealthyTargets?: number;

  /**
   * Whether to alarm on fatal log lines. Needs a log group.
   *
   * @default - true when there is a log group
   */
  readonly enableFatalLogAlarm?: boolean;

  /**
   * The log lines that count as fatal. Each pattern becomes a metric filter on the log group,
   * all publishing to one metric, and the alarm fires on the first match. Use several patterns
   * to match both plain-text and JSON logs: CloudWatch cannot combine a text term and a JSON
   * selector in one pattern. A bare term such as `logs.FilterPattern.anyTerm('FATAL')` matches
   * the word anywhere in a line, a quoted user input included; add it only if your logs have no
   * level field.
   *
   * @default - three patterns: JSON lines whose `level` is `fatal` or `FATAL`, and plain-text
   * lines whose first field, or second after a timestamp, is `FATAL`
   */
  readonly fatalLogPatterns?: logs.IFilterPattern[];

  /**
   * Whether to alarm when the service runs fewer tasks than it wants: tasks that crash, fail
   * their health checks and are replaced, or cannot start. Needs a service, and Container
   * Insights on its cluster; without Container Insights the alarm has no data and never fires.
   *
   * @default - true when there is a service
   */
  readonly enableRunningTaskShortfallAlarm?: boolean;

  /**
   * The share, in percent, of the service's desired tasks that must be running
   * (`RunningTaskCount` ÷ `DesiredTaskCount` × 100). The alarm fires below it. The desired
   * count is read from the same metrics rather than taken as a number here, so the alarm follows
   * auto scaling. Lower it for a large service that may run a task or two short, e.g. 90.
   *
   * @default 100 - every desired task must be running
   */
  readonly minRunningTaskPercent?: number;

  /**
   * How many consecutive periods the service must run short of `minRunningTaskPercent` before
   * the alarm fires. ECS replaces a task that stops, and a new task takes a minute or two to be
   * placed, pull its image and start; three periods let one replacement or scale-out finish
   * without rolling a release back, while a crash loop keeps the service short for longer.
   *
   * @default 3
   */
  readonly runningTaskEvaluationPeriods?: number;

  /**
   * Whether to stop and roll back a deployment whose green task set keeps failing its tasks
   * (they crash, cannot start, or fail their health checks), with a {@link FailedTaskSetGuard}.
   * No alarm can see this: blue keeps the service's task count up throughout the deployment.
   * Needs a service and a deployment group; when the alarms are not attached to the deployment
   * group, the guard only logs what it would stop.
   *
   * @default - true when there is a service and a deployment group
   */
  readonly enableFailedTaskSetGuard?: boolean;

  /**
   * How many tasks of the green task set must fail before the guard stops the deployment.
   *
   * @default 2
   */
  readonly failedGreenTaskThreshold?: number;
}

/** Properties of a {@link RollbackAlarms}. */
export interface RollbackAlarmsProps extends RollbackAlarmsOptions {
  /**
   * The target groups of the service: blue and green. Every target-group alarm watches all of
   * them, since blue and green swap on every deployment. At most 5.
   */
  readonly targetGroups: elbv2.IApplicationTargetGroup[];

  /**
   * The load balancer in front of the target groups.
   *
   * @default - the load balancer the target groups are attached to through their listeners
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;

  /**
   * The name people read in the alarm names and descriptions, e.g. `orders-api`: 1-64 letters,
   * digits, `.`, `_` or `-`, starting with a letter or digit, and a literal string (not a token).
   *
   * @default - the id of this construct's parent, or of this construct when its parent is a stack
   */
  readonly serviceName?: string;

  /**
   * The log group of the service's containers. Without it there is no fatal-log alarm.
   *
   * @default - no fatal-log alarm
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * The deployment group whose deployments the alarms stop and roll back.
   *
   * @default - the alarms are not attached to any deployment group
   */
  readonly deploymentGroup?: codedeploy.IEcsDeploymentGroup;

  /**
   * Make the alarms the deployment alarms of `service`, with rollback, instead of attaching them
   * to a deployment group: for a service on Amazon ECS's own blue/green deployments (the `ECS`
   * deployment controller), whose definition then lists them. `attachToDeploymentGroup: false`
   * still means watch only. The service renders the list; `BlueGreenService` does so itself.
   *
   * @default false
   */
  readonly attachToService?: boolean;

  /**
   * The ECS service, for the running-task alarm: its cluster and service name are the
   * dimensions of the Container Insights task counts. To watch a service defined elsewhere,
   * import it, e.g. with `ecs.FargateService.fromFargateServiceAttributes()` and a cluster.
   *
   * @default - no running-task alarm
   */
  readonly service?: ecs.IBaseService;
}
