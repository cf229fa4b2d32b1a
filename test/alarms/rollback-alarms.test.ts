import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RollbackAlarms, RollbackAlarmsProps } from '../../lib/alarms';
import { alarmTestStack, mockService, MockService } from './mock-service';

function setup(props: Partial<RollbackAlarmsProps> = {}, serviceOptions: Parameters<typeof mockService>[1] = {}) {
  const stack = alarmTestStack();
  const svc = mockService(stack, serviceOptions);
  const alarms = new RollbackAlarms(stack, 'RollbackAlarms', {
    serviceName: 'orders-api',
    targetGroups: [svc.blue, svc.green],
    logGroup: svc.logGroup,
    deploymentGroup: svc.deploymentGroup,
    ...props,
  });
  return { stack, svc, alarms };
}

function userAlarms(stack: Stack, count: number, prefix = 'User'): cloudwatch.Alarm[] {
  return Array.from({ length: count }, (_, i) => new cloudwatch.Alarm(stack, `${prefix}${i + 1}`, {
    alarmName: `${prefix.toLowerCase()}-${i + 1}`,
    metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: `Metric${i + 1}` }),
    threshold: 1,
    evaluationPeriods: 1,
  }));
}

function deploymentGroupAlarmNames(stack: Stack): unknown[] {
  const groups = Template.fromStack(stack).findResources('AWS::CodeDeploy::DeploymentGroup');
  const [group] = Object.values(groups);
  return (group.Properties.AlarmConfiguration?.Alarms ?? []).map((a: { Name: unknown }) => a.Name);
}

function refOf(stack: Stack, construct: Construct): { Ref: string } {
  const resource = construct.node.defaultChild as unknown as { logicalId: string };
  return { Ref: stack.resolve(resource.logicalId) };
}

