import { App, CfnParameter, Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RollbackAlarms } from '../../lib/alarms';
import { alarmTestStack, mockService, MockService } from './mock-service';
import { setup, setupFails } from './rollback-alarms-fixtures';
import { expectSynthError, synthErrors } from '../synth-errors';

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

describe('validation', () => {
  const fails = setupFails;

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
    expectSynthError(stack, () => new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: [svc.blue], latencyBaseline: Duration.seconds(seconds) }),
      'invalid latencyBaseline: must be a literal duration, not a deploy-time value (token): the alarm threshold is latencyBaseline times latencyMultiplier');
  });

  test('fails when the anomaly band width is a deploy-time value', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const band = new CfnParameter(stack, 'Band', { type: 'Number' }).valueAsNumber;
    expectSynthError(stack, () => new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: [svc.blue], latencyAnomalyBandWidth: band }),
      'invalid latencyAnomalyBandWidth: must be a literal number, not a deploy-time value (token): it is written into the anomaly detection expression');
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
    expectSynthError(stack, () => new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: many }), 'must list between 1 and 5 target groups, got 6');
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
    expectSynthError(stack, () => new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: [loose] }),
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

describe('every invalid prop at once', () => {
  test('three invalid props fail one synthesis with three validation lines and no stack trace', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    expect(() => new RollbackAlarms(stack, 'RollbackAlarms', {
      serviceName: 'orders-api',
      targetGroups: [svc.blue, svc.green],
      logGroup: svc.logGroup,
      period: Duration.seconds(30),
      maxErrorRatePercent: 150,
      fatalLogPatterns: [logs.FilterPattern.allEvents()],
    })).not.toThrow();
    const app = stack.node.root as App;
    let message = '';
    try {
      app.synth({ force: true });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(synthErrors(app)).toEqual([
      expect.stringMatching(/^\[OrdersStack\/RollbackAlarms\] OrdersStack\/RollbackAlarms: invalid period: must be a whole number of minutes, got 30 seconds;/),
      expect.stringMatching(/^\[OrdersStack\/RollbackAlarms\] OrdersStack\/RollbackAlarms: invalid maxErrorRatePercent: .*got 150;/),
      expect.stringMatching(/^\[OrdersStack\/RollbackAlarms\] OrdersStack\/RollbackAlarms: invalid fatalLogPatterns\[0\]: is empty,/),
    ]);
    expect(message).not.toMatch(/^\s+at /m);
    expect(message).not.toMatch(/\.ts:\d+/);
  });

  test('an invalid target-group prop leaves the target-group alarms out, and nothing else fails', () => {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    const alarms = new RollbackAlarms(stack, 'RollbackAlarms', { targetGroups: [], logGroup: svc.logGroup });
    expect([alarms.errorRateAlarm, alarms.latencyAlarm, alarms.unhealthyTargetsAlarm]).toEqual([undefined, undefined, undefined]);
    expect(alarms.alarms).toEqual([alarms.fatalLogAlarm]);
    expect(synthErrors(stack.node.root as App)).toEqual([expect.stringContaining('invalid targetGroups: must list between 1 and 5 target groups, got 0')]);
  });
});
