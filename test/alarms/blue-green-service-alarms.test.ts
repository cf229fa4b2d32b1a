import { CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { RollbackAlarms } from '../../lib';
import { expectSynthError } from '../synth-errors';
import { defaultService, serviceIn, testStack } from '../util';


function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
}


describe('BlueGreenService rollback alarms', () => {
  test('are created by default and attached to the deployment group', () => {
    const { stack, service, template } = defaultService();
    expect(service.rollbackAlarms!).toBeInstanceOf(RollbackAlarms);
    expect(service.rollbackAlarms!.node.path).toBe('TestStack/Orders/RollbackAlarms');
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'orders-api: 5xx rate > 1% for 2 min (TestStack)' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'orders-api: running tasks < desired for 3 min (TestStack)' });
    expect(service.rollbackAlarms!.alarms).toContain(service.rollbackAlarms!.runningTaskShortfallAlarm);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: {
        Enabled: true,
        IgnorePollAlarmFailure: Match.absent(),
        Alarms: service.rollbackAlarms!.alarms.map(a => ({ Name: { Ref: logicalId(stack, a) } })),
      },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
      },
    });
  });

  test('watch both target groups behind the service\'s load balancer, and its log group', () => {
    const { stack, service, template } = defaultService();
    const loadBalancer = { 'Fn::GetAtt': [logicalId(stack, service.loadBalancer), 'LoadBalancerFullName'] };
    for (const targetGroup of [service.blueTargetGroup, service.greenTargetGroup]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('5xx rate'),
        Metrics: Match.arrayWith([Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'HTTPCode_Target_5XX_Count',
              Dimensions: [
                { Name: 'LoadBalancer', Value: loadBalancer },
                { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [logicalId(stack, targetGroup), 'TargetGroupFullName'] } },
              ],
            }),
          }),
        })]),
      });
    }
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(stack, service.logGroup!) },
      FilterPattern: '{ ($.level = "fatal") || ($.level = "FATAL") }',
    });
  });

  test('count the running tasks of the service in its cluster', () => {
    const { stack, service, template } = defaultService();
    const dimensions = [
      { Name: 'ClusterName', Value: { Ref: logicalId(stack, service.cluster) } },
      { Name: 'ServiceName', Value: { 'Fn::GetAtt': [logicalId(stack, service.service), 'Name'] } },
    ];
    for (const metricName of ['RunningTaskCount', 'DesiredTaskCount']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('running tasks'),
        Metrics: Match.arrayWith([Match.objectLike({
          MetricStat: Match.objectLike({ Metric: { Namespace: 'ECS/ContainerInsights', MetricName: metricName, Dimensions: dimensions } }),
        })]),
      });
    }
  });

  test('can leave out the running-task alarm', () => {
    const stack = testStack();
    const service = serviceIn(stack, { rollbackAlarmOptions: { enableRunningTaskShortfallAlarm: false } });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(service.rollbackAlarms!.runningTaskShortfallAlarm).toBeUndefined();
  });

  test('take their thresholds from rollbackAlarmOptions', () => {
    const stack = testStack();
    const service = serviceIn(stack, {
      rollbackAlarmOptions: { maxErrorRatePercent: 2, latencyBaseline: Duration.millis(200), enableFatalLogAlarm: false },
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'orders-api: 5xx rate > 2% for 2 min (TestStack)', Threshold: 2 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'orders-api: p99 latency > 600 ms (3x 200 ms) for 2 min (TestStack)' });
    expect(service.rollbackAlarms!.fatalLogAlarm).toBeUndefined();
  });

  test('can be observed before they are trusted', () => {
    const stack = testStack();
    serviceIn(stack, { rollbackAlarmOptions: { attachToDeploymentGroup: false } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: { Enabled: false },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'] },
    });
  });

  test('addRollbackAlarm adds to them, and past 10 alarms the rest go into one composite alarm', () => {
    const stack = testStack();
    const service = serviceIn(stack);
    const extra = Array.from({ length: 7 }, (_, i) => new cloudwatch.Alarm(stack, `Extra${i}`, {
      metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: `M${i}` }),
      threshold: 1,
      evaluationPeriods: 1,
    }));
    extra.forEach(a => service.addRollbackAlarm(a));
    expect(service.rollbackAlarms!.alarms).toHaveLength(12);
    expect(service.rollbackAlarms!.deploymentGroupAlarms.slice(0, 5)).toEqual(service.rollbackAlarms!.alarms.slice(0, 5));
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    const [group] = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'));
    expect(group.Properties.AlarmConfiguration.Alarms).toHaveLength(10);
    expect(group.Properties.AlarmConfiguration.Alarms[9]).toEqual({ Name: { Ref: logicalId(stack, service.rollbackAlarms!.compositeAlarm!) } });
  });

  test('fails when a rollback alarm option is invalid, naming the service\'s alarms', () => {
    const stack = testStack();
    expectSynthError(stack, () => serviceIn(stack, { rollbackAlarmOptions: { maxErrorRatePercent: 101 } }),
      'TestStack/Orders/RollbackAlarms: invalid maxErrorRatePercent: must be a percentage from 0 up to (not including) 100, got 101');
  });
});
