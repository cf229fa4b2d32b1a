import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  BlueGreenServiceProps, LifecycleEvent, MetricGateHook, MetricGateHookProps, TrafficShifting, TrafficShiftingKind, UncertainVerdictPolicy,
} from '../../lib';
import { METRIC_GATE_CONFIG_ENV } from '../../contract/metric-gate';
import { allowing, environmentOf, joinToText, mockService, statementsOf, testStack, wildcardActions } from './util';
import { expectSynthError, synthErrors } from '../synth-errors';

function gate(props: Partial<MetricGateHookProps> = {}, serviceProps: Partial<BlueGreenServiceProps> = {}) {
  const stack = testStack();
  const service = mockService(stack, serviceProps);
  const hook = new MetricGateHook(stack, 'MetricGate', { service, ...props });
  const template = Template.fromStack(stack);
  const config = JSON.parse(joinToText(environmentOf(stack, template, hook.function)[METRIC_GATE_CONFIG_ENV]));
  return { stack, service, hook, template, config, statements: statementsOf(stack, template, hook.function) };
}

describe('MetricGateHook', () => {
  test('runs at AfterAllowTraffic on the load balancer and both target groups, with the defaults of the handler', () => {
    const { stack, service, hook, config, template } = gate();
    expect(hook.lifecycleEvent).toBe(LifecycleEvent.AFTER_ALLOW_TRAFFIC);
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 900 });
    expect(config).toEqual({
      loadBalancerFullName: joinToText(stack.resolve(service.loadBalancerFullName)),
      targetGroupFullNames: [
        joinToText(stack.resolve(service.blueTargetGroup.targetGroupFullName)),
        joinToText(stack.resolve(service.greenTargetGroup.targetGroupFullName)),
      ],
      trafficShift: 'canary',
      bakeWindowSeconds: 300,
      lookbackSeconds: 600,
      thresholds: {},
      onMarginal: 'fail-in-production',
      onInconclusive: 'pass',
      production: false,
      dryRun: false,
    });
  });

  test('passes thresholds, window and policies', () => {
    const { config } = gate({
      latencyRatio: 2,
      latencyFloor: Duration.millis(100),
      errorRateDelta: 1,
      marginalBand: 0.2,
      minRequestCount: 200,
      minBaselineRequestCount: 100,
      maxErrorRatePercent: 2,
      maxLatency: Duration.millis(800),
      bakeWindow: Duration.minutes(10),
      lookback: Duration.minutes(15),
      onMarginal: UncertainVerdictPolicy.FAIL,
      onInconclusive: UncertainVerdictPolicy.FAIL_IN_PRODUCTION,
      production: true,
      dryRun: true,
    });
    expect(config).toMatchObject({
      bakeWindowSeconds: 600,
      lookbackSeconds: 900,
      thresholds: {
        latencyRatio: 2,
        latencyFloorSeconds: 0.1,
        errorRateDeltaPercentagePoints: 1,
        marginalBand: 0.2,
        minRequestCount: 200,
        minBaselineRequestCount: 100,
        maxErrorRatePercent: 2,
        maxLatencySeconds: 0.8,
      },
      onMarginal: 'fail',
      onInconclusive: 'fail-in-production',
      production: true,
      dryRun: true,
    });
  });

  test('follows the service\'s traffic shifting', () => {
    expect(gate({}, { trafficShifting: TrafficShifting.allAtOnce() }).config.trafficShift).toBe('all-at-once');
    expect(gate({}, { trafficShifting: TrafficShifting.linear(10, Duration.minutes(1)) }).config.trafficShift).toBe('linear');
    expect(gate({}, { trafficShifting: TrafficShifting.fromDeploymentConfig(codedeploy.EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES) })
      .config.trafficShift).toBe('linear');
    expect(gate({ trafficShiftingKind: TrafficShiftingKind.ALL_AT_ONCE }, { trafficShifting: TrafficShifting.canary(20, Duration.minutes(3)) })
      .config.trafficShift).toBe('all-at-once');
  });

  test('reads metrics and deployment targets, which only * allows; reports on this deployment group; may invoke itself only', () => {
    const { stack, service, hook, statements } = gate();
    expect(wildcardActions(statements).sort()).toEqual(['cloudwatch:GetMetricData', 'codedeploy:GetDeploymentTarget', 'codedeploy:ListDeploymentTargets']);
    const groupArn = stack.resolve(service.deploymentGroup!.deploymentGroupArn);
    expect(allowing(statements, 'codedeploy:PutLifecycleEventHookExecutionStatus').map((s) => s.Resource)).toEqual([groupArn]);
    const fnId = stack.getLogicalId(hook.function.node.defaultChild as lambda.CfnFunction);
    expect(allowing(statements, 'lambda:InvokeFunction').map((s) => s.Resource))
      .toEqual([[{ 'Fn::GetAtt': [fnId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [fnId, 'Arn'] }, ':*']] }]]);
  });

  test('reads the kind given to fromDeploymentConfig', () => {
    const shifting = (stack: Stack) => TrafficShifting.fromDeploymentConfig(
      codedeploy.EcsDeploymentConfig.fromEcsDeploymentConfigName(stack, 'Imported', 'release-steps'), TrafficShiftingKind.LINEAR);
    const stack = testStack();
    const hook = new MetricGateHook(stack, 'MetricGate', { service: mockService(stack, { trafficShifting: shifting(stack) }) });
    const template = Template.fromStack(stack);
    expect(JSON.parse(joinToText(environmentOf(stack, template, hook.function)[METRIC_GATE_CONFIG_ENV])).trafficShift).toBe('linear');
  });

  describe('bakeWindow', () => {
    const warnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('bakeWindow'));

    test('warns, naming the construct, the value and the fix, when canary shifting ignores it', () => {
      const { stack } = gate({ bakeWindow: Duration.minutes(20) });
      expect(warnings(stack)).toEqual([expect.objectContaining({
        id: '/TestStack/MetricGate',
        entry: expect.objectContaining({
          data: 'bakeWindow (20 minutes) has no effect with canary shifting: the gate compares green with blue over the time both served '
            + 'production; remove bakeWindow, or lengthen the shift\'s interval to observe green longer [ack: cdk-ecs-release:metricGateBakeWindowIgnored]',
        }),
      })]);
    });

    test('warns with linear shifting too', () => {
      const { stack } = gate({ bakeWindow: Duration.minutes(5) }, { trafficShifting: TrafficShifting.linear(10, Duration.minutes(1)) });
      expect(warnings(stack)).toHaveLength(1);
    });

    test('does not warn with all-at-once shifting, where it is the window', () => {
      const { stack, config } = gate({ bakeWindow: Duration.minutes(20) }, { trafficShifting: TrafficShifting.allAtOnce() });
      expect(warnings(stack)).toHaveLength(0);
      expect(config.bakeWindowSeconds).toBe(1200);
    });
  });

  describe('fails when', () => {
    const fails = (props: Partial<MetricGateHookProps>, message: RegExp | string) => {
      const stack = new Stack();
      expectSynthError(stack, () => new MetricGateHook(stack, 'Gate', { service: mockService(stack), ...props }), message);
    };

    test('the latency ratio is under 1', () => {
      fails({ latencyRatio: 0.9 }, 'Default/Gate: invalid latencyRatio: must be between 1 and 100, got 0.9; green may be slower than blue by this factor, e.g. 1.5');
    });

    test('the error-rate delta is negative', () => {
      fails({ errorRateDelta: -1 }, /Default\/Gate: invalid errorRateDelta: must be between 0 and 100, got -1; it is in percentage points/);
    });

    test('the marginal band is over 1', () => {
      fails({ marginalBand: 5 }, /invalid marginalBand: must be between 0 and 1, got 5/);
    });

    test('the minimum request count is fractional', () => {
      fails({ minRequestCount: 2.5 }, /invalid minRequestCount: must be an integer between 0 and 1000000000, got 2.5/);
    });

    test('the bake window is shorter than a metric period', () => {
      fails({ bakeWindow: Duration.seconds(30) }, /invalid bakeWindow: must be between 1 and 45 minutes, got 0.5 minutes \(30 seconds\)/);
    });

    test('the bake window outlasts CodeDeploy\'s hour', () => {
      fails({ bakeWindow: Duration.minutes(50) }, /invalid bakeWindow: .*got 50 minutes; CodeDeploy waits at most one hour/);
    });

    test('the lookback is under a minute', () => {
      fails({ lookback: Duration.seconds(10) }, /invalid lookback: must be between 1 and 1440 minutes/);
    });

    test('the latency floor is over a minute', () => {
      fails({ latencyFloor: Duration.minutes(2) }, /invalid latencyFloor: must be between 0 and 60 seconds, got 120 seconds \(2 minutes\)/);
    });

    test('the traffic shifting kind is CUSTOM', () => {
      fails({ trafficShiftingKind: TrafficShiftingKind.CUSTOM }, /invalid trafficShiftingKind: cannot be CUSTOM/);
    });

    test('the service\'s deployment configuration cannot be read', () => {
      const stack = new Stack();
      const config = new codedeploy.EcsDeploymentConfig(stack, 'Custom', {
        trafficRouting: codedeploy.TrafficRouting.timeBasedCanary({ percentage: 5, interval: Duration.minutes(2) }),
      });
      const service = mockService(stack, { trafficShifting: TrafficShifting.fromDeploymentConfig(config) });
      expectSynthError(stack, () => new MetricGateHook(stack, 'Gate', { service }),
        /Default\/Gate: invalid trafficShiftingKind: is required: the service uses a deployment configuration defined in this app, .*set trafficShiftingKind to ALL_AT_ONCE, CANARY or LINEAR, or pass the kind to TrafficShifting.fromDeploymentConfig/);
    });

    test('the service\'s deployment configuration is imported under a name of the user\'s, which is not guessed from', () => {
      // 'release-canary' says canary, but nothing makes it so: the gate would read the wrong window
      const stack = new Stack();
      const imported = codedeploy.EcsDeploymentConfig.fromEcsDeploymentConfigName(stack, 'Imported', 'release-canary');
      const service = mockService(stack, { trafficShifting: TrafficShifting.fromDeploymentConfig(imported) });
      expectSynthError(stack, () => new MetricGateHook(stack, 'Gate', { service }),
        /Default\/Gate: invalid trafficShiftingKind: is required: the service uses deployment configuration release-canary, /);
    });

    test('the error-rate ceiling is over 100 %', () => {
      fails({ maxErrorRatePercent: 150 }, 'Default/Gate: invalid maxErrorRatePercent: must be between 0 and 100, got 150; it is in percent, e.g. 1 for 1 %');
    });

    test('the latency ceiling is over a minute', () => {
      fails({ maxLatency: Duration.minutes(2) }, /Default\/Gate: invalid maxLatency: must be between 1 and 60000 millis, got 120000 millis \(2 minutes\)/);
    });

    test('two props are invalid, reporting both in one synthesis', () => {
      const stack = testStack();
      new MetricGateHook(stack, 'Gate', {
        service: mockService(stack),
        latencyRatio: 0.9,
        trafficShiftingKind: TrafficShiftingKind.CUSTOM,
      });
      expect(synthErrors(stack.node.root as App)).toEqual([
        expect.stringContaining('TestStack/Gate: invalid latencyRatio: must be between 1 and 100, got 0.9'),
        expect.stringContaining('TestStack/Gate: invalid trafficShiftingKind: cannot be CUSTOM'),
      ]);
    });
  });
});
