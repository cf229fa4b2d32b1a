import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  WorstTargetGroupOptions,
  runningTaskPercent,
  worstTarget5xxErrorRate,
  worstTargetResponseTime,
  worstUnhealthyHostCount,
} from '../private/metrics';
import { checkedServiceName } from '../private/service-name';
import { isResolved, propError, recordPropProblem } from '../private/validation';
import { FailedTaskSetGuard } from './failed-task-set-guard';
import { attachableDeploymentGroup, attachmentProblems, createOverflowAlarm, warnWhenContainerInsightsOff } from './private/attachment';
import {
  createAnomalyLatencyAlarm, createErrorRateAlarm, createFixedLatencyAlarm, createRunningTaskShortfallAlarm, createUnhealthyTargetsAlarm,
} from './private/criteria';
import { MAX_DEPLOYMENT_GROUP_ALARMS } from './private/deployment-group';
import { FATAL_LOG_NAMESPACE, createFatalLogAlarm, createFatalLogMetricFilters, defaultFatalLogPatterns } from './private/fatal-log';
import { fatalLogMetricName } from './private/format';
import { AlarmNaming } from './private/naming';
import { checkRollbackAlarmsProps, targetGroupSourceProblem } from './private/prop-checks';
import { RollbackAlarmsProps } from './rollback-alarms-options';

export type { RollbackAlarmsOptions, RollbackAlarmsProps } from './rollback-alarms-options';

/**
 * The CloudWatch alarms that stop and roll back a blue/green deployment of an ECS service when
 * the new version hurts users: target 5xx rate, p99 target response time, unhealthy targets,
 * fatal log lines, fewer running tasks than desired, and any alarm added with `addAlarm()`; and,
 * since no alarm sees a green task set that fails while blue runs, a {@link FailedTaskSetGuard}.
 *
 * CodeDeploy watches them during the deployment and during the termination wait. It accepts at
 * most 10 alarms per deployment group: the first 9 alarms are listed directly, and from the
 * 11th on, the 10th and later alarms are combined into one composite alarm, so none is dropped.
 *
 * @exampleMetadata fixture=lib
 * @example
 * const alarms = new RollbackAlarms(this, 'RollbackAlarms', {
 *   serviceName: 'orders-api',
 *   targetGroups: [blue, green],
 *   logGroup,
 *   service: fargateService,
 *   deploymentGroup,
 * });
 * alarms.addAlarm(queueDepthAlarm);
 */
export class RollbackAlarms extends Construct {
  /** The name people read in the alarm names and descriptions. */
  public readonly serviceName: string;

  /** The deployment group the alarms are attached to, if any. */
  public readonly deploymentGroup?: codedeploy.IEcsDeploymentGroup;

  /** Whether the alarms stop and roll back deployments: those of `deploymentGroup`, or of `service` with `attachToService`. */
  public readonly attachedToDeploymentGroup: boolean;

  /** The period over which each metric is aggregated. */
  public readonly period: Duration;

  /** How many consecutive periods a target-group criterion must be breached. */
  public readonly evaluationPeriods: number;

  /** The alarm on the 5xx error rate of the targets, unless disabled. */
  public readonly errorRateAlarm?: cloudwatch.Alarm;

  /** The alarm on the p99 target response time, unless disabled. */
  public readonly latencyAlarm?: cloudwatch.Alarm;

  /** The alarm on unhealthy targets, unless disabled. */
  public readonly unhealthyTargetsAlarm?: cloudwatch.Alarm;

  /** The alarm on fatal log lines, when there is a log group and it is not disabled. */
  public readonly fatalLogAlarm?: cloudwatch.Alarm;

  /** The metric filters that count fatal log lines. */
  public readonly fatalLogMetricFilters: logs.MetricFilter[] = [];

  /** The alarm on fewer running tasks than desired, when there is a service and it is not disabled. */
  public readonly runningTaskShortfallAlarm?: cloudwatch.Alarm;

  /**
   * The guard that stops a deployment whose green task set keeps failing, when there are a
   * service and a deployment group and it is not disabled.
   */
  public readonly failedTaskSetGuard?: FailedTaskSetGuard;