describe('defaults', () => {
  test('four alarms, named for people, missing data not a breach', () => {
    const { stack, alarms } = setup();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    for (const name of [
      'orders-api: 5xx rate > 1% for 2 min (OrdersStack)',
      'orders-api: p99 latency above anomaly band (3 sd) for 2 min (OrdersStack)',
      'orders-api: unhealthy targets > 0 for 2 min (OrdersStack)',
      'orders-api: FATAL log line (OrdersStack)',
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: name, TreatMissingData: 'notBreaching' });
    }
    expect(alarms.alarms).toEqual([alarms.errorRateAlarm, alarms.latencyAlarm, alarms.unhealthyTargetsAlarm, alarms.fatalLogAlarm]);
    expect(alarms.attachedToDeploymentGroup).toBe(true);
    expect(alarms.compositeAlarm).toBeUndefined();
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  });

  test('the error rate is a rate over both target groups, not a count', () => {
    const { stack } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('5xx rate'),
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'MAX([IF(FILL(requests1, 0) >= 20, 100 * FILL(errors1, 0) / requests1, 0), '
            + 'IF(FILL(requests2, 0) >= 20, 100 * FILL(errors2, 0) / requests2, 0)])',
          ReturnData: true,
        }),
        Match.objectLike({
          Id: 'errors1',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'HTTPCode_Target_5XX_Count',
              Dimensions: Match.arrayWith([{ Name: 'TargetGroup', Value: { 'Fn::GetAtt': ['Blue10BB7880', 'TargetGroupFullName'] } }]),
            }),
            Stat: 'Sum',
            Period: 60,
          }),
          ReturnData: false,
        }),
        Match.objectLike({
          Id: 'requests2',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              MetricName: 'RequestCount',
              Dimensions: Match.arrayWith([{ Name: 'TargetGroup', Value: { 'Fn::GetAtt': ['Green9DCBBC03', 'TargetGroupFullName'] } }]),
            }),
            Stat: 'Sum',
          }),
        }),
      ]),
    });
  });

  test('p99 latency against an anomaly-detection band when no baseline is given', () => {
    const { stack } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanUpperThreshold',
      ThresholdMetricId: 'expr_1',
      Threshold: Match.absent(),
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Metrics: Match.arrayWith([
        Match.objectLike({ Id: 'expr_1', Expression: 'ANOMALY_DETECTION_BAND(m0, 3)', ReturnData: true }),
        Match.objectLike({
          Id: 'm0',
          Expression: 'MAX([IF(FILL(requests1, 0) >= 20, FILL(latency1, 0), 0), IF(FILL(requests2, 0) >= 20, FILL(latency2, 0), 0)])',
          ReturnData: true,
        }),
        Match.objectLike({
          Id: 'latency2',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'TargetResponseTime' }), Stat: 'p99' }),
          ReturnData: false,
        }),
      ]),
    });
  });

  test('unhealthy targets of either target group', () => {
    const { stack } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('unhealthy targets'),
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'MAX([FILL(unhealthy1, 0), FILL(unhealthy2, 0)])' }),
        Match.objectLike({
          Id: 'unhealthy1',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'UnHealthyHostCount' }), Stat: 'Maximum' }),
        }),
      ]),
    });
  });

  test('the fatal-log metric name is one CloudWatch Logs accepts, whatever the service name', () => {
    const { stack, alarms } = setup({ serviceName: `orders:api*$${'x'.repeat(300)}` });
    const filters = Object.values(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter'));
    expect(filters).toHaveLength(3);
    for (const filter of filters) {
      const metricName = filter.Properties.MetricTransformations[0].MetricName as string;
      // PutMetricFilter: at most 255 characters, none of ':', '*' or '$'.
      expect(metricName).toMatch(/^FatalLogLines\/OrdersStack\/orders-api--x+$/);
      expect(metricName.length).toBeLessThanOrEqual(255);
    }
    expect(alarms.metricFatalLogLines().metricName)
      .toBe(filters[0].Properties.MetricTransformations[0].MetricName);
  });

  test('fatal lines in plain text and in JSON count into one metric, and one line fires', () => {
    const { stack, alarms } = setup();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::MetricFilter', 3);
    const transformation = {
      MetricNamespace: 'EcsRelease',
      MetricName: 'FatalLogLines/OrdersStack/orders-api',
      MetricValue: '1',
      DefaultValue: 0,
    };
    for (const pattern of ['{ ($.level = "fatal") || ($.level = "FATAL") }', '[level = "FATAL", ...]', '[time, level = "FATAL", ...]']) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: pattern, MetricTransformations: [transformation] });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-api: FATAL log line (OrdersStack)',
      Namespace: 'EcsRelease',
      MetricName: 'FatalLogLines/OrdersStack/orders-api',
      Statistic: 'Sum',
      Period: 60,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarms.fatalLogMetricFilters).toHaveLength(3);
  });

  test('by default a plain-text line counts only when its level field says FATAL, not when it quotes the word', () => {
    const { stack } = setup();
    const patterns = Object.values(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter'))
      .map((filter) => filter.Properties.FilterPattern as string);
    // A term pattern ("FATAL", ?FATAL, FATAL) matches the word anywhere, e.g. in a logged user input.
    const termPatterns = patterns.filter((pattern) => !pattern.startsWith('{') && !pattern.startsWith('['));
    expect(termPatterns).toEqual([]);
    // Each plain-text pattern pins FATAL to one field position: first, or after a timestamp.
    expect(patterns.filter((pattern) => pattern.startsWith('['))).toEqual(['[level = "FATAL", ...]', '[time, level = "FATAL", ...]']);
  });

  test('the JSON filter keeps its logical id, and filter ids do not change when patterns are reordered', () => {
    const { stack } = setup();
    const jsonFilter = Object.entries(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter'))
      .find(([, filter]) => (filter.Properties.FilterPattern as string).startsWith('{'))!;
    // The id it had when filters were numbered by position (FatalLogFilter2).
    expect(jsonFilter[0]).toMatch(/^RollbackAlarmsFatalLogFilter2[0-9A-F]{8}$/);

    const ids = (patterns: logs.IFilterPattern[]) => {
      const { stack: own } = setup({ fatalLogPatterns: patterns });
      return Object.fromEntries(Object.entries(Template.fromStack(own).findResources('AWS::Logs::MetricFilter'))
        .map(([id, filter]) => [filter.Properties.FilterPattern as string, id]));
    };
    const panic = logs.FilterPattern.anyTerm('PANIC');
    const level = logs.FilterPattern.numberValue('$.level', '>=', 60);
    expect(ids([panic, level])).toEqual(ids([level, panic]));
  });

  test('the bare term is opt-in, next to the defaults', () => {
    const { stack } = setup({ fatalLogPatterns: [...RollbackAlarms.defaultFatalLogPatterns(), logs.FilterPattern.anyTerm('FATAL')] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::MetricFilter', 4);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '"FATAL"' });
  });

  test('fails when a fatal-log pattern is given twice', () => {
    expect(() => setup({ fatalLogPatterns: [logs.FilterPattern.anyTerm('PANIC'), logs.FilterPattern.anyTerm('PANIC')] })).toThrow(
      'OrdersStack/RollbackAlarms: invalid fatalLogPatterns[1]: repeats fatalLogPatterns[0] ("PANIC"), which would count each line twice; remove it');
  });

  test('descriptions say what fired and what happens', () => {
    const { stack } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'Stops and rolls back a deployment of orders-api when more than 1% of the requests to a target group fail '
        + 'with a 5xx from the targets (HTTPCode_Target_5XX_Count / RequestCount) for 2 consecutive periods of 1 min. '
        + 'A target group that served fewer than 20 requests in a period counts as 0%.',
    });
  });
});

