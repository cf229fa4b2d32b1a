import { Annotations, Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Builds the error thrown for invalid construct input. The message starts with the
 * construct path so a user with many services knows which one is wrong.
 */
export function propError(scope: IConstruct, prop: string, detail: string): Error {
  return new Error(propMessage(scope, prop, detail));
}

/** `<construct path>: invalid <prop>: <detail>`, the one shape of every input problem. */
export function propMessage(scope: IConstruct, prop: string, detail: string): string {
  return `${scope.node.path}: invalid ${prop}: ${detail}`;
}

/**
 * The CLI sets this context to false because it reports validation problems itself, from the
 * annotations in the cloud assembly, after synthesis.
 */
const HOST_REPORTS_CONTEXT = '@aws-cdk/core:failSynthOnValidationErrors';

const PROBLEMS = new WeakMap<IConstruct, string[]>();

/**
 * Records an invalid prop on `scope` instead of throwing, so that one synthesis reports every
 * invalid prop of the app at once. The construct goes on with a safe stand-in value; the
 * problems fail the synthesis (see {@link recordedProblems}).
 */
export function recordPropProblem(scope: IConstruct, prop: string, detail: string): void {
  recordProblem(scope, propMessage(scope, prop, detail));
}

/** Records a problem message that already names the construct path (see {@link propMessage}). */
export function recordProblem(scope: IConstruct, message: string): void {
  let problems = PROBLEMS.get(scope);
  if (!problems) {
    const recorded: string[] = [];
    problems = recorded;
    PROBLEMS.set(scope, recorded);
    reportAtSynthesis(scope, () => recorded);
  }
  if (!problems.includes(message)) {
    problems.push(message);
  }
}

/**
 * Fails synthesis with the messages `problems` returns then, for checks that depend on what is
 * added after the construct (listeners, stages). Programmatic synthesis (tests, scripts) throws:
 * aws-cdk-lib gathers every construct's validation errors into one error, so no template is
 * produced from invalid input. Under the CLI, which reports validation itself, the messages
 * become error annotations: `cdk synth` prints each as a plain line with the construct path,
 * where a thrown error prints a stack trace before the message, and `cdk synth` and
 * `cdk deploy` exit non-zero.
 */
export function reportAtSynthesis(scope: IConstruct, problems: () => string[]): void {
  let annotated = false;
  scope.node.addValidation({
    validate: () => {
      const messages = problems();
      const context: unknown = scope.node.tryGetContext(HOST_REPORTS_CONTEXT);
      if (context === false || context === 'false') {
        // Once, even when the app synthesizes twice.
        if (!annotated) {
          messages.forEach((message) => Annotations.of(scope).addError(message));
          annotated = true;
        }
        return [];
      }
      return [...messages];
    },
  });
}

/** The problems recorded on `scope` so far. */
export function recordedProblems(scope: IConstruct): string[] {
  return [...(PROBLEMS.get(scope) ?? [])];
}

/** True when the value can be checked now (it is not a deploy-time token). */
export function isResolved(value: unknown): boolean {
  return !Token.isUnresolved(value);
}

/** What is wrong with an integer that must lie within [min, max]; undefined when nothing is, or for tokens. */
export function integerRangeProblem(value: number | undefined, min: number, max: number, fix?: string): string | undefined {
  if (value === undefined || !isResolved(value)) {
    return undefined;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    return `must be an integer between ${min} and ${max}, got ${value}${fix ? `; ${fix}` : ''}`;
  }
  return undefined;
}

/** What is wrong with a number that must lie within [min, max] (fractions allowed). */
export function numberRangeProblem(value: number | undefined, min: number, max: number, fix?: string): string | undefined {
  if (value === undefined || !isResolved(value)) {
    return undefined;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    return `must be between ${min} and ${max}, got ${value}${fix ? `; ${fix}` : ''}`;
  }
  return undefined;
}

/**
 * What is wrong with a duration that must be a whole number of minutes within [minMinutes, maxMinutes].
 * CodeDeploy takes waits and intervals in whole minutes; a fraction would be rounded silently.
 */
export function wholeMinutesProblem(value: Duration | undefined, minMinutes: number, maxMinutes: number): string | undefined {
  if (value === undefined || value.isUnresolved()) {
    return undefined;
  }
  // Not integral: a duration in milliseconds would otherwise throw here without naming the prop.
  const seconds = value.toSeconds({ integral: false });
  if (seconds % 60 !== 0) {
    return `must be a whole number of minutes, got ${value.toHumanString()}; CodeDeploy counts this in minutes`;
  }
  const minutes = seconds / 60;
  if (minutes < minMinutes || minutes > maxMinutes) {
    return `must be between ${minMinutes} and ${maxMinutes} minutes, got ${minutes} minutes`;
  }
  return undefined;
}

/** What is wrong with a duration that must be a whole number of seconds within [minSeconds, maxSeconds]. */
export function wholeSecondsProblem(value: Duration | undefined, minSeconds: number, maxSeconds: number, fix?: string): string | undefined {
  if (value === undefined || value.isUnresolved()) {
    return undefined;
  }
  const seconds = value.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
    return `must be a whole number of seconds between ${minSeconds} and ${maxSeconds}, got ${value.toHumanString()}${fix ? `; ${fix}` : ''}`;
  }
  return undefined;
}

/**
 * Records a problem on `scope` when `problem` is one, and returns whether the value is valid, so
 * the caller can fall back to a stand-in: `valid(scope, 'cpu', problem) ? props.cpu : 256`.
 */
export function valid(scope: IConstruct, prop: string, problem: string | undefined): boolean {
  if (problem !== undefined) {
    recordPropProblem(scope, prop, problem);
    return false;
  }
  return true;
}

/** Throws unless `value` is an integer within [min, max]. Tokens are skipped. */
export function checkIntegerRange(scope: IConstruct, prop: string, value: number | undefined, min: number, max: number, fix?: string): void {
  throwIf(scope, prop, integerRangeProblem(value, min, max, fix));
}

/** Throws unless `value` is a number within [min, max] (fractions allowed). Tokens are skipped. */
export function checkNumberRange(scope: IConstruct, prop: string, value: number | undefined, min: number, max: number, fix?: string): void {
  throwIf(scope, prop, numberRangeProblem(value, min, max, fix));
}

/** Throws unless the duration is a whole number of minutes within [minMinutes, maxMinutes]. */
export function checkWholeMinutes(scope: IConstruct, prop: string, value: Duration | undefined, minMinutes: number, maxMinutes: number): void {
  throwIf(scope, prop, wholeMinutesProblem(value, minMinutes, maxMinutes));
}

/** Throws unless the duration is a whole number of seconds within [minSeconds, maxSeconds]. */
export function checkWholeSeconds(scope: IConstruct, prop: string, value: Duration | undefined, minSeconds: number, maxSeconds: number, fix?: string): void {
  throwIf(scope, prop, wholeSecondsProblem(value, minSeconds, maxSeconds, fix));
}

function throwIf(scope: IConstruct, prop: string, problem: string | undefined): void {
  if (problem !== undefined) {
    throw propError(scope, prop, problem);
  }
}
