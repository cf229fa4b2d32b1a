import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { ReleasePipeline } from '../../pipeline/release-pipeline';
import {
  TargetGroupSource, metricHttpCodeTarget, metricRequestCount, metricTargetResponseTime, metricTaskCount, metricUnhealthyHostCount,
} from '../../private/metrics';
import { consoleUrl } from '../../private/console-url';
import { recentDeploymentsQuery, recentReleasesQuery } from './deployment-record-queries';
import { DORA_KEY_COUNT, doraWidget, productionUnits } from './dora-widgets';
import type { IBlueGreenService } from '../../service/blue-green-service-base';

/*
 * The widgets each monitored thing contributes to a ReleaseDashboard: a section of rows per
 * service and per pipeline. Rows are 24 units wide.
 */

/** A section of a dashboard: rows of widgets, each row added to the dashboard as one. */
export interface DashboardSection {
  widgets(): cloudwatch.IWidget[][];
}

/** CloudWatch shows at most 100 alarms in an alarm status widget. */
const MAX_STATUS_ALARMS = 100;

/**
 * A service's section: a header with its links, then requests, 5xx rate and p99 response time,
 * then unhealthy targets, running tasks and the rollback alarms. Target-group graphs draw blue
 * and green as two lines, so the new version's line stands out during a canary. Each rollback
 * alarm with a fixed threshold is drawn as a horizontal line on the graph of its metric.
 */
export class ServiceSection implements DashboardSection {
  private readonly period: Duration;

  constructor(private readonly service: IBlueGreenService, period?: Duration) {
    // An imported service brings no rollback alarms, so nothing sets a period but the dashboard.
    this.period = period ?? service.rollbackAlarms?.period ?? Duration.minutes(1);
  }

  public widgets(): cloudwatch.IWidget[][] {
    return [
      [this.header()],
      [this.requests(), this.errorRate(), this.responseTime()],
      [this.unhealthyTargets(), this.tasks(), this.alarmStatus()],
    ];
  }

  private header(): cloudwatch.IWidget {
    const service = this.service;
    return new cloudwatch.TextWidget({
      width: 24,
      height: 2,
      markdown: [
        `## ${service.serviceName}`,
        `${service.url ? `[Production URL](${service.url}) · ` : ''}[Test URL](${service.testUrl}) (reachable from inside the VPC) · `
          + `[${service.deploymentGroup ? 'CodeDeploy deployment group' : 'ECS service deployments'}](${service.deploymentsConsoleUrl})  `,
        'Blue and green swap on every deployment: the new version runs in the target group that production traffic moves to.',
      ].join('\n'),
    });
  }

  private requests(): cloudwatch.IWidget {
    return new cloudwatch.GraphWidget({
      title: `${this.service.serviceName}: requests per target group`,
      width: 8,
      left: this.perTargetGroup(tg => metricRequestCount(this.source(tg), { period: this.period })),
      stacked: true,
      leftYAxis: { min: 0, showUnits: false },
    });
  }