describe('thresholds', () => {
  test('every threshold, period and the request minimum are props', () => {
    const { stack } = setup({
      maxErrorRatePercent: 0.5,
      minRequestCount: 100,
      maxUnhealthyTargets: 1,
      evaluationPeriods: 3,
      period: Duration.minutes(5),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-api: 5xx rate > 0.5% for 15 min (OrdersStack)',
      Threshold: 0.5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('FILL\\(requests1, 0\\) >= 100') }),
        Match.objectLike({ Id: 'requests1', MetricStat: Match.objectLike({ Period: 300 }) }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'orders-api: unhealthy targets > 1 for 15 min (OrdersStack)', Threshold: 1 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'orders-api: FATAL log line (OrdersStack)', Period: 300, EvaluationPeriods: 1 });
  });

  test('a latency baseline gives a fixed threshold of multiplier x baseline', () => {
    const { stack } = setup({ latencyBaseline: Duration.millis(250) });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-api: p99 latency > 750 ms (3x 250 ms) for 2 min (OrdersStack)',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0.75,
      ThresholdMetricId: Match.absent(),
    });
  });

  test('the multiplier applies to the baseline', () => {
    const { stack } = setup({ latencyBaseline: Duration.seconds(1), latencyMultiplier: 2.5 });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-api: p99 latency > 2.5 s (2.5x 1 s) for 2 min (OrdersStack)',
      Threshold: 2.5,
    });
  });

  test('the anomaly band width is a prop', () => {
    const { stack } = setup({ latencyAnomalyBandWidth: 4 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'orders-api: p99 latency above anomaly band (4 sd) for 2 min (OrdersStack)',
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'ANOMALY_DETECTION_BAND(m0, 4)' })]),
    });
  });

  test('own fatal-line patterns', () => {
    const { stack } = setup({ fatalLogPatterns: [logs.FilterPattern.anyTerm('PANIC', 'panic:')] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::MetricFilter', 1);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '?"PANIC" ?"panic:"' });
  });

  test('deploy-time thresholds are taken as they are', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const max = new CfnParameter(stack, 'MaxErrorRate', { type: 'Number' }).valueAsNumber;
    new RollbackAlarms(stack, 'RollbackAlarms', { serviceName: 'orders-api', targetGroups: [svc.blue, svc.green], maxErrorRatePercent: max });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: { Ref: 'MaxErrorRate' },
      AlarmName: { 'Fn::Join': ['', ['orders-api: 5xx rate > ', { Ref: 'MaxErrorRate' }, '% for 2 min (OrdersStack)']] },
    });
  });
});

describe('switches', () => {
  test('each criterion can be turned off', () => {
    const { stack, alarms } = setup({ enableErrorRateAlarm: false, enableLatencyAlarm: false, enableUnhealthyTargetsAlarm: false });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 1);
    expect(alarms.errorRateAlarm).toBeUndefined();
    expect(alarms.latencyAlarm).toBeUndefined();
    expect(alarms.unhealthyTargetsAlarm).toBeUndefined();
    expect(alarms.alarms).toEqual([alarms.fatalLogAlarm]);
  });

  test('no fatal-log alarm without a log group, or when turned off', () => {
    const withoutLogs = setup({ logGroup: undefined });
    Template.fromStack(withoutLogs.stack).resourceCountIs('AWS::Logs::MetricFilter', 0);
    expect(withoutLogs.alarms.fatalLogAlarm).toBeUndefined();
    const off = setup({ enableFatalLogAlarm: false });
    Template.fromStack(off.stack).resourceCountIs('AWS::Logs::MetricFilter', 0);
    expect(off.alarms.alarms).toHaveLength(3);
  });

  test('warns when there is no alarm at all', () => {
    const { stack } = setup({
      enableErrorRateAlarm: false, enableLatencyAlarm: false, enableUnhealthyTargetsAlarm: false, enableFatalLogAlarm: false,
    });
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/OrdersStack/RollbackAlarms', Match.stringLikeRegexp('orders-api has no rollback alarms'));
  });
});

