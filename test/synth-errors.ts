import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * Asserts that invalid input is accepted at construction and fails the synthesis with `message`:
 * the constructs record bad props, so that one synthesis reports all of them.
 */
export function expectSynthError(stack: Stack, build: () => unknown, message: RegExp | string): void {
  expect(build).not.toThrow();
  expect(() => Template.fromStack(stack)).toThrow(message);
}

/** The validation messages a synthesis of `app` fails with, one per line; empty when it succeeds. */
export function synthErrors(app: App): string[] {
  try {
    app.synth({ force: true });
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').map((line) => line.trim()).filter((line) => line.startsWith('['));
  }
}

/**
 * Every line of the error the synthesis of `app` fails with, aws-cdk-lib's heading and `[path]`
 * prefixes removed; empty when it synthesizes. Unlike {@link synthErrors}, it keeps errors thrown
 * during synthesis (a resolution error has no `[path]` prefix), so a test sees aws-cdk-lib's
 * messages next to the library's.
 */
export function synthesisMessages(app: App): string[] {
  try {
    app.synth({ force: true });
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('Validation failed with the following errors'))
      .map((line) => line.replace(/^\[[^\]]*\] /, ''));
  }
}
