import { CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  MetricGateHook, MetricGateHookProps, MigrationHook, MigrationHookProps, SmokeCheck, SmokeCheckOptions, SmokeTestHook,
} from '../../lib';
import { METRIC_GATE_CONFIG_ENV } from '../../contract/metric-gate';
import { MIGRATION_CONFIG_ENV } from '../../contract/migration';
import { SMOKE_CHECKS_ENV } from '../../contract/smoke-test';
import { environmentOf, joinToText, mockService, testStack } from './util';
import { expectSynthError } from '../synth-errors';

type Input<T> = (stack: Stack) => T;

function numberParam(stack: Stack): number {
  return new CfnParameter(stack, 'Param', { type: 'Number' }).valueAsNumber;
}

const lazy = (value: number) => Lazy.number({ produce: () => value });

/** The synthesis fails with `TestStack/<id>: invalid <prop>: <detail>`; no aws-cdk-lib conversion error leaks. */
function expectProblem(build: (stack: Stack) => unknown, message: RegExp): void {
  const stack = testStack();
  expectSynthError(stack, () => build(stack), message);
}

const NOT_A_LITERAL = 'must be a literal (duration|number), not a deploy-time value \\(token\\): .*this\\.node\\.tryGetContext';

function gateOn(stack: Stack, props: Partial<MetricGateHookProps>): MetricGateHook {
  return new MetricGateHook(stack, 'Gate', { service: mockService(stack), ...props });
}

function migrationOn(stack: Stack, props: Partial<MigrationHookProps>): MigrationHook {
  return new MigrationHook(stack, 'Migrate', { service: mockService(stack), command: ['npm', 'run', 'migrate'], ...props });
}

function smokeOn(stack: Stack, options: SmokeCheckOptions): SmokeTestHook {
  return new SmokeTestHook(stack, 'SmokeTests', { service: mockService(stack), checks: [SmokeCheck.get('/health', options)] });
}

describe('MetricGateHook durations and numbers', () => {
  const durations: Array<[keyof MetricGateHookProps, Input<Duration>]> = [
    ['latencyFloor', (s) => Duration.millis(numberParam(s))],
    ['maxLatency', () => Duration.seconds(lazy(1))],
    ['bakeWindow', (s) => Duration.minutes(numberParam(s))],
    ['lookback', () => Duration.seconds(lazy(600))],
  ];
  test.each(durations)('fails when %s is a deploy-time value (token)', (prop, value) => {
    expectProblem((s) => gateOn(s, { [prop]: value(s) }), new RegExp(`TestStack/Gate: invalid ${prop}: ${NOT_A_LITERAL}`));
  });

  test.each(['latencyRatio', 'errorRateDelta', 'marginalBand', 'minRequestCount', 'minBaselineRequestCount', 'maxErrorRatePercent'] as const)(
    'fails when %s is a deploy-time value (token)', (prop) => {
      expectProblem((s) => gateOn(s, { [prop]: numberParam(s) }), new RegExp(`TestStack/Gate: invalid ${prop}: ${NOT_A_LITERAL}`));
    });

  test('latencyFloor: Duration.seconds(16.001) is 16001 milliseconds, written as 16.001 seconds', () => {
    const stack = testStack();
    const hook = gateOn(stack, { latencyFloor: Duration.seconds(16.001), maxLatency: Duration.seconds(30.5) });
    const config = JSON.parse(joinToText(environmentOf(stack, Template.fromStack(stack), hook.function)[METRIC_GATE_CONFIG_ENV]));
    expect(config.thresholds).toEqual({ latencyFloorSeconds: 16.001, maxLatencySeconds: 30.5 });
  });

  test('fails when latencyFloor is a fraction of a millisecond', () => {
    expectProblem((s) => gateOn(s, { latencyFloor: Duration.seconds(16.0001) }),
      /TestStack\/Gate: invalid latencyFloor: must be a whole number of milliseconds, got Duration\.seconds\(16\.0001\)/);
  });

  test('fails when lookback is Duration.hours(5e-324)', () => {
    expectProblem((s) => gateOn(s, { lookback: Duration.hours(5e-324) }),
      /TestStack\/Gate: invalid lookback: must be between 1 and 1440 minutes, got Duration\.hours\(5e-324\)/);
  });

  const extremes: Array<[string, Duration]> = [
    ['NaN', Duration.seconds(NaN)], ['Infinity', Duration.minutes(Infinity)], ['1e308 hours', Duration.hours(1e308)],
    ['5e-324 seconds', Duration.seconds(5e-324)],
  ];
  for (const prop of ['latencyFloor', 'maxLatency', 'bakeWindow', 'lookback'] as const) {
    test.each(extremes)(`fails when ${prop} is %s`, (_, value) => {
      expectProblem((s) => gateOn(s, { [prop]: value }), new RegExp(`TestStack/Gate: invalid ${prop}: must be (between|a whole number)`));
    });
  }

  test('fails when bakeWindow is a fraction of a second', () => {
    expectProblem((s) => gateOn(s, { bakeWindow: Duration.millis(90_500) }),
      /TestStack\/Gate: invalid bakeWindow: must be a whole number of seconds, got 1 minute 30 seconds|got 90500 millis/);
  });

  test.each([
    ['latencyRatio', NaN], ['latencyRatio', Infinity], ['errorRateDelta', 1e308], ['marginalBand', -5e-324],
    ['minRequestCount', 5e-324], ['minBaselineRequestCount', NaN], ['maxErrorRatePercent', -Infinity],
  ] as const)('fails when %s is %s', (prop, value) => {
    expectProblem((s) => gateOn(s, { [prop]: value }), new RegExp(`TestStack/Gate: invalid ${prop}: must be (an integer )?between`));
  });
});