describe('attaching to the deployment group', () => {
  test('lists the alarms by name through the deployment group\'s addAlarm(), which rolls back on alarm', () => {
    const { stack, alarms } = setup();
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      // No IgnorePollAlarmFailure: CodeDeploy's default stops a deployment whose alarms it cannot read.
      AlarmConfiguration: {
        Enabled: true,
        IgnorePollAlarmFailure: Match.absent(),
        Alarms: alarms.alarms.map(a => ({ Name: refOf(stack, a) })),
      },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      },
    });
  });

  test('keeps the deployment group\'s own rollback events', () => {
    const { stack } = setup({}, { autoRollback: { stoppedDeployment: true } });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'] },
    });
  });

  test('keeps alarms added to the deployment group directly', () => {
    const { stack, svc } = setup();
    const [own] = userAlarms(stack, 1, 'Own');
    svc.deploymentGroup.addAlarm(own);
    expect(deploymentGroupAlarmNames(stack)).toHaveLength(5);
    expect(deploymentGroupAlarmNames(stack)).toContainEqual(refOf(stack, own));
  });

  test('works without the removeAlarmsFromDeploymentGroup feature flag', () => {
    const stack = alarmTestStack('OrdersStack', { '@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup': false });
    const svc = mockService(stack);
    new RollbackAlarms(stack, 'RollbackAlarms', { serviceName: 'orders-api', targetGroups: [svc.blue, svc.green], deploymentGroup: svc.deploymentGroup });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: { Enabled: true, Alarms: Match.arrayWith([Match.objectLike({ Name: Match.anyValue() })]) },
      AutoRollbackConfiguration: Match.objectLike({ Events: Match.arrayWith(['DEPLOYMENT_STOP_ON_ALARM']) }),
    });
  });

  test('attachToDeploymentGroup: false creates the alarms without attaching them', () => {
    const { stack, alarms } = setup({ attachToDeploymentGroup: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: { Enabled: false },
      AutoRollbackConfiguration: { Enabled: true, Events: ['DEPLOYMENT_FAILURE'] },
    });
    expect(alarms.attachedToDeploymentGroup).toBe(false);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Watches orders-api \\(not attached to a deployment group\\): fires when'),
    });
  });

  test('without a deployment group the alarms stand alone', () => {
    const { stack, alarms } = setup({ deploymentGroup: undefined });
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 4);
    expect(alarms.attachedToDeploymentGroup).toBe(false);
    expect(alarms.deploymentGroup).toBeUndefined();
  });

  test('an imported deployment group can be named when the alarms are not attached', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const imported = codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(stack, 'Imported', {
      application: codedeploy.EcsApplication.fromEcsApplicationName(stack, 'App', 'orders'),
      deploymentGroupName: 'orders',
    });
    const alarms = new RollbackAlarms(stack, 'RollbackAlarms', {
      targetGroups: [svc.blue, svc.green], deploymentGroup: imported, attachToDeploymentGroup: false,
    });
    expect(alarms.deploymentGroup).toBe(imported);
    expect(alarms.deploymentGroupAlarms).toHaveLength(3);
  });

  test('warns that the alarms of an imported deployment group stop nothing, with the fix', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const imported = codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(stack, 'Imported', {
      application: codedeploy.EcsApplication.fromEcsApplicationName(stack, 'App', 'orders'),
      deploymentGroupName: 'orders',
    });
    const alarms = new RollbackAlarms(stack, 'RollbackAlarms', { serviceName: 'orders-api', targetGroups: [svc.blue, svc.green], deploymentGroup: imported });
    expect(alarms.attachedToDeploymentGroup).toBe(false);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Watches orders-api \\(not attached to a deployment group\\)'),
    });
    Annotations.fromStack(stack).hasWarning('/OrdersStack/RollbackAlarms', 'deployment group OrdersStack/Imported is imported, so the '
      + 'rollback alarms of orders-api cannot be attached to it from here: they are created, but stop no deployment. Add '
      + 'deploymentGroupAlarms to the deployment group where it is defined, and set attachToDeploymentGroup: false to say the '
      + 'alarms only watch [ack: cdk-ecs-release:importedDeploymentGroup]');
  });

  test('warns when the deployment group goes on while CloudWatch cannot be read', () => {
    const { stack } = setup({}, { ignorePollAlarmsFailure: true });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: Match.objectLike({ IgnorePollAlarmFailure: true }),
    });
    Annotations.fromStack(stack).hasWarning('/OrdersStack/RollbackAlarms', Match.stringLikeRegexp('ignorePollAlarmsFailure: true'));
  });
});

