import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IConstruct } from 'constructs';
import { BlueGreenService, ReleaseDashboard } from '../../lib';
import {
  metricHttpCodeTarget, metricRequestCount, metricTargetResponseTime, metricTaskCount, metricUnhealthyHostCount,
} from '../../lib/private/metrics';
import { evaluate, evaluateJson } from '../pipeline/cfn-eval';
import { testStack } from '../util';

/** What makes two metrics the same: what CloudWatch reads, not how it is labelled. */
interface Definition {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly statistic: string;
  readonly periodSeconds: number;
}

interface Fixture {
  readonly stack: Stack;
  readonly service: BlueGreenService;
  readonly template: Template;
}

function fixture(): Fixture {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const service = new BlueGreenService(stack, 'Orders', {
    vpc,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    serviceName: 'orders',
  });
  new ReleaseDashboard(stack, 'Dashboard', { services: [service] });
  return { stack, service, template: Template.fromStack(stack) };
}

/** The metrics an alarm watches, as the template renders them. */
function alarmDefinitions(f: Fixture, alarm: IConstruct | undefined): Definition[] {
  const id = f.stack.getLogicalId(alarm!.node.defaultChild as cloudwatch.CfnAlarm);
  const metrics = f.template.toJSON().Resources[id].Properties.Metrics as Array<{
    MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: Array<{ Name: string; Value: unknown }> }; Period: number; Stat: string };
  }>;
  return metrics.filter(m => m.MetricStat).map(({ MetricStat: stat }) => ({
    namespace: stat!.Metric.Namespace,
    metricName: stat!.Metric.MetricName,
    dimensions: Object.fromEntries(stat!.Metric.Dimensions.map(d => [d.Name, evaluate(d.Value)])),
    statistic: stat!.Stat,
    periodSeconds: stat!.Period,
  }));
}

/** The metrics a dashboard graph draws, by its title. */
function graphDefinitions(f: Fixture, title: string): Definition[] {
  const dashboard = Object.values(f.template.findResources('AWS::CloudWatch::Dashboard'))[0];
  const body = evaluateJson(dashboard.Properties.DashboardBody) as { widgets: Array<{ properties: { title?: string; metrics?: unknown[][] } }> };
  const graph = body.widgets.find(w => w.properties.title === title);
  expect(graph).toBeDefined();
  return graph!.properties.metrics!
    .filter(row => typeof row[0] === 'string' && !(row[0] as string).includes('.'))
    .map(row => {
      const options = row[row.length - 1] as { stat?: string; period: number };
      const dims = row.slice(2, -1) as string[];
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < dims.length; i += 2) {
        dimensions[dims[i]] = dims[i + 1];
      }
      return { namespace: row[0] as string, metricName: row[1] as string, dimensions, 
        // A dashboard leaves out CloudWatch's default statistic.
        statistic: options.stat ?? 'Average', periodSeconds: options.period };
    });
}

/** The plain metrics behind a metric or math expression. */
function metricDefinitions(stack: Stack, metric: cloudwatch.IMetric): Definition[] {
  const config = metric.toMetricConfig();
  if (config.mathExpression) {
    return Object.values(config.mathExpression.usingMetrics).flatMap(m => metricDefinitions(stack, m));
  }
  const stat = config.metricStat!;
  return [{
    namespace: stat.namespace,
    metricName: stat.metricName,
    dimensions: Object.fromEntries((stat.dimensions ?? []).map(d => [d.name, evaluate(stack.resolve(d.value))])),
    statistic: stat.statistic,
    periodSeconds: stat.period.toSeconds(),
  }];
}

const byName = (name: string) => (d: Definition) => d.metricName === name;

