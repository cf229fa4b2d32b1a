import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RollbackAlarms } from '../../lib/alarms';
import { alarmTestStack, mockService } from './mock-service';
import { setup, setupFails } from './rollback-alarms-fixtures';
import { expectSynthError } from '../synth-errors';

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

  test('the fatal-log metric name is one CloudWatch Logs accepts: a service name with characters it refuses is refused', () => {
    setupFails({ serviceName: `orders:api*$${'x'.repeat(300)}` }, /OrdersStack\/RollbackAlarms: invalid serviceName: must have 1-64 letters, digits/);
    const { stack } = setup({ serviceName: `orders-api.${'x'.repeat(53)}` });
    const filters = Object.values(Template.fromStack(stack).findResources('AWS::Logs::MetricFilter'));
    for (const filter of filters) {
      // PutMetricFilter: at most 255 characters, none of ':', '*' or '$'.
      expect(filter.Properties.MetricTransformations[0].MetricName).toBe(`FatalLogLines/OrdersStack/orders-api.${'x'.repeat(53)}`);
    }
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
    setupFails({ fatalLogPatterns: [logs.FilterPattern.anyTerm('PANIC'), logs.FilterPattern.anyTerm('PANIC')] },
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

describe('names', () => {
  test('the service name defaults to the id of the parent', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const parent = new Construct(stack, 'PaymentsApi');
    const alarms = new RollbackAlarms(parent, 'RollbackAlarms', { targetGroups: [svc.blue, svc.green] });
    expect(alarms.serviceName).toBe('PaymentsApi');
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'PaymentsApi: 5xx rate > 1% for 2 min (OrdersStack)' });
  });

  test('the longest service name keeps names within 255 characters', () => {
    const { stack } = setup({ serviceName: 'x'.repeat(64) });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    for (const alarm of Object.values(alarms)) {
      expect((alarm.Properties.AlarmName as string).length).toBeLessThanOrEqual(255);
    }
  });

  test('fails when two RollbackAlarms in one stack share a service name', () => {
    const { stack, svc } = setup();
    expectSynthError(stack, () => new RollbackAlarms(stack, 'Again', { serviceName: 'orders-api', targetGroups: [svc.blue, svc.green] }),
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
