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
  // NaN and the infinities fail Number.isInteger; 5e-324 too, as any fraction.
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

/** How to give a value that the library needs at synthesis, for every environment. */
const LITERAL_FIX = 'read per-environment values from context at synthesis with this.node.tryGetContext(...) instead of a CloudFormation parameter';

/**
 * What is wrong with a number the library needs at synthesis (to compute, compare or name
 * something with it): a deploy-time value (token) cannot serve. `because` says what needs it.
 */
export function literalNumberProblem(value: number | undefined, because: string, example?: string): string | undefined {
  if (value === undefined || isResolved(value)) {
    return undefined;
  }
  return `must be a literal number, not a deploy-time value (token): ${because}; give a number${example ? `, e.g. ${example}` : ''}, and ${LITERAL_FIX}`;
}

/** The units a target may count a duration in. */
export type DurationUnit = 'millis' | 'seconds' | 'minutes' | 'hours' | 'days';

/** What a duration prop must be: see {@link durationProblem}. */
export interface DurationRule {
  /** The unit the target counts in. */
  readonly unit: DurationUnit;
  /** The least and the most, in `rangeUnit`. */
  readonly min: number;
  readonly max: number;
  /** The unit of `min` and `max`, and of the message about them. Default `unit`. */
  readonly rangeUnit?: DurationUnit;
  /** Whether the target takes only whole numbers of `unit`. Default true. */
  readonly whole?: boolean;
  /** Appended to the message of an out-of-range or fractional value. */
  readonly fix?: string;
  /**
   * Why the library needs the value at synthesis. When given, a deploy-time value (token) is
   * refused; when not, a token given in `unit` is passed on to the target unchanged.
   */
  readonly literalBecause?: string;
}

/**
 * What is wrong with a duration, as the end of `invalid <prop>: …`; undefined when nothing is.
 * Never throws: NaN, Infinity, 1e308 hours and 5e-324 seconds are problems like any other, and a
 * token is refused (`literalBecause`) or must be given in the unit the target takes, since
 * aws-cdk-lib cannot convert a token from one unit to another.
 */
export function durationProblem(value: Duration | undefined, rule: DurationRule): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const unit = rule.unit;
  if (value.isUnresolved()) {
    if (rule.literalBecause !== undefined) {
      return `must be a literal duration, not a deploy-time value (token): ${rule.literalBecause}; give e.g. Duration.${unit}(n), and ${LITERAL_FIX}`;
    }
    if (value.unitLabel() !== unit) {
      return `is a deploy-time value (token) in ${value.unitLabel()}, which cannot be converted to the ${unit} the target counts in; `
        + `give it in ${unit}: Duration.${unit}(value)`;
    }
    return undefined;
  }
  const fix = rule.fix ? `; ${rule.fix}` : '';
  const whole = rule.whole ?? true;
  const rangeUnit = rule.rangeUnit ?? unit;
  const amount = convertDuration(value, value.unitLabel() as DurationUnit);
  const inRangeUnit = convertDuration(value, rangeUnit);
  if (!Number.isFinite(amount) || !(inRangeUnit >= rule.min && inRangeUnit <= rule.max)) {
    return `must be between ${rule.min} and ${rule.max} ${rangeUnit}, got ${describeIn(value, rangeUnit)}${fix}`;
  }
  if (whole && !isWhole(convertDuration(value, unit))) {
    return `must be a whole number of ${unit === 'millis' ? 'milliseconds' : unit}, got ${describeDuration(value)}${fix}`;
  }
  return undefined;
}

/**
 * The duration in `unit`, rounded to a whole number: call it only on a duration
 * {@link durationProblem} accepted with `whole`, whose float error (16.001 seconds is
 * 16000.999999999998 milliseconds) it removes.
 */
export function wholeDurationIn(value: Duration, unit: DurationUnit): number {
  return value.isUnresolved() ? convertDuration(value, unit) : Math.round(convertDuration(value, unit));
}

/**
 * The duration rebuilt in `unit` with a whole amount, for aws-cdk-lib, which refuses to convert
 * a fraction (`Duration.seconds(16.001).toMilliseconds()`). A token is returned as it is.
 */
export function wholeDuration(value: Duration, unit: DurationUnit): Duration {
  if (value.isUnresolved()) {
    return value;
  }
  const amount = wholeDurationIn(value, unit);
  switch (unit) {
    case 'millis': return Duration.millis(amount);
    case 'seconds': return Duration.seconds(amount);
    case 'minutes': return Duration.minutes(amount);
    case 'hours': return Duration.hours(amount);
    default: return Duration.days(amount);
  }
}

/** The value as people read it; the amount as given when it is a fraction, which toHumanString() would round. */
export function describeDuration(value: Duration): string {
  if (value.isUnresolved()) {
    return `a deploy-time value (token) in ${value.unitLabel()}`;
  }
  const amount = convertDuration(value, value.unitLabel() as DurationUnit);
  return Number.isInteger(amount) && amount < 1e15 ? value.toHumanString() : value.toString();
}

/** The value in `unit` when that reads well, with the value as given when it was given in another unit. */
function describeIn(value: Duration, unit: DurationUnit): string {
  const given = describeDuration(value);
  const x = convertDuration(value, unit);
  const readable = x === 0 || (Math.abs(x) >= 1e-3 && Math.abs(x) < 1e15 && x === Number(x.toPrecision(10)));
  if (!readable) {
    return given;
  }
  return value.unitLabel() === unit ? `${x} ${unit}` : `${x} ${unit} (${given})`;
}

/** Whole within float error (relative, so that 5e-324 is not taken for 0). */
function isWhole(x: number): boolean {
  return Number.isInteger(x) || Math.abs(x - Math.round(x)) <= 1e-9 * Math.abs(x);
}

function convertDuration(value: Duration, unit: DurationUnit): number {
  const opts = { integral: false };
  switch (unit) {
    case 'millis': return value.toMilliseconds(opts);
    case 'seconds': return value.toSeconds(opts);
    case 'minutes': return value.toMinutes(opts);
    case 'hours': return value.toHours(opts);
    default: return value.toDays(opts);
  }
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