describe('more alarms than CodeDeploy accepts', () => {
  test('an alarm name added twice is listed once', () => {
    const { stack, alarms } = setup();
    const first = cloudwatch.Alarm.fromAlarmName(stack, 'QueueBacklog', 'orders-queue-backlog');
    const second = cloudwatch.Alarm.fromAlarmName(stack, 'QueueBacklogAgain', 'orders-queue-backlog');
    alarms.addAlarm(first);
    alarms.addAlarm(second);
    alarms.addAlarm(first);
    expect(alarms.alarms.filter((a) => a.alarmName === 'orders-queue-backlog')).toEqual([first]);
    const names = deploymentGroupAlarmNames(stack).filter((name) => name === 'orders-queue-backlog');
    expect(names).toEqual(['orders-queue-backlog']);
  });

  test('ten alarms are listed directly, without a composite alarm', () => {
    const { stack, alarms } = setup();
    userAlarms(stack, 6).forEach(a => alarms.addAlarm(a));
    expect(alarms.alarms).toHaveLength(10);
    expect(alarms.compositeAlarm).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    expect(deploymentGroupAlarmNames(stack)).toEqual(alarms.alarms.map(a => refOf(stack, a)));
    expect(alarms.deploymentGroupAlarms).toEqual(alarms.alarms);
  });

  test('the 11th alarm combines the 10th and 11th into one composite alarm', () => {
    const { stack, alarms } = setup();
    const added = userAlarms(stack, 7);
    added.forEach(a => alarms.addAlarm(a));
    expect(alarms.alarms).toHaveLength(11);
    const composite = alarms.compositeAlarm!;
    expect(composite).toBeDefined();
    expect(alarms.deploymentGroupAlarms).toEqual([...alarms.alarms.slice(0, 9), composite]);

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'orders-api: any further rollback alarm (OrdersStack)',
      AlarmRule: {
        'Fn::Join': ['', [
          '(ALARM("', stack.resolve(added[5].alarmArn), '") OR ALARM("', stack.resolve(added[6].alarmArn), '"))',
        ]],
      },
      AlarmDescription: Match.stringLikeRegexp('any of 2 further rollback alarms fires'),
    });
    const names = deploymentGroupAlarmNames(stack);
    expect(names).toHaveLength(10);
    expect(names).toEqual([...alarms.alarms.slice(0, 9).map(a => refOf(stack, a)), refOf(stack, composite)]);
  });

  test('25 alarms: 9 listed directly, 16 in the composite alarm, none dropped', () => {
    const { stack, alarms } = setup();
    const added = userAlarms(stack, 21);
    added.forEach(a => alarms.addAlarm(a));
    expect(alarms.alarms).toHaveLength(25);

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    const [composite] = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    const rule = JSON.stringify(composite.Properties.AlarmRule);
    for (const alarm of alarms.alarms.slice(9)) {
      expect(rule).toContain(JSON.stringify(stack.resolve(alarm.alarmArn)));
    }
    expect(rule.match(/ALARM\(/g)).toHaveLength(16);
    for (const alarm of alarms.alarms.slice(0, 9)) {
      expect(rule).not.toContain(JSON.stringify(stack.resolve(alarm.alarmArn)));
    }
    expect(deploymentGroupAlarmNames(stack)).toEqual([...alarms.alarms.slice(0, 9).map(a => refOf(stack, a)), refOf(stack, alarms.compositeAlarm!)]);
  });

  test('a composite alarm is made without a deployment group too', () => {
    const { stack, alarms } = setup({ deploymentGroup: undefined });
    userAlarms(stack, 8).forEach(a => alarms.addAlarm(a));
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    expect(alarms.deploymentGroupAlarms).toHaveLength(10);
  });

  test('adding an alarm twice has no effect', () => {
    const { stack, alarms } = setup();
    const [alarm] = userAlarms(stack, 1);
    alarms.addAlarm(alarm);
    alarms.addAlarm(alarm);
    expect(alarms.alarms).toHaveLength(5);
  });

  test('fails when alarms added to the deployment group directly push it over 10', () => {
    const { stack, alarms, svc } = setup();
    userAlarms(stack, 6).forEach(a => alarms.addAlarm(a));
    userAlarms(stack, 1, 'Direct').forEach(a => svc.deploymentGroup.addAlarm(a));
    expect(() => Template.fromStack(stack)).toThrow(
      'OrdersStack/RollbackAlarms: deployment group OrdersStack/DeploymentGroup lists 11 alarms but CodeDeploy accepts at most 10; '
      + 'RollbackAlarms uses 10 of them. Add the others with rollbackAlarms.addAlarm() instead of deploymentGroup.addAlarm(), '
      + 'so they are combined into a composite alarm');
  });
});