  private errorRate(): cloudwatch.IWidget {
    return new cloudwatch.GraphWidget({
      title: `${this.service.serviceName}: target 5xx rate (%) per target group`,
      width: 8,
      left: this.perTargetGroup((tg, name) => new cloudwatch.MathExpression({
        // No 5xx datapoint in a minute without errors, hence FILL; no value without requests.
        expression: `100 * FILL(${name}Errors, 0) / ${name}Requests`,
        usingMetrics: {
          [`${name}Requests`]: metricRequestCount(this.source(tg), { period: this.period }),
          [`${name}Errors`]: metricHttpCodeTarget(this.source(tg), elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: this.period }),
        },
        period: this.period,
      })),
      leftAnnotations: thresholdLines(this.service.rollbackAlarms?.errorRateAlarm),
      leftYAxis: { min: 0, showUnits: false },
    });
  }

  private responseTime(): cloudwatch.IWidget {
    return new cloudwatch.GraphWidget({
      title: `${this.service.serviceName}: target response time p99 (s) per target group`,
      width: 8,
      left: this.perTargetGroup(tg => metricTargetResponseTime(this.source(tg), { period: this.period })),
      // An anomaly-detection alarm has no fixed threshold to draw; its band shows on the alarm.
      leftAnnotations: thresholdLines(this.service.rollbackAlarms?.latencyAlarm),
      leftYAxis: { min: 0, showUnits: false },
    });
  }

  private unhealthyTargets(): cloudwatch.IWidget {
    return new cloudwatch.GraphWidget({
      title: `${this.service.serviceName}: unhealthy targets per target group`,
      width: 8,
      left: this.perTargetGroup(tg => metricUnhealthyHostCount(this.source(tg), { period: this.period })),
      leftAnnotations: thresholdLines(this.service.rollbackAlarms?.unhealthyTargetsAlarm),
      leftYAxis: { min: 0, showUnits: false },
    });
  }

  /** Running, desired and pending tasks (Container Insights), and the running share the alarm watches. */
  private tasks(): cloudwatch.IWidget {
    const service = this.service.service;
    const taskCount = (metricName: string, label: string, color?: string) =>
      metricTaskCount(service, metricName, { period: this.period, label, color });
    const rollbackAlarms = this.service.rollbackAlarms;
    const shortfallAlarm = rollbackAlarms?.runningTaskShortfallAlarm;
    return new cloudwatch.GraphWidget({
      title: `${this.service.serviceName}: running vs desired tasks`,
      width: 8,
      left: [
        taskCount('RunningTaskCount', 'running', cloudwatch.Color.GREEN),
        taskCount('DesiredTaskCount', 'desired', cloudwatch.Color.GREY),
        taskCount('PendingTaskCount', 'pending', cloudwatch.Color.ORANGE),
      ],
      right: shortfallAlarm && rollbackAlarms
        ? [rollbackAlarms.metricRunningTaskPercent({ period: this.period, label: 'running (% of desired)' })]
        : [],
      rightAnnotations: thresholdLines(shortfallAlarm),
      leftYAxis: { min: 0, showUnits: false, label: 'tasks' },
      rightYAxis: { min: 0, showUnits: false, label: '% of desired' },
    });
  }

  /** Rendered at synthesis, so alarms added with addRollbackAlarm() after the section are listed too. */
  private alarmStatus(): cloudwatch.IWidget {
    const rollbackAlarms = this.service.rollbackAlarms;
    const title = `${this.service.serviceName}: rollback alarms`;
    return new DeferredWidget(8, 6, () => {
      if (!rollbackAlarms) {
        return new cloudwatch.TextWidget({
          width: 8,
          height: 6,
          markdown: `### ${title}\nNot known here: the service is defined in another stack or app, whose dashboard shows them.`,
        });
      }
      const alarms = rollbackAlarms.alarms;
      if (alarms.length === 0) {
        return new cloudwatch.TextWidget({
          width: 8,
          height: 6,
          markdown: `### ${title}\nNone: a deployment that hurts users does not roll back by itself.`,
        });
      }
      return new cloudwatch.AlarmStatusWidget({
        title,
        width: 8,
        height: 6,
        // Beyond 100, the composite alarm CodeDeploy watches still covers every alarm.
        alarms: alarms.length <= MAX_STATUS_ALARMS ? alarms : rollbackAlarms.deploymentGroupAlarms,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      });
    });
  }

  private perTargetGroup(metricOf: (tg: elbv2.IApplicationTargetGroup, name: 'blue' | 'green') => cloudwatch.IMetric): cloudwatch.IMetric[] {
    const blue = metricOf(this.service.blueTargetGroup, 'blue');
    const green = metricOf(this.service.greenTargetGroup, 'green');
    return [
      withLabel(blue, 'blue target group', cloudwatch.Color.BLUE),
      withLabel(green, 'green target group', cloudwatch.Color.GREEN),
    ];
  }

  private source(targetGroup: elbv2.IApplicationTargetGroup): TargetGroupSource {
    return { targetGroup, loadBalancer: this.service.loadBalancer };
  }
}

/** Which stages of a pipeline deploy to production. */
export interface PipelineSectionOptions {
  /** @default - the pipeline's last stage */
  readonly productionStages?: string[];
}

