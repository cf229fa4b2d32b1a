import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { RollbackAlarms, RollbackAlarmsProps } from '../../lib/alarms';
import { alarmTestStack, mockService } from './mock-service';
import { synthErrors } from '../synth-errors';
// RollbackAlarms over the mock service, with the ECS service given.
import { setupWithService as setup } from './rollback-alarms-fixtures';

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId);
}

function userAlarms(stack: Stack, count: number): cloudwatch.Alarm[] {
  return Array.from({ length: count }, (_, i) => new cloudwatch.Alarm(stack, `User${i + 1}`, {
    metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: `Metric${i + 1}` }),
    threshold: 1,
    evaluationPeriods: 1,
  }));
}

describe('running-task shortfall', () => {
  test('fires when fewer tasks run than desired for 3 consecutive minutes; no data is no breach', () => {
    const { stack, svc, alarms } = setup();
    const dimensions = [
      { Name: 'ClusterName', Value: { Ref: logicalIdOf(stack, svc.service.cluster) } },
      { Name: 'ServiceName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, svc.service), 'Name'] } },
    ];
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-api: running tasks < desired for 3 min (OrdersStack)',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 100,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      Metrics: [
        { Id: 'expr_1', Expression: 'IF(desired > 0, 100 * running / desired, 100)', ReturnData: true },
        {
          Id: 'running',
          MetricStat: {
            Metric: { Namespace: 'ECS/ContainerInsights', MetricName: 'RunningTaskCount', Dimensions: dimensions },
            Period: 60,
            Stat: 'Average',
          },
          ReturnData: false,
        },
        {
          Id: 'desired',
          MetricStat: {
            Metric: { Namespace: 'ECS/ContainerInsights', MetricName: 'DesiredTaskCount', Dimensions: dimensions },
            Period: 60,
            Stat: 'Average',
          },
          ReturnData: false,
        },
      ],
    });
    expect(alarms.runningTaskShortfallAlarm).toBeDefined();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('is the last built-in alarm, and the deployment group watches it', () => {
    const { stack, alarms } = setup();
    expect(alarms.alarms).toEqual([
      alarms.errorRateAlarm, alarms.latencyAlarm, alarms.unhealthyTargetsAlarm, alarms.fatalLogAlarm, alarms.runningTaskShortfallAlarm,
    ]);
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: Match.objectLike({
        Enabled: true,
        Alarms: Match.arrayWith([{ Name: { Ref: logicalIdOf(stack, alarms.runningTaskShortfallAlarm!) } }]),
      }),
    });
  });

  test('the description says what fired and that both task sets count', () => {
    const { stack } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'Stops and rolls back a deployment of orders-api when the service runs fewer tasks than desired '
        + '(ECS/ContainerInsights RunningTaskCount / DesiredTaskCount) for 3 consecutive periods of 1 min: tasks crash, fail '
        + 'their health checks or cannot start. While both task sets of a deployment run, all their tasks count. Without '
        + 'Container Insights on the cluster there is no data, and the alarm does not fire.',
    });
  });

  test('the share of desired tasks, the number of periods and the period are props', () => {
    const { stack } = setup({ minRunningTaskPercent: 90, runningTaskEvaluationPeriods: 5, period: Duration.minutes(2) });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-api: running tasks < 90% of desired for 10 min (OrdersStack)',
      AlarmDescription: Match.stringLikeRegexp('runs fewer than 90% of its desired tasks .* for 5 consecutive periods of 2 min'),
      Threshold: 90,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Metrics: Match.arrayWith([Match.objectLike({ Id: 'running', MetricStat: Match.objectLike({ Period: 120 }) })]),
    });
  });

  test('its periods are its own: the target-group evaluation periods do not change them', () => {
    const { stack } = setup({ evaluationPeriods: 4 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-api: running tasks < desired for 3 min (OrdersStack)',
      EvaluationPeriods: 3,
    });
  });

  test('deploy-time values are taken as they are', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const n = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
    new RollbackAlarms(stack, 'RollbackAlarms', {
      serviceName: 'orders-api',
      targetGroups: [svc.blue, svc.green],
      service: svc.service,
      minRunningTaskPercent: n('MinRunning'),
      runningTaskEvaluationPeriods: n('RunningPeriods'),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: { Ref: 'MinRunning' },
      EvaluationPeriods: { Ref: 'RunningPeriods' },
      AlarmName: { 'Fn::Join': ['', ['orders-api: running tasks < ', { Ref: 'MinRunning' }, '% of desired for ', { Ref: 'RunningPeriods' }, ' x 1 min (OrdersStack)']] },
    });
  });

  test('no running-task alarm without a service, or when turned off', () => {
    const withoutService = setup({ service: undefined });
    Template.fromStack(withoutService.stack).resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(withoutService.alarms.runningTaskShortfallAlarm).toBeUndefined();
    const off = setup({ enableRunningTaskShortfallAlarm: false });
    Template.fromStack(off.stack).resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(off.alarms.runningTaskShortfallAlarm).toBeUndefined();
  });

  test('with it, five more alarms fit before the rest are combined into a composite alarm', () => {
    const fits = setup();
    userAlarms(fits.stack, 5).forEach(a => fits.alarms.addAlarm(a));
    expect(fits.alarms.compositeAlarm).toBeUndefined();
    expect(fits.alarms.deploymentGroupAlarms).toHaveLength(10);

    const over = setup();
    userAlarms(over.stack, 6).forEach(a => over.alarms.addAlarm(a));
    expect(over.alarms.deploymentGroupAlarms).toEqual([...over.alarms.alarms.slice(0, 9), over.alarms.compositeAlarm]);
    const [group] = Object.values(Template.fromStack(over.stack).findResources('AWS::CodeDeploy::DeploymentGroup'));
    expect(group.Properties.AlarmConfiguration.Alarms).toHaveLength(10);
  });

  test('warns when the cluster has Container Insights turned off', () => {
    const { stack } = setup({}, { containerInsights: ecs.ContainerInsights.DISABLED });
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/OrdersStack/RollbackAlarms', Match.stringLikeRegexp(
      'cluster OrdersStack/Cluster has Container Insights turned off, so the running-task alarm of orders-api has no data'));
  });

  test('does not warn about Container Insights when the alarm is turned off', () => {
    const { stack } = setup({ enableRunningTaskShortfallAlarm: false }, { containerInsights: ecs.ContainerInsights.DISABLED });
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('the metric for dashboards is the expression the alarm watches', () => {
    const { alarms } = setup();
    const metric = alarms.metricRunningTaskPercent({ period: Duration.minutes(5) });
    expect(metric.expression).toBe('IF(desired > 0, 100 * running / desired, 100)');
    expect(metric.period.toMinutes()).toBe(5);
    expect(metric.label).toBe('orders-api: running tasks (% of desired)');
    const running = metric.usingMetrics.running as cloudwatch.Metric;
    expect([running.namespace, running.metricName, running.statistic, running.period.toMinutes()])
      .toEqual(['ECS/ContainerInsights', 'RunningTaskCount', 'Average', 5]);
  });

  test('fails when asking for the running-task metric without a service', () => {
    const { alarms } = setup({ service: undefined });
    expect(() => alarms.metricRunningTaskPercent()).toThrow(
      'OrdersStack/RollbackAlarms: invalid service: is not set, so there is no running-task metric; pass the ECS service');
  });
});

