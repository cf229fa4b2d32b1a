/**
 * Checks on the shape of AWS answers before handler code walks them. The SDK passes whatever
 * JSON the service (or a proxy in between) sent straight through, so a list that arrives as an
 * object would otherwise fail deep in the bundle as `r.find is not a function`; these name the
 * call and the field instead.
 */

/** An AWS answer, or a part of one, that did not have the expected shape. */
export class UnexpectedAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedAnswerError';
  }
}

/**
 * The answer of `call` itself, checked to be an object.
 *
 * @example const described = answerOf('ecs:DescribeTasks', await ecs().send(...));
 */
export function answerOf<T>(call: string, answer: T): T {
  if (!isRecord(answer)) {
    throw new UnexpectedAnswerError(`${call} answered ${describeValue(answer)} instead of an object`);
  }
  return answer;
}

/**
 * The list `field` of an object in an answer of `call`: absent (AWS leaves out empty lists) is
 * an empty list; anything but a list, or a list holding anything but objects, throws with a
 * message naming the call and the field.
 *
 * @param where what holds the field when it is not the answer itself, e.g. `the deployment target`.
 */
export function objectList<T extends object>(
  call: string,
  holder: object | undefined,
  field: string,
  options: { readonly required?: boolean; readonly where?: string } = {},
): T[] {
  const value = holder === undefined ? undefined : (holder as Record<string, unknown>)[field];
  const within = options.where ? ` in ${options.where}` : '';
  if (value === undefined || value === null) {
    if (options.required) {
      throw new UnexpectedAnswerError(`${call} answered without a ${field} list${within}`);
    }
    return [];
  }
  if (!Array.isArray(value)) {
    throw new UnexpectedAnswerError(`${call} answered without a ${field} list${within}: got ${describeValue(value)}`);
  }
  const bad = value.findIndex((item) => !isRecord(item));
  if (bad >= 0) {
    throw new UnexpectedAnswerError(`${call} answered a ${field} list${within} whose item ${bad} is ${describeValue(value[bad])}, not an object`);
  }
  return value as T[];
}

/** Like {@link objectList}, for a list of strings (ARNs, ids). */
export function stringList(call: string, holder: object | undefined, field: string): string[] {
  const value = holder === undefined ? undefined : (holder as Record<string, unknown>)[field];
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new UnexpectedAnswerError(`${call} answered without a ${field} list of strings: got ${describeValue(value)}`);
  }
  return value as string[];
}

/** An optional object field of an answer: absent is undefined, anything but an object throws. */
export function optionalObject<T extends object>(call: string, holder: object | undefined, field: string): T | undefined {
  const value = holder === undefined ? undefined : (holder as Record<string, unknown>)[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isRecord(value)) {
    throw new UnexpectedAnswerError(`${call} answered a ${field} that is ${describeValue(value)}, not an object`);
  }
  return value as T;
}

/** A JSON object: not null, not a list. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `a string`, `null`, `an object`, `a list`: what was found, without echoing the value. */
function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'undefined':
      return 'nothing';
    default:
      return `a ${typeof value}`;
  }
}
