import { Annotations, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  MAX_DEPLOYMENT_GROUP_ALARMS,
  ResolvedAlarmConfiguration,
  ResolvedAutoRollbackConfiguration,
  alarmCount,
  rollbackConflicts,
} from './private/deployment-group';
import { containerInsightsSetting } from './private/container-insights';
import {
  WorstTargetGroupOptions,
  metricRequestCount,
  runningTaskPercent,
  worstTarget5xxErrorRate,
  worstTargetResponseTime,
  worstUnhealthyHostCount,
} from '../private/metrics';
import { fatalLogFilterId } from './private/filter-pattern';
import {
  fatalLogCriterion,
  fatalLogMetricName,
  formatAlarmName,
  formatDuration,
  formatNumber,
  overflowCriterion,
  truncateDescription,
} from './private/format';
import { isResolved, propError } from '../private/validation';
import { FailedTaskSetGuard } from './failed-task-set-guard';
import { RollbackAlarmsProps } from './rollback-alarms-options';
import { checkRollbackAlarmsProps } from './private/prop-checks';
import {
  CriterionContext, createAnomalyLatencyAlarm, createErrorRateAlarm, createFixedLatencyAlarm, createRunningTaskShortfallAlarm,
  createUnhealthyTargetsAlarm,
} from './private/criteria';

export type { RollbackAlarmsOptions, RollbackAlarmsProps } from './rollback-alarms-options';

/** Namespace of the metric the fatal-log metric filters publish. */
const FATAL_LOG_NAMESPACE = 'EcsRelease';

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
 * @example
 * const alarms = new RollbackAlarms(this, 'RollbackAlarms', {
 *   serviceName: 'orders-api',
 *   targetGroups: [blue, green],
 *   logGroup,
 *   service,
 *   deploymentGroup,
 * });
 * alarms.addAlarm(queueDepthAlarm);
 */
export class RollbackAlarms extends Construct {
  /** The name people read in the alarm names and descriptions. */
  public readonly serviceName: string;

  /** The deployment group the alarms are attached to, if any. */
  public readonly deploymentGroup?: codedeploy.IEcsDeploymentGroup;