describe('metrics for dashboards', () => {
  test('are the expressions the alarms watch', () => {
    const { stack, alarms } = setup();
    const rate = stack.resolve(alarms.metricTarget5xxErrorRate().expression);
    expect(rate).toContain('MAX([IF(FILL(requests1, 0) >= 20');
    const latency = alarms.metricTargetResponseTime({ period: Duration.minutes(5) });
    expect(latency).toBeInstanceOf(cloudwatch.MathExpression);
    expect(latency.period.toMinutes()).toBe(5);
    expect(latency.label).toBe('orders-api: target response time p99 (s)');
    expect(alarms.metricUnhealthyHostCount().expression).toBe('MAX([FILL(unhealthy1, 0), FILL(unhealthy2, 0)])');
    // The deprecated spelling returns the same metric.
    expect(stack.resolve(alarms.metricUnHealthyHostCount().toMetricConfig()))
      .toEqual(stack.resolve(alarms.metricUnhealthyHostCount().toMetricConfig()));
    const fatal = alarms.metricFatalLogLines();
    expect([fatal.namespace, fatal.metricName, fatal.statistic]).toEqual(['EcsRelease', 'FatalLogLines/OrdersStack/orders-api', 'Sum']);
  });

  test('fails when asking for target-group metrics without target groups', () => {
    const { alarms } = setup({ targetGroups: [], enableErrorRateAlarm: false, enableLatencyAlarm: false, enableUnhealthyTargetsAlarm: false });
    expect(() => alarms.metricTarget5xxErrorRate()).toThrow(
      'OrdersStack/RollbackAlarms: invalid targetGroups: is empty, so there is no target-group metric; pass the blue and green target groups');
  });

  test('fails when asking for fatal log lines without a log group', () => {
    const { alarms } = setup({ logGroup: undefined });
    expect(() => alarms.metricFatalLogLines()).toThrow(
      'OrdersStack/RollbackAlarms: invalid logGroup: is not set (or enableFatalLogAlarm is false), so there is no fatal-log metric; '
      + 'pass the log group of the service\'s containers');
  });

  test('use the load balancer\'s own full name when it is given', () => {
    const withLb = alarmTestStack('WithLb');
    const svc = mockService(withLb);
    new RollbackAlarms(withLb, 'RollbackAlarms', { targetGroups: [svc.blue, svc.green], loadBalancer: svc.loadBalancer });
    Template.fromStack(withLb).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: Match.objectLike({
            Dimensions: Match.arrayWith([{ Name: 'LoadBalancer', Value: { 'Fn::GetAtt': ['LoadBalancerBE9EEC3A', 'LoadBalancerFullName'] } }]),
          }),
        }),
      })]),
    });
  });
});

describe('names', () => {
  test('the service name defaults to the id of the parent', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const parent = new Construct(stack, 'PaymentsApi');
    const alarms = new RollbackAlarms(parent, 'RollbackAlarms', { targetGroups: [svc.blue, svc.green] });
    expect(alarms.serviceName).toBe('PaymentsApi');
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'PaymentsApi: 5xx rate > 1% for 2 min (OrdersStack)' });
  });

  test('a long service name is shortened to keep names within 255 characters', () => {
    const { stack } = setup({ serviceName: 'x'.repeat(300) });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(alarms)) {
      expect((alarm.Properties.AlarmName as string).length).toBeLessThanOrEqual(255);
    }
  });

  test('fails when two RollbackAlarms in one stack share a service name', () => {
    const { stack, svc } = setup();
    expect(() => new RollbackAlarms(stack, 'Again', { serviceName: 'orders-api', targetGroups: [svc.blue, svc.green] })).toThrow(
      'OrdersStack/Again: invalid serviceName: \'orders-api\' is already used by OrdersStack/RollbackAlarms in the same stack, '
      + 'and alarm names must be unique; give each service its own serviceName');
  });

  test('a service name may repeat in another stack of the same app', () => {
    const { stack } = setup();
    const other = new Stack(stack.node.scope as Construct, 'OtherStack');
    const svc = mockService(other);
    const alarms = new RollbackAlarms(other, 'RollbackAlarms', { serviceName: 'orders-api', targetGroups: [svc.blue, svc.green] });
    expect(alarms.serviceName).toBe('orders-api');
  });
});