/**
 * A pipeline's section: the latest pipeline and stage executions and the latest deployments, from
 * its deployment record, and DORA's four keys per production service and stage, from the metrics
 * its recorder emits.
 */
export class PipelineSection implements DashboardSection {
  constructor(private readonly pipeline: ReleasePipeline, private readonly options: PipelineSectionOptions = {}) {}

  /** The production stages: the given ones, or the last stage once every stage is known. */
  public get productionStages(): string[] {
    return this.options.productionStages ?? this.pipeline.stageNames.slice(-1);
  }

  public widgets(): cloudwatch.IWidget[][] {
    return [
      [this.header()],
      [
        this.query(12, 8, 'Latest releases: pipeline and stage executions', () => recentReleasesQuery()),
        this.query(12, 8, 'Latest deployments', () => recentDeploymentsQuery()),
      ],
      // Rendered at synthesis, when every stage of the pipeline is known.
      Array.from({ length: DORA_KEY_COUNT }, (_, key) => new DeferredWidget(6, 6, () =>
        doraWidget(key, productionUnits(this.pipeline.stageOptions, this.productionStages), 6, 6))),
    ];
  }

  private header(): cloudwatch.IWidget {
    const pipelineName = this.pipeline.pipeline.pipelineName;
    const pipelineUrl = consoleUrl(this.pipeline, `codesuite/codepipeline/pipelines/${pipelineName}/view`);
    return new DeferredWidget(24, 3, () => new cloudwatch.TextWidget({
      width: 24,
      height: 3,
      markdown: [
        `## Releases: ${pipelineName}`,
        `[Pipeline](${pipelineUrl}) · deployment record \`${this.pipeline.deploymentRecord.logGroupName}\` · `
          + `production: ${this.productionStages.join(', ')}  `,
        'The tables and DORA\'s four keys cover the dashboard\'s time range: widen it to weeks to read the keys. '
          + 'Each key is one figure per production service and stage, from the metrics the deployment recorder emits.',
      ].join('\n'),
    }));
  }

  /** Rendered at synthesis, when every stage of the pipeline is known. */
  private query(width: number, height: number, title: string, lines: () => string[]): cloudwatch.IWidget {
    return new DeferredWidget(width, height, () => new cloudwatch.LogQueryWidget({
      title,
      width,
      height,
      logGroupNames: [this.pipeline.deploymentRecord.logGroupName],
      queryLines: lines(),
      view: cloudwatch.LogQueryVisualizationType.TABLE,
    }));
  }
}

/**
 * A widget built when the dashboard body is rendered, at synthesis: for contents that later
 * calls change (alarms added to a service, stages added to a pipeline). Its size is fixed.
 */
class DeferredWidget implements cloudwatch.IWidget {
  private x?: number;
  private y?: number;

  constructor(public readonly width: number, public readonly height: number, private readonly build: () => cloudwatch.IWidget) {}

  public position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  public toJson(): unknown[] {
    const widget = this.build();
    widget.position(this.x ?? 0, this.y ?? 0);
    return widget.toJson();
  }
}

/**
 * The alarm's threshold as a horizontal line, labelled as a rollback criterion. CloudWatch draws
 * an alarm itself (an alarm annotation) only on a graph of that alarm's metric alone, so graphs
 * with a line per target group show the threshold instead. Anomaly-detection alarms have none.
 */
function thresholdLines(alarm: cloudwatch.Alarm | undefined): cloudwatch.HorizontalAnnotation[] {
  if (!alarm || alarm instanceof cloudwatch.AnomalyDetectionAlarm) {
    return [];
  }
  const annotation = alarm.toAnnotation();
  if (annotation.visible === false) {
    return [];
  }
  return [{ ...annotation, label: `Rollback: ${annotation.label}`, color: cloudwatch.Color.RED }];
}

function withLabel(metric: cloudwatch.IMetric, label: string, color: string): cloudwatch.IMetric {
  if (metric instanceof cloudwatch.Metric || metric instanceof cloudwatch.MathExpression) {
    return metric.with({ label, color });
  }
  return metric;
}

