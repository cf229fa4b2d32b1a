import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Builds the error thrown for invalid construct input. The message starts with the
 * construct path so a user with many services knows which one is wrong.
 */
export function propError(scope: IConstruct, prop: string, detail: string): Error {
  return new Error(`${scope.node.path}: invalid ${prop}: ${detail}`);
}

/** True when the value can be checked now (it is not a deploy-time token). */
export function isResolved(value: unknown): boolean {
  return !Token.isUnresolved(value);
}

/**
 * Throws unless `value` is an integer within [min, max]. Tokens are skipped.
 * `fix` tells the user what to do, e.g. "use a port between 1 and 65535".
 */
export function checkIntegerRange(scope: IConstruct, prop: string, value: number | undefined, min: number, max: number, fix?: string): void {
  if (value === undefined || !isResolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw propError(scope, prop, `must be an integer between ${min} and ${max}, got ${value}${fix ? `; ${fix}` : ''}`);
  }
}

/** Throws unless `value` is a number within [min, max] (fractions allowed). Tokens are skipped. */
export function checkNumberRange(scope: IConstruct, prop: string, value: number | undefined, min: number, max: number, fix?: string): void {
  if (value === undefined || !isResolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw propError(scope, prop, `must be between ${min} and ${max}, got ${value}${fix ? `; ${fix}` : ''}`);
  }
}

/**
 * Throws unless the duration is a whole number of minutes within [minMinutes, maxMinutes].
 * CodeDeploy takes waits and intervals in whole minutes; a fraction would be rounded silently.
 */
export function checkWholeMinutes(scope: IConstruct, prop: string, value: Duration | undefined, minMinutes: number, maxMinutes: number): void {
  if (value === undefined || value.isUnresolved()) {
    return;
  }
  // Not integral: a duration in milliseconds would otherwise throw here without naming the prop.
  const seconds = value.toSeconds({ integral: false });
  if (seconds % 60 !== 0) {
    throw propError(scope, prop, `must be a whole number of minutes, got ${value.toHumanString()}; CodeDeploy counts this in minutes`);
  }
  const minutes = seconds / 60;
  if (minutes < minMinutes || minutes > maxMinutes) {
    throw propError(scope, prop, `must be between ${minMinutes} and ${maxMinutes} minutes, got ${minutes} minutes`);
  }
}

/**
 * Throws unless the duration is a whole number of seconds within [minSeconds, maxSeconds].
 * Tokens are skipped. `fix` tells the user what to do.
 */
export function checkWholeSeconds(scope: IConstruct, prop: string, value: Duration | undefined, minSeconds: number, maxSeconds: number, fix?: string): void {
  if (value === undefined || value.isUnresolved()) {
    return;
  }
  const seconds = value.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < minSeconds || seconds > maxSeconds) {
    throw propError(scope, prop, `must be a whole number of seconds between ${minSeconds} and ${maxSeconds}, got ${value.toHumanString()}`
      + `${fix ? `; ${fix}` : ''}`);
  }
}
