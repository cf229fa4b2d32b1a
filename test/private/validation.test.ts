import { App, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  durationProblem, integerRangeProblem, recordPropProblem, recordedProblems, reportAtSynthesis, valid,
} from '../../lib/private/validation';
import { synthErrors } from '../synth-errors';

function scopeIn(): { app: App; scope: Construct } {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Stack');
  return { app, scope: new Construct(stack, 'Thing') };
}

describe('problem checks', () => {
  test('say what is wrong, with the value and the fix, and skip valid values', () => {
    expect(integerRangeProblem(0, 1, 10, 'use at least 1')).toBe('must be an integer between 1 and 10, got 0; use at least 1');
    expect(integerRangeProblem(5, 1, 10)).toBeUndefined();
    expect(integerRangeProblem(undefined, 1, 10)).toBeUndefined();
    expect(durationProblem(Duration.seconds(90), { unit: 'minutes', min: 1, max: 10 })).toMatch(/must be a whole number of minutes, got 1 minute 30 seconds/);
    expect(durationProblem(Duration.minutes(11), { unit: 'minutes', min: 1, max: 10 })).toBe('must be between 1 and 10 minutes, got 11 minutes');
    expect(durationProblem(Duration.millis(1500), { unit: 'seconds', min: 0, max: 10 })).toMatch(/got 1 second 500 millis/);
  });
});

describe('recorded problems', () => {
  test('do not throw at construction; the synthesis fails with all of them, each once', () => {
    const { app, scope } = scopeIn();
    recordPropProblem(scope, 'a', 'is wrong');
    recordPropProblem(scope, 'a', 'is wrong');
    expect(valid(scope, 'b', 'is wrong too')).toBe(false);
    expect(valid(scope, 'c', undefined)).toBe(true);
    expect(recordedProblems(scope)).toEqual(['Stack/Thing: invalid a: is wrong', 'Stack/Thing: invalid b: is wrong too']);
    expect(synthErrors(app)).toEqual(['[Stack/Thing] Stack/Thing: invalid a: is wrong', '[Stack/Thing] Stack/Thing: invalid b: is wrong too']);
  });

  test('checks reported at synthesis see what was added after them', () => {
    const { app, scope } = scopeIn();
    const added: string[] = [];
    reportAtSynthesis(scope, () => added.map((name) => `Stack/Thing: ${name} is late`));
    added.push('x');
    expect(synthErrors(app)).toEqual(['[Stack/Thing] Stack/Thing: x is late']);
  });

  test('an app without problems synthesizes', () => {
    const { app, scope } = scopeIn();
    reportAtSynthesis(scope, () => []);
    expect(synthErrors(app)).toEqual([]);
  });
});
