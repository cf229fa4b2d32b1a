import { CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import {
  describeDuration, durationProblem, integerRangeProblem, literalNumberProblem, numberRangeProblem, wholeDuration, wholeDurationIn,
} from '../../lib/private/validation';

const SECONDS = { unit: 'seconds', min: 0, max: 3600 } as const;

describe('durationProblem', () => {
  test('accepts a value in range, in any unit that converts to whole units of the target', () => {
    expect(durationProblem(Duration.seconds(30), SECONDS)).toBeUndefined();
    expect(durationProblem(Duration.minutes(0.5), SECONDS)).toBeUndefined();
    expect(durationProblem(Duration.millis(45_000), SECONDS)).toBeUndefined();
    expect(durationProblem(undefined, SECONDS)).toBeUndefined();
  });

  test('takes float error for what it is: 16.001 seconds is 16001 milliseconds', () => {
    expect(durationProblem(Duration.seconds(16.001), { unit: 'millis', min: 0, max: 60_000 })).toBeUndefined();
    expect(wholeDurationIn(Duration.seconds(16.001), 'millis')).toBe(16001);
    expect(wholeDuration(Duration.seconds(16.001), 'millis').toMilliseconds()).toBe(16001);
  });

  test.each([
    [Duration.seconds(NaN), 'must be between 0 and 3600 seconds, got Duration.seconds(NaN)'],
    [Duration.seconds(Infinity), 'must be between 0 and 3600 seconds, got Duration.seconds(Infinity)'],
    [Duration.hours(1e308), 'must be between 0 and 3600 seconds, got Duration.hours(1e+308)'],
    [Duration.hours(5e-324), 'must be a whole number of seconds, got Duration.hours(5e-324)'],
    [Duration.seconds(5e-324), 'must be a whole number of seconds, got Duration.seconds(5e-324)'],
    [Duration.seconds(16.5), 'must be a whole number of seconds, got Duration.seconds(16.5)'],
    [Duration.hours(2), 'must be between 0 and 3600 seconds, got 7200 seconds (2 hours)'],
  ])('names %s without throwing', (value, message) => {
    expect(() => durationProblem(value, SECONDS)).not.toThrow();
    expect(durationProblem(value, SECONDS)).toBe(message);
  });

  test('states the range in rangeUnit and appends the fix', () => {
    expect(durationProblem(Duration.seconds(30), { unit: 'seconds', rangeUnit: 'minutes', min: 1, max: 50, fix: 'for example Duration.minutes(5)' }))
      .toBe('must be between 1 and 50 minutes, got 0.5 minutes (30 seconds); for example Duration.minutes(5)');
  });

  test('allows fractions when the target does', () => {
    expect(durationProblem(Duration.millis(0.25), { unit: 'millis', whole: false, min: 0, max: 1 })).toBeUndefined();
  });

  describe('a deploy-time value (token)', () => {
    const stack = new Stack();
    const param = new CfnParameter(stack, 'Param', { type: 'Number' }).valueAsNumber;

    test('given in the target\'s unit passes on', () => {
      expect(durationProblem(Duration.seconds(param), SECONDS)).toBeUndefined();
      expect(wholeDuration(Duration.seconds(param), 'seconds').toSeconds()).toBe(param);
    });

    test('in another unit is refused: it cannot be converted', () => {
      expect(durationProblem(Duration.minutes(param), SECONDS)).toBe('is a deploy-time value (token) in minutes, which cannot be converted to '
        + 'the seconds the target counts in; give it in seconds: Duration.seconds(value)');
    });

    test('is refused with the reason when the library needs the value', () => {
      expect(durationProblem(Duration.seconds(Lazy.number({ produce: () => 5 })), { ...SECONDS, literalBecause: 'it is compared with the timeout' }))
        .toMatch(/^must be a literal duration, not a deploy-time value \(token\): it is compared with the timeout; give e\.g\. Duration\.seconds\(n\), and read per-environment values from context at synthesis with this\.node\.tryGetContext/);
      expect(describeDuration(Duration.minutes(param))).toBe('a deploy-time value (token) in minutes');
    });
  });
});

describe('number problems', () => {
  test.each([NaN, Infinity, -Infinity, 5e-324, 1e308, 2.5])('integerRangeProblem names %s', (value) => {
    expect(integerRangeProblem(value, 1, 100)).toBe(`must be an integer between 1 and 100, got ${value}`);
  });

  test.each([NaN, Infinity, 1e308])('numberRangeProblem names %s', (value) => {
    expect(numberRangeProblem(value, 0, 1)).toBe(`must be between 0 and 1, got ${value}`);
  });

  test('literalNumberProblem refuses a token, with the reason, and passes literals', () => {
    const stack = new Stack();
    const param = new CfnParameter(stack, 'Param', { type: 'Number' }).valueAsNumber;
    expect(literalNumberProblem(param, 'it is added to', '3')).toMatch(/^must be a literal number, not a deploy-time value \(token\): it is added to; give a number, e\.g\. 3, and read/);
    expect(literalNumberProblem(3, 'it is added to')).toBeUndefined();
    expect(literalNumberProblem(NaN, 'it is added to')).toBeUndefined();
  });

  test('whole minutes and whole seconds, NaN and 5e-324 included', () => {
    expect(durationProblem(Duration.seconds(90), { unit: 'minutes', min: 1, max: 10 })).toBe('must be a whole number of minutes, got 1 minute 30 seconds');
    expect(durationProblem(Duration.minutes(NaN), { unit: 'minutes', min: 1, max: 10 })).toBe('must be between 1 and 10 minutes, got Duration.minutes(NaN)');
    expect(durationProblem(Duration.hours(5e-324), { unit: 'seconds', min: 0, max: 10 })).toBe('must be a whole number of seconds, got Duration.hours(5e-324)');
  });
});