  /** Whether the alarms stop and roll back the deployments of `deploymentGroup`. */
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
  constructor(scope: Construct, id: string, props: RollbackAlarmsProps) {
    super(scope, id);

    this.serviceName = props.serviceName ?? (Stack.isStack(scope) ? id : scope.node.id);
    this.stackName = Stack.of(this).stackName;
    this.targetGroups = props.targetGroups;
    this.loadBalancer = props.loadBalancer;
    this.service = props.service;
    this.period = props.period ?? Duration.minutes(1);
    this.evaluationPeriods = props.evaluationPeriods ?? 2;
    this.minRequestCount = props.minRequestCount ?? 20;
    this.deploymentGroup = props.deploymentGroup;
    checkRollbackAlarmsProps(this, props, this.period, this.evaluationPeriods);
    this.checkUniqueNames();

    const attach = props.attachToDeploymentGroup ?? true;
    this.attachTarget = attach && props.deploymentGroup ? this.attachableDeploymentGroup(props.deploymentGroup) : undefined;
    this.attachedToDeploymentGroup = this.attachTarget !== undefined;

    if (props.enableErrorRateAlarm ?? true) {
      this.errorRateAlarm = createErrorRateAlarm(this.criterionContext(), this.metricTarget5xxErrorRate(), props.maxErrorRatePercent ?? 1);
      this.addAlarm(this.errorRateAlarm);
    }
    if (props.enableLatencyAlarm ?? true) {
      this.latencyAlarm = props.latencyBaseline
        ? createFixedLatencyAlarm(this.criterionContext(), this.metricTargetResponseTime(), props.latencyBaseline, props.latencyMultiplier ?? 3)
        : createAnomalyLatencyAlarm(this.criterionContext(), this.metricTargetResponseTime(), props.latencyAnomalyBandWidth ?? 3);
      this.addAlarm(this.latencyAlarm);
    }
    if (props.enableUnhealthyTargetsAlarm ?? true) {
      this.unhealthyTargetsAlarm = createUnhealthyTargetsAlarm(this.criterionContext(), this.metricUnhealthyHostCount(), props.maxUnhealthyTargets ?? 0);
      this.addAlarm(this.unhealthyTargetsAlarm);
    }
    if (props.logGroup && (props.enableFatalLogAlarm ?? true)) {
      this.fatalLogMetricName = fatalLogMetricName(this.stackName, this.serviceName);
      this.fatalLogAlarm = this.createFatalLogAlarm(props.logGroup, props.fatalLogPatterns ?? defaultFatalLogPatterns());
      this.addAlarm(this.fatalLogAlarm);
    }
    if (props.service && (props.enableRunningTaskShortfallAlarm ?? true)) {
      this.runningTaskShortfallAlarm = createRunningTaskShortfallAlarm(this.criterionContext(), this.metricRunningTaskPercent(), props.minRunningTaskPercent ?? 100,
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

    this.node.addValidation({ validate: () => this.validateAttachment() });
    this.node.addValidation({ validate: () => this.checkContainerInsights() });
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
      this.overflowAlarm = this.createOverflowAlarm();
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
      throw propError(this, 'service', 'is not set, so there is no running-task metric; pass the ECS service');
    }
    return runningTaskPercent(this.service, {
      period: options.period ?? this.period,
      label: options.label ?? `${this.serviceName}: running tasks (% of desired)`,
      color: options.color,
    });
  }

  private worstTargetGroupOptions(options: cloudwatch.MetricOptions): WorstTargetGroupOptions {
    if (this.targetGroups.length === 0) {
      throw propError(this, 'targetGroups', 'is empty, so there is no target-group metric; pass the blue and green target groups');
    }
    const sources = this.targetGroups.map(targetGroup => {
      const source = { targetGroup, loadBalancer: this.loadBalancer };
      try {
        metricRequestCount(source);
      } catch (e) {
        throw propError(this, 'targetGroups', `target group ${targetGroup.node.path} does not know its load balancer yet (${(e as Error).message}); `
          + 'create RollbackAlarms after the listeners that forward to the target groups, or pass loadBalancer');
      }
      return source;
    });
    return { sources, minRequestCount: this.minRequestCount, period: options.period ?? this.period, label: '', color: options.color };
  }





  private createFatalLogAlarm(logGroup: logs.ILogGroup, patterns: logs.IFilterPattern[]): cloudwatch.Alarm {
    patterns.forEach((filterPattern, i) => {
      const text = filterPattern.logPatternString;
      this.fatalLogMetricFilters.push(new logs.MetricFilter(this, fatalLogFilterId(text, isResolved(text), i), {
        logGroup,
        filterPattern,
        metricNamespace: FATAL_LOG_NAMESPACE,
        metricName: this.fatalLogMetricName!,
        metricValue: '1',
        // Lines that do not match report 0, so the alarm sees data (and shows OK) whenever the
        // service logs; no log lines at all is missing data, which is not a breach.
        defaultValue: 0,
      }));
    });
    return new cloudwatch.Alarm(this, 'FatalLogAlarm', {
      alarmName: this.alarmName(fatalLogCriterion()),
      alarmDescription: this.describe(`a fatal log line appears in the service's log group (any of ${patterns.length} filter `
        + `pattern${patterns.length === 1 ? '' : 's'}, counted by metric ${FATAL_LOG_NAMESPACE} ${this.fatalLogMetricName}) within `
        + `${formatDuration(this.period.toSeconds())}.`),
      metric: this.metricFatalLogLines({ label: undefined }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }


  private createOverflowAlarm(): cloudwatch.CompositeAlarm {
    const overflow = () => this.allAlarms.slice(MAX_DEPLOYMENT_GROUP_ALARMS - 1);
    return new cloudwatch.CompositeAlarm(this, 'OverflowAlarm', {
      compositeAlarmName: this.alarmName(overflowCriterion()),
      alarmDescription: Lazy.string({
        produce: () => this.describe(`any of ${overflow().length} further rollback alarms fires. CodeDeploy watches at most `
          + `${MAX_DEPLOYMENT_GROUP_ALARMS} alarms per deployment group, so the alarms beyond the first `
          + `${MAX_DEPLOYMENT_GROUP_ALARMS - 1} are combined here; the alarm rule lists them.`),
      }),
      // Rendered at synthesis, so alarms added after this one are included.
      alarmRule: {
        renderAlarmRule: () => Lazy.string({
          produce: () => cloudwatch.AlarmRule.anyOf(...overflow()).renderAlarmRule(),
        }),
      },
    });
  }

  private criterionContext(): CriterionContext {
    return {
      scope: this,
      period: this.period,
      evaluationPeriods: this.evaluationPeriods,
      minRequestCount: this.minRequestCount,
      alarmName: criterion => this.alarmName(criterion),
      describe: condition => this.describe(condition),
      windowLabel: evaluationPeriods => this.windowLabel(evaluationPeriods),
      windowText: evaluationPeriods => this.windowText(evaluationPeriods),
    };
  }

  private alarmName(criterion: string): string {
    return formatAlarmName(this.serviceName, criterion, this.stackName);
  }

  private describe(condition: string): string {
    const lead = this.attachedToDeploymentGroup
      ? `Stops and rolls back a deployment of ${this.serviceName} when`
      : `Watches ${this.serviceName} (not attached to a deployment group): fires when`;
    return truncateDescription(`${lead} ${condition}`);
  }

  /** How long a criterion must hold, `evaluationPeriods` periods by default: `2 min`. */
  private windowLabel(evaluationPeriods = this.evaluationPeriods): string {
    const periodSeconds = this.period.toSeconds();
    return Token.isUnresolved(evaluationPeriods)
      ? `${num(evaluationPeriods)} x ${formatDuration(periodSeconds)}`
      : formatDuration(periodSeconds * evaluationPeriods);
  }

  /** `for 2 consecutive periods of 1 min`. */
  private windowText(evaluationPeriods = this.evaluationPeriods): string {
    const plural = Token.isUnresolved(evaluationPeriods) || evaluationPeriods !== 1;
    return `for ${num(evaluationPeriods)} consecutive period${plural ? 's' : ''} of ${formatDuration(this.period.toSeconds())}`;
  }

  /**
   * The deployment group, when it is defined in this app: its `addAlarm()` lists the alarms and
   * makes it roll back on them. An imported one cannot be changed from here, so the alarms are
   * created but stop nothing, and a warning says so.
   */
  private attachableDeploymentGroup(deploymentGroup: codedeploy.IEcsDeploymentGroup): codedeploy.EcsDeploymentGroup | undefined {
    if (deploymentGroup instanceof codedeploy.EcsDeploymentGroup) {
      return deploymentGroup;
    }
    Annotations.of(this).addWarningV2('cdk-ecs-release:importedDeploymentGroup',
      `deployment group ${deploymentGroup.node.path} is imported, so the rollback alarms of ${this.serviceName} cannot be `
      + 'attached to it from here: they are created, but stop no deployment. Add deploymentGroupAlarms to the deployment group '
      + 'where it is defined, and set attachToDeploymentGroup: false to say the alarms only watch');
    return undefined;
  }

  /**
   * Warns when the service's cluster, defined in this app, turns Container Insights off: the
   * running-task alarm would then never have data. A cluster that does not set it follows the
   * account default, which cannot be seen from here.
   */
  private checkContainerInsights(): string[] {
    const cluster = this.runningTaskShortfallAlarm ? this.service?.cluster : undefined;
    const resource = cluster?.node.defaultChild;
    if (!cluster || !resource || !ecs.CfnCluster.isCfnCluster(resource)) {
      return [];
    }
    if (containerInsightsSetting(Stack.of(resource).resolve(resource.clusterSettings)) === 'disabled') {
      Annotations.of(this).addWarningV2('cdk-ecs-release:containerInsightsDisabled',
        `cluster ${cluster.node.path} has Container Insights turned off, so the running-task alarm of ${this.serviceName} `
        + 'has no data and never fires; turn it on with containerInsightsV2: ContainerInsights.ENABLED, or set '
        + 'enableRunningTaskShortfallAlarm: false');
    }
    return [];
  }

  private validateAttachment(): string[] {
    if (this.allAlarms.length === 0) {
      Annotations.of(this).addWarningV2('cdk-ecs-release:noRollbackAlarms',
        `${this.serviceName} has no rollback alarms: every criterion is disabled and none was added; `
        + 'a deployment that hurts users will not roll back by itself');
    }
    const resource = this.attachTarget?.node.defaultChild;
    if (!resource || !codedeploy.CfnDeploymentGroup.isCfnDeploymentGroup(resource)) {
      return [];
    }
    // Read only, to check what the user set on the deployment group against the alarms.
    const stack = Stack.of(resource);
    const dgPath = this.attachTarget!.node.path;
    const original = stack.resolve(resource.alarmConfiguration) as ResolvedAlarmConfiguration | undefined;
    const problems = rollbackConflicts(original, stack.resolve(resource.autoRollbackConfiguration) as ResolvedAutoRollbackConfiguration | undefined)
      .map(p => `${this.node.path}: deployment group ${dgPath} ${p}`);
    if (original?.ignorePollAlarmFailure === true) {
      Annotations.of(this).addWarningV2('cdk-ecs-release:ignorePollAlarmFailure',
        `deployment group ${dgPath} continues deployments when CloudWatch cannot be read (ignorePollAlarmsFailure: true), `
        + 'so a deployment may go on unwatched; remove ignorePollAlarmsFailure to stop instead');
    }
    const count = alarmCount(original);
    if (count > MAX_DEPLOYMENT_GROUP_ALARMS) {
      problems.push(`${this.node.path}: deployment group ${dgPath} lists ${count} alarms but CodeDeploy accepts at most `
        + `${MAX_DEPLOYMENT_GROUP_ALARMS}; RollbackAlarms uses ${this.deploymentGroupAlarms.length} of them. Add the others with `
        + 'rollbackAlarms.addAlarm() instead of deploymentGroup.addAlarm(), so they are combined into a composite alarm');
    }
    return problems;
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
      throw propError(this, 'serviceName', `'${this.serviceName}' is already used by ${other.node.path} in the same stack, and alarm names `
        + 'must be unique; give each service its own serviceName');
    }
  }
}

/** A number as people read it, or its deploy-time value when it is a token. */
function num(value: number): string {
  return Token.isUnresolved(value) ? Token.asString(value) : formatNumber(value);
}

/**
 * The default fatal-line patterns: JSON lines whose `level` is `fatal` or `FATAL`, and plain-text
 * lines whose level field, first or after a timestamp, is `FATAL`. Not the bare term `FATAL`,
 * which also matches a line that merely quotes the word, such as a user's input.
 */
function defaultFatalLogPatterns(): logs.IFilterPattern[] {
  return [
    logs.FilterPattern.any(
      logs.FilterPattern.stringValue('$.level', '=', 'fatal'),
      logs.FilterPattern.stringValue('$.level', '=', 'FATAL'),
    ),
    logs.FilterPattern.spaceDelimited('level', '...').whereString('level', '=', 'FATAL'),
    logs.FilterPattern.spaceDelimited('time', 'level', '...').whereString('level', '=', 'FATAL'),
  ];
}

/** True when both alarm names are known at synthesis and equal. */
function sameResolvedName(a: cloudwatch.IAlarm, b: cloudwatch.IAlarm): boolean {
  return !Token.isUnresolved(a.alarmName) && !Token.isUnresolved(b.alarmName) && a.alarmName === b.alarmName;
}