describe('running-task validation', () => {
  function fails(props: Partial<RollbackAlarmsProps>, message: string) {
    const { stack } = setup(props);
    expect(synthErrors(stack.node.root as App)).toEqual([expect.stringContaining(message)]);
  }

  test('fails when the running-task alarm is asked for without a service', () => {
    fails({ service: undefined, enableRunningTaskShortfallAlarm: true }, 'OrdersStack/RollbackAlarms: invalid '
      + 'enableRunningTaskShortfallAlarm: is true but there is no service to count the tasks of; pass the ECS service as '
      + 'service, or leave it unset');
  });

  test('fails when a running-task share is given without a service', () => {
    fails({ service: undefined, minRunningTaskPercent: 90 }, 'OrdersStack/RollbackAlarms: invalid minRunningTaskPercent: is 90 '
      + 'but there is no service to count the tasks of');
  });

  test('fails when running-task periods are given without a service', () => {
    fails({ service: undefined, runningTaskEvaluationPeriods: 5 }, 'invalid runningTaskEvaluationPeriods: is 5 but there is no service');
  });

  test('fails when the running-task share is zero', () => {
    fails({ minRunningTaskPercent: 0 }, 'OrdersStack/RollbackAlarms: invalid minRunningTaskPercent: must be a percentage above 0 '
      + 'and at most 100, got 0; for example 100 to alarm whenever fewer tasks run than desired, or 90 to allow one task in ten '
      + 'to be missing');
  });

  test('fails when the running-task share is over 100 percent', () => {
    fails({ minRunningTaskPercent: 150 }, 'invalid minRunningTaskPercent: must be a percentage above 0 and at most 100, got 150');
  });

  test('fails when there are zero running-task periods', () => {
    fails({ runningTaskEvaluationPeriods: 0 }, 'OrdersStack/RollbackAlarms: invalid runningTaskEvaluationPeriods: must be an '
      + 'integer between 1 and 1440, got 0; the alarm needs at least one period');
  });

  test('fails when the running-task periods are not a whole number', () => {
    fails({ runningTaskEvaluationPeriods: 2.5 }, 'invalid runningTaskEvaluationPeriods: must be an integer between 1 and 1440, got 2.5');
  });

  test('fails when the running-task window is longer than a day', () => {
    fails({ runningTaskEvaluationPeriods: 30, period: Duration.hours(1) }, 'OrdersStack/RollbackAlarms: invalid '
      + 'runningTaskEvaluationPeriods: times period must be at most 1 day, got 30 x 1 hour; CloudWatch evaluates at most one '
      + 'day of data; use fewer or shorter periods');
  });
});
