import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FailedTaskSetGuard, RollbackAlarms, RollbackAlarmsProps } from '../../lib/alarms';
import { alarmTestStack, mockService } from './mock-service';
import { expectSynthError } from '../synth-errors';

/** RollbackAlarms over a mock service, its log group, deployment group and ECS service, with the props `props` gives. */
function build(props: (stack: Stack) => Partial<RollbackAlarmsProps>): { stack: Stack; create: () => RollbackAlarms } {
  const stack = alarmTestStack();
  const svc = mockService(stack);
  return {
    stack,
    create: () => new RollbackAlarms(stack, 'RollbackAlarms', {
      serviceName: 'orders-api', targetGroups: [svc.blue, svc.green], logGroup: svc.logGroup, deploymentGroup: svc.deploymentGroup,
      service: svc.service, ...props(stack),
    }),
  };
}

function numberParam(stack: Stack): number {
  return new CfnParameter(stack, 'Param', { type: 'Number' }).valueAsNumber;
}

function failsWith(props: (stack: Stack) => Partial<RollbackAlarmsProps>, message: RegExp): void {
  const { stack, create } = build(props);
  expectSynthError(stack, create, message);
}

describe('RollbackAlarms numbers given as deploy-time values (tokens)', () => {
  // CloudWatch takes these as they are and checks them when the alarm is deployed.
  test.each([
    ['evaluationPeriods', 'ErrorRateAlarm', 'EvaluationPeriods'],
    ['maxErrorRatePercent', 'ErrorRateAlarm', 'Threshold'],
    ['maxUnhealthyTargets', 'UnhealthyTargetsAlarm', 'Threshold'],
    ['minRunningTaskPercent', 'RunningTaskShortfallAlarm', 'Threshold'],
    ['runningTaskEvaluationPeriods', 'RunningTaskShortfallAlarm', 'EvaluationPeriods'],
  ] as const)('%s goes to the alarm as the parameter', (prop, alarm, property) => {
    const { stack, create } = build((s) => ({ [prop]: numberParam(s) }));
    create();
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm', { Properties: { [property]: { Ref: 'Param' } } });
    expect(Object.keys(alarms).some((id) => id.startsWith(`RollbackAlarms${alarm}`))).toBe(true);
  });

  test('minRequestCount goes into the metric math of the error-rate alarm as the parameter', () => {
    const { stack, create } = build((s) => ({ minRequestCount: numberParam(s) }));
    create();
    const template = JSON.stringify(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    expect(template).toContain('{"Ref":"Param"}');
  });

  test('fails when failedGreenTaskThreshold is a deploy-time value: it goes into the guard\'s configuration unchecked', () => {
    failsWith((s) => ({ failedGreenTaskThreshold: numberParam(s) }),
      /OrdersStack\/RollbackAlarms: invalid failedGreenTaskThreshold: must be a literal number, not a deploy-time value \(token\): .*tryGetContext/);
  });

  test('fails when latencyMultiplier is a deploy-time value: the threshold is computed from it', () => {
    failsWith((s) => ({ latencyBaseline: Duration.millis(200), latencyMultiplier: numberParam(s) }),
      /OrdersStack\/RollbackAlarms: invalid latencyMultiplier: must be a literal number, not a deploy-time value \(token\): the alarm threshold is .*tryGetContext/);
  });

  test('fails when latencyBaseline is a deploy-time value', () => {
    failsWith((s) => ({ latencyBaseline: Duration.millis(numberParam(s)) }),
      /OrdersStack\/RollbackAlarms: invalid latencyBaseline: must be a literal duration, not a deploy-time value \(token\): the alarm threshold is .*tryGetContext/);
  });

  test('fails when latencyAnomalyBandWidth is a deploy-time value', () => {
    failsWith((s) => ({ latencyAnomalyBandWidth: numberParam(s) }),
      /OrdersStack\/RollbackAlarms: invalid latencyAnomalyBandWidth: must be a literal number, not a deploy-time value \(token\): .*tryGetContext/);
  });

  test('fails when period is a deploy-time value: it names the alarms', () => {
    failsWith((s) => ({ period: Duration.minutes(numberParam(s)) }), /OrdersStack\/RollbackAlarms: invalid period: must be a literal duration, not a deploy-time value \(token\): it names the alarms.*tryGetContext/);
  });
});

describe('RollbackAlarms durations and numbers at the extremes', () => {
  test.each([
    Duration.seconds(NaN), Duration.minutes(Infinity), Duration.hours(1e308), Duration.hours(5e-324), Duration.seconds(90.5),
  ])('fails when period is %s', (period) => {
    failsWith(() => ({ period }), /OrdersStack\/RollbackAlarms: invalid period: must be a whole number of minutes, got Duration\./);
  });

  test('fails when period is longer than a day', () => {
    failsWith(() => ({ period: Duration.days(2) }), /OrdersStack\/RollbackAlarms: invalid period: must be at most 1 day, got 2 days/);
  });

  test.each([
    Duration.millis(NaN), Duration.seconds(Infinity), Duration.hours(1e308), Duration.seconds(4001),
  ])('fails when latencyBaseline is %s', (latencyBaseline) => {
    failsWith(() => ({ latencyBaseline }), /OrdersStack\/RollbackAlarms: invalid latencyBaseline: must be (longer than zero|between 0 and 4000 seconds), got /);
  });

  test('a latency baseline with a fraction of a millisecond is taken as it is', () => {
    const { stack, create } = build(() => ({ latencyBaseline: Duration.millis(250.5), latencyMultiplier: 2 }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 0.501, EvaluationPeriods: 2 });
  });

  test.each([
    ['evaluationPeriods', NaN], ['evaluationPeriods', 5e-324], ['minRequestCount', Infinity], ['maxUnhealthyTargets', 1e308],
    ['runningTaskEvaluationPeriods', -1],
  ] as const)('fails when %s is %s', (prop, value) => {
    failsWith(() => ({ [prop]: value }), new RegExp(`OrdersStack/RollbackAlarms: invalid ${prop}: must be an integer between`));
  });

  test.each([NaN, Infinity, 5e-324, 1e308])('fails when failedGreenTaskThreshold is %s, reported by the guard it configures', (value) => {
    failsWith(() => ({ failedGreenTaskThreshold: value }),
      /OrdersStack\/RollbackAlarms\/FailedTaskSetGuard: invalid failedTaskThreshold: must be an integer between 1 and 100, got /);
  });

  test.each([
    ['maxErrorRatePercent', NaN, /must be a percentage from 0 up to/], ['maxErrorRatePercent', Infinity, /must be a percentage from 0 up to/],
    ['minRunningTaskPercent', NaN, /must be a percentage above 0/], ['minRunningTaskPercent', 5e-324 - 1, /must be a percentage above 0/],
    ['latencyAnomalyBandWidth', NaN, /must be a positive number of standard deviations/],
    ['latencyAnomalyBandWidth', 1e308, /must be at most 100 standard deviations, got 1e\+308/],
  ] as const)('fails when %s is %s', (prop, value, message) => {
    failsWith(() => ({ [prop]: value }), new RegExp(`OrdersStack/RollbackAlarms: invalid ${prop}: ${message.source}`));
  });

  test.each([
    [NaN, /must be greater than 1, got NaN/], [Infinity, /must be at most 1000, got Infinity/], [1e308, /must be at most 1000, got 1e\+308/],
  ])('fails when latencyMultiplier is %s', (latencyMultiplier, message) => {
    failsWith(() => ({ latencyBaseline: Duration.millis(200), latencyMultiplier }),
      new RegExp(`OrdersStack/RollbackAlarms: invalid latencyMultiplier: ${message.source}`));
  });

  test('a period given in seconds is rendered in whole seconds', () => {
    const { stack, create } = build(() => ({ period: Duration.seconds(300) }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: Match.arrayWith([Match.objectLike({ Id: 'expr_1' })]) });
    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))).toContain('"Period":300');
  });
});

describe('FailedTaskSetGuard failedTaskThreshold', () => {
  function guardFails(threshold: (stack: Stack) => number, message: RegExp): void {
    const stack = alarmTestStack();
    const svc = mockService(stack);
    expectSynthError(stack, () => new FailedTaskSetGuard(stack, 'Guard', {
      service: svc.service, deploymentGroup: svc.deploymentGroup, failedTaskThreshold: threshold(stack),
    }), message);
  }

  test('fails when it is a deploy-time value: it goes into the guard\'s configuration unchecked', () => {
    guardFails(numberParam, /OrdersStack\/Guard: invalid failedTaskThreshold: must be a literal number, not a deploy-time value \(token\): .*tryGetContext/);
  });

  test.each([NaN, Infinity, 5e-324, 1e308, 0])('fails when it is %s', (value) => {
    guardFails(() => value, new RegExp(`OrdersStack/Guard: invalid failedTaskThreshold: must be an integer between 1 and 100, got ${String(value).replace('+', '\\+')}`));
  });
});