describe('MigrationHook deadline', () => {
  test('fails when deadline is Duration.minutes(<parameter>): the total timeout is computed from it', () => {
    expectProblem((s) => migrationOn(s, { deadline: Duration.minutes(numberParam(s)) }),
      new RegExp(`TestStack/Migrate: invalid deadline: ${NOT_A_LITERAL}`));
  });

  test.each([
    Duration.seconds(5e-324), Duration.seconds(NaN), Duration.minutes(Infinity), Duration.hours(1e308), Duration.minutes(51),
  ])('fails when deadline is %s', (deadline) => {
    expectProblem((s) => migrationOn(s, { deadline }), /TestStack\/Migrate: invalid deadline: must be between 1 and 50 minutes, got /);
  });

  test('fails when deadline is a fraction of a second', () => {
    expectProblem((s) => migrationOn(s, { deadline: Duration.millis(600_500) }),
      /TestStack\/Migrate: invalid deadline: must be a whole number of seconds, got 10 minutes/);
  });

  test('a deadline of whole seconds given in minutes is written in seconds', () => {
    const stack = testStack();
    const hook = migrationOn(stack, { deadline: Duration.minutes(1.5) });
    const config = JSON.parse(joinToText(environmentOf(stack, Template.fromStack(stack), hook.function)[MIGRATION_CONFIG_ENV]));
    expect(config.totalDeadlineSeconds).toBe(90);
  });
});