  private readonly targetGroups: elbv2.IApplicationTargetGroup[];
  private readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
  private readonly service?: ecs.IBaseService;
  private readonly minRequestCount: number;
  private readonly stackName: string;
  private readonly fatalLogMetricName?: string;
  private readonly attachTarget?: codedeploy.EcsDeploymentGroup;
  private readonly allAlarms: cloudwatch.IAlarm[] = [];
  private overflowAlarm?: cloudwatch.CompositeAlarm;
  private readonly naming: AlarmNaming;
  constructor(scope: Construct, id: string, givenProps: RollbackAlarmsProps) {
    super(scope, id);
    // Invalid props are recorded and fail the synthesis; the checked props hold stand-ins for them.
    const props = checkRollbackAlarmsProps(this, givenProps);

    this.serviceName = Stack.isStack(scope)
      ? checkedServiceName(this, props.serviceName, id, 'the construct id')
      : checkedServiceName(this, props.serviceName, scope.node.id, 'the id of its parent');
    this.stackName = Stack.of(this).stackName;
    this.targetGroups = props.targetGroups;
    this.loadBalancer = props.loadBalancer;
    this.service = props.service;
    this.period = props.period ?? Duration.minutes(1);
    this.evaluationPeriods = props.evaluationPeriods ?? 2;
    this.minRequestCount = props.minRequestCount ?? 20;
    this.deploymentGroup = props.deploymentGroup;
    this.checkUniqueNames();

    const attach = props.attachToDeploymentGroup ?? true;
    this.attachTarget = attach && props.deploymentGroup ? attachableDeploymentGroup(this, props.deploymentGroup, this.serviceName) : undefined;
    // On the ECS engine the service lists deploymentGroupAlarms as its deployment alarms.
    this.attachedToDeploymentGroup = this.attachTarget !== undefined || (attach && props.attachToService === true);
    this.naming = new AlarmNaming({
      scope: this, serviceName: this.serviceName, stackName: this.stackName, attached: this.attachedToDeploymentGroup,
      period: this.period, evaluationPeriods: this.evaluationPeriods, minRequestCount: this.minRequestCount,
    });

    if (props.enableErrorRateAlarm ?? true) {
      this.errorRateAlarm = createErrorRateAlarm(this.naming, this.metricTarget5xxErrorRate(), props.maxErrorRatePercent ?? 1);
      this.addAlarm(this.errorRateAlarm);
    }
    if (props.enableLatencyAlarm ?? true) {
      this.latencyAlarm = props.latencyBaseline
        ? createFixedLatencyAlarm(this.naming, this.metricTargetResponseTime(), props.latencyBaseline, props.latencyMultiplier ?? 3)
        : createAnomalyLatencyAlarm(this.naming, this.metricTargetResponseTime(), props.latencyAnomalyBandWidth ?? 3);
      this.addAlarm(this.latencyAlarm);
    }
    if (props.enableUnhealthyTargetsAlarm ?? true) {
      this.unhealthyTargetsAlarm = createUnhealthyTargetsAlarm(this.naming, this.metricUnhealthyHostCount(), props.maxUnhealthyTargets ?? 0);
      this.addAlarm(this.unhealthyTargetsAlarm);
    }
    if (props.logGroup && (props.enableFatalLogAlarm ?? true)) {
      this.fatalLogMetricName = fatalLogMetricName(this.stackName, this.serviceName);
      const patterns = props.fatalLogPatterns ?? defaultFatalLogPatterns();
      this.fatalLogMetricFilters.push(...createFatalLogMetricFilters(this.naming, props.logGroup, patterns, this.fatalLogMetricName));
      this.fatalLogAlarm = createFatalLogAlarm(this.naming, this.metricFatalLogLines({ label: undefined }), patterns.length, this.fatalLogMetricName);
      this.addAlarm(this.fatalLogAlarm);
    }
    if (props.service && (props.enableRunningTaskShortfallAlarm ?? true)) {
      this.runningTaskShortfallAlarm = createRunningTaskShortfallAlarm(this.naming, this.metricRunningTaskPercent(), props.minRunningTaskPercent ?? 100,
        props.runningTaskEvaluationPeriods ?? 3);
      this.addAlarm(this.runningTaskShortfallAlarm);
    }

    if (props.service && props.deploymentGroup && (props.enableFailedTaskSetGuard ?? true)) {
      this.failedTaskSetGuard = new FailedTaskSetGuard(this, 'FailedTaskSetGuard', {
        deploymentGroup: props.deploymentGroup,
        service: props.service,
        serviceName: this.serviceName,
        failedTaskThreshold: props.failedGreenTaskThreshold,
        // Not attached: watch what it would stop, as the alarms are watched.
        stopDeployments: this.attachedToDeploymentGroup,
      });
    }

    this.node.addValidation({
      validate: () => attachmentProblems({
        scope: this, serviceName: this.serviceName, alarmCount: this.allAlarms.length,
        deploymentGroupAlarmCount: this.deploymentGroupAlarms.length, attachTarget: this.attachTarget,
      }),
    });
    this.node.addValidation({
      validate: () => {
        warnWhenContainerInsightsOff(this, this.runningTaskShortfallAlarm ? this.service?.cluster : undefined, this.serviceName);
        return [];
      },
    });
  }