describe('validation', () => {
  function fails(props: Partial<RollbackAlarmsProps>, message: string, serviceOptions: Parameters<typeof mockService>[1] = {}) {
    expect(() => Template.fromStack(setup(props, serviceOptions).stack)).toThrow(message);
  }

  test('fails when the error rate is negative', () => {
    fails({ maxErrorRatePercent: -1 }, 'OrdersStack/RollbackAlarms: invalid maxErrorRatePercent: must be a percentage from 0 up to '
      + '(not including) 100, got -1; for example 1 for 1% of requests');
  });

  test('fails when the error rate is over 100 percent', () => {
    fails({ maxErrorRatePercent: 150 }, 'invalid maxErrorRatePercent: must be a percentage from 0 up to (not including) 100, got 150');
  });

  test('fails when the latency multiplier is 1 or less', () => {
    fails({ latencyBaseline: Duration.millis(200), latencyMultiplier: 1 }, 'OrdersStack/RollbackAlarms: invalid latencyMultiplier: '
      + 'must be greater than 1, got 1; at or below 1 the alarm fires at the normal response time. For example 3');
  });

  test('fails when the latency baseline is zero', () => {
    fails({ latencyBaseline: Duration.seconds(0) }, 'OrdersStack/RollbackAlarms: invalid latencyBaseline: must be longer than zero, '
      + 'got 0 seconds; give the p99 response time the service normally has, e.g. Duration.millis(250)');
  });

  test('fails when a latency baseline and an anomaly band are both given', () => {
    fails({ latencyBaseline: Duration.millis(200), latencyAnomalyBandWidth: 2 }, 'OrdersStack/RollbackAlarms: invalid '
      + 'latencyAnomalyBandWidth: cannot be combined with latencyBaseline (got 2 and 200 millis): a fixed baseline replaces anomaly '
      + 'detection; remove one of them');
  });

  test('fails when a latency multiplier is given without a baseline', () => {
    fails({ latencyMultiplier: 4 }, 'OrdersStack/RollbackAlarms: invalid latencyMultiplier: only applies with latencyBaseline, '
      + 'got 4 without one; set latencyBaseline, or use latencyAnomalyBandWidth to widen the anomaly detection band');
  });

  test('fails when the anomaly band width is not positive', () => {
    fails({ latencyAnomalyBandWidth: 0 }, 'invalid latencyAnomalyBandWidth: must be a positive number of standard deviations, got 0; for example 3');
  });

  test('fails when the latency baseline is a deploy-time value', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const seconds = new CfnParameter(stack, 'Baseline', { type: 'Number' }).valueAsNumber;
    expect(() => new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: [svc.blue], latencyBaseline: Duration.seconds(seconds) }))
      .toThrow('invalid latencyBaseline: and latencyMultiplier must be known at synthesis, got a deploy-time value');
  });

  test('fails when the anomaly band width is a deploy-time value', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const band = new CfnParameter(stack, 'Band', { type: 'Number' }).valueAsNumber;
    expect(() => new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: [svc.blue], latencyAnomalyBandWidth: band }))
      .toThrow('invalid latencyAnomalyBandWidth: must be known at synthesis, got a deploy-time value; for example 3');
  });

  test('fails when there are zero evaluation periods', () => {
    fails({ evaluationPeriods: 0 }, 'OrdersStack/RollbackAlarms: invalid evaluationPeriods: must be an integer between 1 and 1440, '
      + 'got 0; the alarms need at least one period');
  });

  test('fails when the evaluation window is longer than a day', () => {
    fails({ evaluationPeriods: 25, period: Duration.hours(1) }, 'invalid evaluationPeriods: times period must be at most 1 day, got 25 x 1 hour');
  });

  test('fails when the period is not a whole number of minutes', () => {
    fails({ period: Duration.seconds(30) }, 'OrdersStack/RollbackAlarms: invalid period: must be a whole number of minutes, got 30 '
      + 'seconds; load balancer and log metrics have a resolution of 1 minute (periods of 10 or 30 seconds apply only to '
      + 'high-resolution custom metrics)');
    fails({ period: Duration.seconds(90) }, 'invalid period: must be a whole number of minutes, got 1 minute 30 seconds');
  });

  test('fails when the period is zero', () => {
    fails({ period: Duration.minutes(0) }, 'invalid period: must be a whole number of minutes, got 0 minutes');
  });

  test('fails when the request minimum is below 1', () => {
    fails({ minRequestCount: 0 }, 'OrdersStack/RollbackAlarms: invalid minRequestCount: must be an integer between 1 and 1000000000, '
      + 'got 0; it is the number of requests per period below which a target group counts as healthy');
  });

  test('fails when the unhealthy-target limit is negative', () => {
    fails({ maxUnhealthyTargets: -1 }, 'invalid maxUnhealthyTargets: must be an integer between 0 and 1000000, got -1');
  });

  test('fails when there is no target group', () => {
    fails({ targetGroups: [] }, 'OrdersStack/RollbackAlarms: invalid targetGroups: must list between 1 and 5 target groups, got 0; '
      + 'pass the blue and green target groups of the service');
  });

  test('fails when there are more target groups than an alarm can watch', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const many = Array.from({ length: 6 }, () => svc.blue);
    expect(() => new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: many })).toThrow('must list between 1 and 5 target groups, got 6');
  });

  test('fails when the service name is empty', () => {
    fails({ serviceName: ' ' }, 'OrdersStack/RollbackAlarms: invalid serviceName: is empty; give the name people know the service by');
  });

  test('fails when a fatal-log alarm is asked for without a log group', () => {
    fails({ logGroup: undefined, enableFatalLogAlarm: true }, 'OrdersStack/RollbackAlarms: invalid enableFatalLogAlarm: is true but '
      + 'there is no logGroup; pass the log group of the service\'s containers');
  });

  test('fails when fatal-log patterns are given without a log group', () => {
    fails({ logGroup: undefined, fatalLogPatterns: [logs.FilterPattern.anyTerm('FATAL')] },
      'invalid fatalLogPatterns: only apply with a logGroup');
  });

  test('fails when the fatal-log pattern list is empty', () => {
    fails({ fatalLogPatterns: [] }, 'invalid fatalLogPatterns: is empty; leave it unset for the default patterns, or set enableFatalLogAlarm: false');
  });

  test('fails when a fatal-log pattern is empty', () => {
    fails({ fatalLogPatterns: [logs.FilterPattern.allEvents()] }, 'OrdersStack/RollbackAlarms: invalid fatalLogPatterns[0]: is empty, '
      + 'which matches every log line');
  });

  test('fails when a fatal-log pattern has an unbalanced quote', () => {
    fails({ fatalLogPatterns: [logs.FilterPattern.anyTerm('FATAL'), logs.FilterPattern.literal('"FATAL')] },
      'OrdersStack/RollbackAlarms: invalid fatalLogPatterns[1]: has an unterminated double quote: "FATAL; close the quoted term');
  });

  test('fails when a fatal-log pattern has an unbalanced brace', () => {
    fails({ fatalLogPatterns: [logs.FilterPattern.literal('{ $.level = "fatal"')] },
      'invalid fatalLogPatterns[0]: has an unclosed \'{\': { $.level = "fatal"; balance the braces, brackets and parentheses');
  });

  test('fails when a fatal-log pattern is longer than CloudWatch accepts', () => {
    fails({ fatalLogPatterns: [logs.FilterPattern.literal('F'.repeat(1100))] },
      'invalid fatalLogPatterns[0]: is 1100 characters long, CloudWatch accepts at most 1024');
  });

  test('fails when attaching is asked for without a deployment group', () => {
    fails({ deploymentGroup: undefined, attachToDeploymentGroup: true }, 'OrdersStack/RollbackAlarms: invalid attachToDeploymentGroup: '
      + 'is true but there is no deploymentGroup to attach to');
  });

  test('fails when a target group does not know its load balancer yet', () => {
    const stack = alarmTestStack();
    const svc: MockService = mockService(stack);
    const loose = new elbv2.ApplicationTargetGroup(stack, 'Loose', { vpc: svc.vpc, port: 80, targetType: elbv2.TargetType.IP });
    expect(() => new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: [loose] })).toThrow(
      /OrdersStack\/RollbackAlarms: invalid targetGroups: target group OrdersStack\/Loose does not know its load balancer yet .*; create RollbackAlarms after the listeners that forward to the target groups, or pass loadBalancer/);
  });

  test('fails when the deployment group ignores its alarms', () => {
    fails({}, 'OrdersStack/RollbackAlarms: deployment group OrdersStack/DeploymentGroup ignores its alarms (ignoreAlarmConfiguration: '
      + 'true), so no alarm would stop a deployment; remove ignoreAlarmConfiguration, or set attachToDeploymentGroup: false to only '
      + 'observe the alarms', { ignoreAlarmConfiguration: true });
  });

  test('fails when the deployment group does not roll back on alarm', () => {
    fails({}, 'OrdersStack/RollbackAlarms: deployment group OrdersStack/DeploymentGroup does not roll back when an alarm fires '
      + '(autoRollback.deploymentInAlarm: false)', { autoRollback: { deploymentInAlarm: false } });
  });

  test('fails when the deployment group does not roll back a failed deployment', () => {
    fails({}, 'deployment group OrdersStack/DeploymentGroup does not roll back a failed deployment (autoRollback.failedDeployment: false)',
      { autoRollback: { failedDeployment: false } });
  });

  test('fails when the deployment group has automatic rollback turned off', () => {
    fails({}, 'deployment group OrdersStack/DeploymentGroup has automatic rollback turned off',
      { autoRollback: { failedDeployment: false, stoppedDeployment: false, deploymentInAlarm: false } });
  });

  test('accepts deploy-time values without checking them', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const n = (id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
    expect(() => new RollbackAlarms(stack, 'RollbackAlarms', {
      targetGroups: [svc.blue, svc.green],
      maxErrorRatePercent: n('Rate'),
      minRequestCount: n('Min'),
      evaluationPeriods: n('Periods'),
      maxUnhealthyTargets: n('Unhealthy'),
    })).not.toThrow();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: { Ref: 'Rate' },
      EvaluationPeriods: { Ref: 'Periods' },
      Metrics: Match.arrayWith([Match.objectLike({
        Expression: { 'Fn::Join': ['', Match.arrayWith(['MAX([IF(FILL(requests1, 0) >= ', { Ref: 'Min' }])] },
      })]),
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});