describe('SmokeCheck durations and numbers', () => {
  const label = 'TestStack/SmokeTests: invalid checks: smoke check "GET /health"';
  test.each<[string, Input<SmokeCheckOptions>]>([
    ['timeout', () => ({ timeout: Duration.seconds(lazy(5)) })],
    ['latencyBudget', (s) => ({ latencyBudget: Duration.millis(numberParam(s)) })],
    ['retryDelay', () => ({ retryDelay: Duration.seconds(lazy(1)) })],
    ['retries', (s) => ({ retries: numberParam(s) })],
    ['expectedStatuses', (s) => ({ expectedStatuses: [200, numberParam(s)] })],
  ])('fails when %s is a deploy-time value (token)', (prop, options) => {
    expectProblem((s) => smokeOn(s, options(s)), new RegExp(`${label} ${prop} ${NOT_A_LITERAL}`));
  });

  test.each<[keyof SmokeCheckOptions, Duration]>([
    ['timeout', Duration.seconds(NaN)], ['timeout', Duration.hours(1e308)], ['timeout', Duration.seconds(5e-324)],
    ['latencyBudget', Duration.minutes(Infinity)], ['latencyBudget', Duration.seconds(5e-324)], ['latencyBudget', Duration.seconds(NaN)],
    ['retryDelay', Duration.seconds(NaN)], ['retryDelay', Duration.days(1e308)],
  ])('fails when %s is %s', (prop, value) => {
    expectProblem((s) => smokeOn(s, { [prop]: value }), new RegExp(`${label} ${prop} must be (between|a whole number)`));
  });

  test.each([
    ['timeout', Duration.seconds(2.0001)], ['latencyBudget', Duration.millis(499.5)], ['retryDelay', Duration.millis(0.5)],
  ] as const)('fails when %s has a fraction of a millisecond: %s', (prop, value) => {
    expectProblem((s) => smokeOn(s, { [prop]: value }), new RegExp(`${label} ${prop} must be a whole number of milliseconds`));
  });

  test.each([NaN, Infinity, 1e308, 5e-324, -1])('fails when retries is %s', (retries) => {
    expectProblem((s) => smokeOn(s, { retries }), new RegExp(`${label} retries must be a whole number from 0 to 19, got `));
  });

  test('a timeout of 2.5 seconds is written in whole milliseconds', () => {
    const stack = testStack();
    const hook = smokeOn(stack, { timeout: Duration.seconds(2.5), latencyBudget: Duration.seconds(1.001), retryDelay: Duration.minutes(0.01) });
    const checks = JSON.parse(joinToText(environmentOf(stack, Template.fromStack(stack), hook.function)[SMOKE_CHECKS_ENV]));
    expect(checks[0]).toMatchObject({ timeoutMs: 2500, latencyBudgetMs: 1001, retryDelayMs: 600 });
  });
});

describe('SmokeTestHook timeout', () => {
  function hookOn(stack: Stack, timeout: Duration): SmokeTestHook {
    return new SmokeTestHook(stack, 'SmokeTests', { service: mockService(stack), checks: [SmokeCheck.get('/health')], timeout });
  }

  test.each<[string, Input<Duration>]>([
    ['Duration.seconds(<Lazy>)', () => Duration.seconds(lazy(60))],
    ['Duration.minutes(<parameter>)', (s) => Duration.minutes(numberParam(s))],
  ])('fails when it is %s', (_, timeout) => {
    expectProblem((s) => hookOn(s, timeout(s)), new RegExp(`TestStack/SmokeTests: invalid timeout: ${NOT_A_LITERAL}`));
  });

  test.each([
    [Duration.seconds(NaN), /must be between 30 and 900 seconds, got Duration\.seconds\(NaN\)/],
    [Duration.hours(5e-324), /must be between 30 seconds and 15 minutes, got Duration\.hours\(5e-324\)/],
    [Duration.hours(1e308), /must be between 30 and 900 seconds, got Duration\.hours\(1e\+308\)/],
    [Duration.seconds(60.5), /must be a whole number of seconds, got Duration\.seconds\(60\.5\)/],
  ])('fails when it is %s', (timeout, message) => {
    expectProblem((s) => hookOn(s, timeout), new RegExp(`TestStack/SmokeTests: invalid timeout: ${message.source}`));
  });

  test('a timeout of whole seconds given in minutes goes to the function in seconds', () => {
    const stack = testStack();
    const hook = hookOn(stack, Duration.minutes(1.5));
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const logicalId = stack.getLogicalId(hook.function.node.defaultChild as never);
    expect(functions[logicalId].Properties.Timeout).toBe(90);
  });
});