describe('one definition per metric', () => {
  test('unhealthy targets: the alarm, the service metric and the dashboard graph read the same metric', () => {
    const f = fixture();
    const alarm = alarmDefinitions(f, f.service.rollbackAlarms!.unhealthyTargetsAlarm);
    expect(alarm).toHaveLength(2);
    expect(alarm[0]).toMatchObject({ namespace: 'AWS/ApplicationELB', metricName: 'UnHealthyHostCount', statistic: 'Maximum', periodSeconds: 60 });
    expect(metricDefinitions(f.stack, f.service.metricUnhealthyHostCount())).toEqual(alarm);
    expect(graphDefinitions(f, 'orders: unhealthy targets per target group')).toEqual(alarm);
  });

  test('response time: the alarm, the service metric and the dashboard graph read the same p99', () => {
    const f = fixture();
    const alarm = alarmDefinitions(f, f.service.rollbackAlarms!.latencyAlarm).filter(byName('TargetResponseTime'));
    expect(alarm).toHaveLength(2);
    expect(alarm[0]).toMatchObject({ statistic: 'p99', periodSeconds: 60 });
    expect(metricDefinitions(f.stack, f.service.metricTargetResponseTime()).filter(byName('TargetResponseTime'))).toEqual(alarm);
    expect(graphDefinitions(f, 'orders: target response time p99 (s) per target group')).toEqual(alarm);
  });

  test('5xx and requests: the error-rate alarm, the service metrics and the dashboard graph read the same sums', () => {
    const f = fixture();
    const alarm = alarmDefinitions(f, f.service.rollbackAlarms!.errorRateAlarm);
    const requests = alarm.filter(byName('RequestCount'));
    const errors = alarm.filter(byName('HTTPCode_Target_5XX_Count'));
    expect(requests).toHaveLength(2);
    expect(errors).toHaveLength(2);
    expect(requests[0]).toMatchObject({ statistic: 'Sum', periodSeconds: 60 });
    expect(metricDefinitions(f.stack, f.service.metricRequestCount())).toEqual(requests);
    expect(metricDefinitions(f.stack, f.service.metricTarget5xxCount())).toEqual(errors);
    const graph = graphDefinitions(f, 'orders: target 5xx rate (%) per target group');
    expect(graph.filter(byName('RequestCount'))).toEqual(requests);
    expect(graph.filter(byName('HTTPCode_Target_5XX_Count'))).toEqual(errors);
    expect(graphDefinitions(f, 'orders: requests per target group')).toEqual(requests);
  });

  test('task counts: the running-task alarm and the dashboard graph read the same Container Insights averages', () => {
    const f = fixture();
    const alarm = alarmDefinitions(f, f.service.rollbackAlarms!.runningTaskShortfallAlarm);
    expect(alarm.map(d => d.metricName)).toEqual(['RunningTaskCount', 'DesiredTaskCount']);
    expect(alarm[0]).toMatchObject({ namespace: 'ECS/ContainerInsights', statistic: 'Average', periodSeconds: 60 });
    const graph = graphDefinitions(f, 'orders: running vs desired tasks');
    expect(graph.filter(d => d.metricName !== 'PendingTaskCount')).toEqual(alarm);
  });
});

describe('metric builders', () => {
  function source(): { stack: Stack; tg: elbv2.ApplicationTargetGroup; loadBalancer: elbv2.ApplicationLoadBalancer } {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc });
    const tg = new elbv2.ApplicationTargetGroup(stack, 'Tg', { vpc, port: 80, targetType: elbv2.TargetType.IP });
    loadBalancer.addListener('Listener', { port: 80, defaultTargetGroups: [tg] });
    return { stack, tg, loadBalancer };
  }

  test.each([
    ['RequestCount', 'Sum', metricRequestCount],
    ['TargetResponseTime', 'p99', metricTargetResponseTime],
    ['UnHealthyHostCount', 'Maximum', metricUnhealthyHostCount],
  ] as const)('%s defaults to %s over 1 minute and returns a Metric', (metricName, statistic, build) => {
    const { tg, loadBalancer } = source();
    const metric = build({ targetGroup: tg, loadBalancer });
    expect(metric).toBeInstanceOf(cloudwatch.Metric);
    expect(metric).toMatchObject({ namespace: 'AWS/ApplicationELB', metricName, statistic });
    expect(metric.period.toSeconds()).toBe(60);
  });

  test('options override the defaults', () => {
    const { tg, loadBalancer } = source();
    const metric = metricHttpCodeTarget({ targetGroup: tg, loadBalancer }, elbv2.HttpCodeTarget.TARGET_5XX_COUNT,
      { period: Duration.minutes(5), statistic: 'Average', label: 'errors' });
    expect(metric).toMatchObject({ metricName: 'HTTPCode_Target_5XX_Count', statistic: 'Average', label: 'errors' });
    expect(metric.period.toMinutes()).toBe(5);
  });

  test('without a load balancer, aws-cdk-lib takes the dimensions from the target group\'s listeners', () => {
    const { stack, tg } = source();
    const metric = metricRequestCount({ targetGroup: tg });
    expect(Object.keys(stack.resolve(metric.dimensions)).sort()).toEqual(['LoadBalancer', 'TargetGroup']);
    expect(JSON.stringify(stack.resolve(metric.dimensions?.LoadBalancer))).toContain('LbListener');
  });

  test('a task count has the cluster and service as dimensions', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const service = ecs.FargateService.fromFargateServiceAttributes(stack, 'Service', { cluster, serviceName: 'orders' });
    const metric = metricTaskCount(service, 'RunningTaskCount');
    expect(metric).toMatchObject({ namespace: 'ECS/ContainerInsights', statistic: 'Average' });
    expect(stack.resolve(metric.dimensions)).toEqual({ ClusterName: { Ref: stack.getLogicalId(cluster.node.defaultChild as ecs.CfnCluster) }, ServiceName: 'orders' });
  });
});