  /**
   * The fatal-line patterns used when `fatalLogPatterns` is not given, to extend rather than
   * replace them: JSON lines whose `level` is `fatal` or `FATAL`, and plain-text lines whose first
   * field, or second after a timestamp, is `FATAL`.
   */
  public static defaultFatalLogPatterns(): logs.IFilterPattern[] {
    return defaultFatalLogPatterns();
  }

  /**
   * Every rollback alarm, in the order they were added: the built-in ones first (error rate,
   * latency, unhealthy targets, fatal log lines, running tasks), then those from `addAlarm()`.
   */
  public get alarms(): cloudwatch.IAlarm[] {
    return [...this.allAlarms];
  }

  /**
   * The alarms CodeDeploy watches, at most 10: the first 9 alarms, then either the 10th alarm
   * or, when there are more than 10, the composite alarm that fires when any of the rest does.
   */
  public get deploymentGroupAlarms(): cloudwatch.IAlarm[] {
    const direct = this.allAlarms.slice(0, MAX_DEPLOYMENT_GROUP_ALARMS - 1);
    const last = this.overflowAlarm ?? this.allAlarms[MAX_DEPLOYMENT_GROUP_ALARMS - 1];
    return last ? [...direct, last] : direct;
  }

  /**
   * The composite alarm that carries the 10th and later alarms, created when the 11th alarm is
   * added; undefined while there are 10 alarms or fewer.
   */
  public get compositeAlarm(): cloudwatch.CompositeAlarm | undefined {
    return this.overflowAlarm;
  }

  /**
   * Adds an alarm that stops and rolls back a deployment when it fires, during the deployment
   * and during the termination wait. Adding the same alarm twice has no effect.
   */
  public addAlarm(alarm: cloudwatch.IAlarm): void {
    // The same alarm twice, or two imports of one alarm name, would list a name twice in the
    // deployment group, which CodeDeploy rejects at deployment.
    if (this.allAlarms.includes(alarm) || this.allAlarms.some((added) => sameResolvedName(added, alarm))) {
      return;
    }
    this.allAlarms.push(alarm);
    const count = this.allAlarms.length;
    if (count < MAX_DEPLOYMENT_GROUP_ALARMS) {
      this.attachTarget?.addAlarm(alarm);
    } else if (count === MAX_DEPLOYMENT_GROUP_ALARMS) {
      // The last place in the deployment group holds this alarm until an 11th arrives, then the
      // composite alarm: its name is rendered at synthesis, when the final count is known.
      this.attachTarget?.addAlarm(cloudwatch.Alarm.fromAlarmName(this, 'LastDeploymentGroupAlarm', Lazy.string({
        produce: () => this.deploymentGroupAlarms[MAX_DEPLOYMENT_GROUP_ALARMS - 1].alarmName,
      })));
    } else if (count === MAX_DEPLOYMENT_GROUP_ALARMS + 1) {
      this.overflowAlarm = createOverflowAlarm(this.naming, () => this.allAlarms.slice(MAX_DEPLOYMENT_GROUP_ALARMS - 1));
    }
  }

  /**
   * The 5xx error rate of the targets in percent, of the worse target group
   * (`HTTPCode_Target_5XX_Count` ÷ `RequestCount` × 100, 0 below `minRequestCount` requests),
   * as the error-rate alarm sees it.
   *
   * @default - over `period`
   */
  public metricTarget5xxErrorRate(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    return worstTarget5xxErrorRate({
      ...this.worstTargetGroupOptions(options),
      label: options.label ?? `${this.serviceName}: target 5xx rate (%)`,
    });
  }

  /**
   * The p99 target response time in seconds, of the worse target group (0 below
   * `minRequestCount` requests), as the latency alarm sees it.
   *
   * @default - over `period`
   */
  public metricTargetResponseTime(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    return worstTargetResponseTime({
      ...this.worstTargetGroupOptions(options),
      label: options.label ?? `${this.serviceName}: target response time p99 (s)`,
    });
  }

  /**
   * The unhealthy targets of the worse target group, as the unhealthy-targets alarm sees it.
   *
   * @default - maximum over `period`
   */
  public metricUnhealthyHostCount(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    return worstUnhealthyHostCount({
      ...this.worstTargetGroupOptions(options),
      label: options.label ?? `${this.serviceName}: unhealthy targets`,
    });
  }

  /**
   * The unhealthy targets of the worse target group.
   *
   * @deprecated use metricUnhealthyHostCount
   */
  public metricUnHealthyHostCount(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    return this.metricUnhealthyHostCount(options);
  }

  /**
   * The number of fatal log lines, from the metric filters on the log group.
   * Throws when there is no fatal-log alarm.
   *
   * @default - sum over `period`
   */
  public metricFatalLogLines(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    if (this.fatalLogMetricName === undefined) {
      // A call for a metric that does not exist: there is no value to go on with.
      throw propError(this, 'logGroup', 'is not set (or enableFatalLogAlarm is false), so there is no fatal-log metric; '
        + 'pass the log group of the service\'s containers');
    }
    return new cloudwatch.Metric({
      namespace: FATAL_LOG_NAMESPACE,
      metricName: this.fatalLogMetricName,
      statistic: 'Sum',
      period: this.period,
      label: `${this.serviceName}: fatal log lines`,
      ...options,
    });
  }

  /**
   * The tasks the service runs, in percent of its desired tasks (`RunningTaskCount` ÷
   * `DesiredTaskCount` × 100 from Container Insights, 100 when it wants none), as the running-task
   * alarm sees it. It reaches 200 while both task sets of a deployment run.
   * Throws when there is no service.
   *
   * @default - averages over `period`
   */
  public metricRunningTaskPercent(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    if (!this.service) {
      // A call for a metric that does not exist: there is no value to go on with.
      throw propError(this, 'service', 'is not set, so there is no running-task metric; pass the ECS service');
    }
    return runningTaskPercent(this.service, {
      period: options.period ?? this.period,
      label: options.label ?? `${this.serviceName}: running tasks (% of desired)`,
      color: options.color,
    });
  }

  private worstTargetGroupOptions(options: cloudwatch.MetricOptions): WorstTargetGroupOptions {
    // A call for a metric that cannot be built: there is no value to go on with. The constructor
    // records these problems of its own target-group alarms instead, and leaves the alarms out.
    if (this.targetGroups.length === 0) {
      throw propError(this, 'targetGroups', 'is empty, so there is no target-group metric; pass the blue and green target groups');
    }
    const sources = this.targetGroups.map(targetGroup => {
      const source = { targetGroup, loadBalancer: this.loadBalancer };
      const problem = targetGroupSourceProblem(source);
      if (problem !== undefined) {
        throw propError(this, 'targetGroups', problem);
      }
      return source;
    });
    return { sources, minRequestCount: this.minRequestCount, period: options.period ?? this.period, label: '', color: options.color };
  }

  /**
   * Two RollbackAlarms of one service name in one stack would create alarms of the same name.
   * The others are looked up in the construct tree, so the check holds per stack and per app.
   */
  private checkUniqueNames(): void {
    if (!isResolved(this.serviceName)) {
      return;
    }
    const stack = Stack.of(this);
    const other = stack.node.findAll().find((c): c is RollbackAlarms => c instanceof RollbackAlarms && c !== this
      && Stack.of(c) === stack && c.serviceName === this.serviceName);
    if (other !== undefined) {
      // Recorded, not thrown: the alarms are still built, under the same names as the other's.
      recordPropProblem(this, 'serviceName', `'${this.serviceName}' is already used by ${other.node.path} in the same stack, and alarm names `
        + 'must be unique; give each service its own serviceName');
    }
  }
}

/** True when both alarm names are known at synthesis and equal. */
function sameResolvedName(a: cloudwatch.IAlarm, b: cloudwatch.IAlarm): boolean {
  return !Token.isUnresolved(a.alarmName) && !Token.isUnresolved(b.alarmName) && a.alarmName === b.alarmName;
}
