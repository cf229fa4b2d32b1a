import { CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';

/*
 * Plain-data descriptions of prop values, so that a counterexample prints as data and shrinks,
 * and the functions that turn them into the values a user passes (tokens need a stack).
 */

/** A string: literal, a CfnParameter's value, a Lazy string, or a literal with a Lazy string inside. */
export type StrSpec = string | { readonly param: 'string' } | { readonly lazy: string } | { readonly embedded: string };
/** A number: literal, a CfnParameter's value, or a Lazy number. */
export type NumSpec = number | { readonly param: 'number' } | { readonly lazy: number };
/** A duration: one unit and an amount, which may be a token. */
export type DurSpec = { readonly [unit in DurationUnit]?: NumSpec };
export type DurationUnit = 'millis' | 'seconds' | 'minutes' | 'hours' | 'days';

/** Weights of the plausible and the wild values, so that a good share of the cases synthesize and reach the limits checker. */
const TAME = 6;
const WILD = 1;

const EXTREMES = [0, -1, -0.5, 0.5, 1.5, NaN, Infinity, -Infinity, 5e-324, 1e308, -1e308, 2 ** 31, 2 ** 53 + 1];

/** Long strings of one repeated unit: shrink to a short length, print compactly. */
const longText = fc.tuple(fc.constantFrom('a', 'é', 'x y', '-', '🚀', 'Ab1_'), fc.integer({ min: 100, max: 1000 }))
  .map(([unit, n]) => unit.repeat(Math.ceil(n / unit.length)).slice(0, n));

/** Strings a user may well type that trip charsets: accents, emoji, punctuation, blanks. */
const oddText = fc.oneof(
  fc.constantFrom('', ' ', 'café', 'naïve-ü', 'orders 🚀', '~tilde', 'Ωmega', 'a/b', 'x:y', '{}', '"q"', '$x', ' lead',
    'trail ', 'UPPER', 'a.b', 'tab\there', 'new\nline', '<b>', 'a,b;c', '#1', '100%', 'ü'.repeat(300)),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ maxLength: 40 }),
);

/** A token string: a CfnParameter's value or a Lazy string (resolving to `lazy`). */
export const tokenStr: fc.Arbitrary<StrSpec> = fc.oneof(
  fc.constant({ param: 'string' as const }),
  fc.constantFrom('lazy-value', 'x').map((lazy) => ({ lazy })),
  fc.constantFrom('orders', 'a.b').map((embedded) => ({ embedded })),
);

/** Any string a user might pass: mostly `tame`, sometimes long, odd or a token. */
export function str(tame: fc.Arbitrary<string> = ident): fc.Arbitrary<StrSpec> {
  return fc.oneof(
    { weight: TAME * 2, arbitrary: tame },
    { weight: WILD, arbitrary: longText },
    { weight: WILD, arbitrary: oddText },
    { weight: WILD, arbitrary: tokenStr },
  );
}

/** A literal string only (for props whose type a token cannot fill meaningfully, e.g. record keys). */
export function literal(tame: fc.Arbitrary<string> = ident): fc.Arbitrary<string> {
  return fc.oneof({ weight: TAME * 2, arbitrary: tame }, { weight: WILD, arbitrary: longText }, { weight: WILD, arbitrary: oddText });
}

/** Lower-case names such as `orders-api`. */
export const ident = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
/** PascalCase names such as `Staging`. */
export const pascal = fc.stringMatching(/^[A-Z][a-zA-Z0-9]{0,11}$/);

/** Any number: mostly from `tame`, sometimes an extreme, a fraction, any integer or a token. */
export function num(tame: fc.Arbitrary<number>): fc.Arbitrary<NumSpec> {
  return fc.oneof(
    { weight: TAME * 2, arbitrary: tame },
    { weight: WILD, arbitrary: fc.constantFrom(...EXTREMES) },
    { weight: WILD, arbitrary: fc.oneof(fc.integer({ min: -100, max: 100000 }), fc.double()) },
    { weight: WILD, arbitrary: fc.oneof(fc.constant({ param: 'number' as const }), tame.map((lazy) => ({ lazy }))) },
  );
}

/** A duration: mostly `tame` (already a spec), sometimes an odd amount or unit, or a token amount. */
export function dur(tame: fc.Arbitrary<DurSpec>): fc.Arbitrary<DurSpec> {
  const unit = fc.constantFrom<DurationUnit>('millis', 'seconds', 'minutes', 'hours', 'days');
  // Durations cannot be negative: Duration itself throws, before any construct sees the value.
  const amount = fc.oneof(
    fc.constantFrom(0, 0.5, 1.5, 5e-324, 1e308, NaN, Infinity, 1, 59, 61, 3600),
    fc.integer({ min: 0, max: 100000 }),
    fc.double({ min: 0, noNaN: true }),
    fc.oneof(fc.constant({ param: 'number' as const }), fc.integer({ min: 1, max: 10 }).map((lazy) => ({ lazy }))),
  );
  return fc.oneof(
    { weight: TAME * 2, arbitrary: tame },
    { weight: WILD * 2, arbitrary: fc.tuple(unit, amount).map(([u, a]) => ({ [u]: a })) },
  );
}

export function minutes(min: number, max: number): fc.Arbitrary<DurSpec> {
  return fc.integer({ min, max }).map((m) => ({ minutes: m }));
}

export function seconds(min: number, max: number): fc.Arbitrary<DurSpec> {
  return fc.integer({ min, max }).map((s) => ({ seconds: s }));
}

/**
 * A record whose every key is optional and present with probability `freq`;
 * absent keys are dropped, so shrinking removes props and a counterexample shows only those that matter.
 */
export function someOf<T extends object>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, freq = 0.35): fc.Arbitrary<Partial<T>> {
  const entries = Object.entries(model) as [string, fc.Arbitrary<unknown>][];
  const weight = Math.max(1, Math.round(freq * 100));
  // withCrossShrink: a value shrinks to the first arbitrary, no key.
  const options = Object.fromEntries(entries.map(([key, arb]) => [key, fc.oneof(
    { withCrossShrink: true },
    { weight: 100 - weight, arbitrary: fc.constant(undefined) },
    { weight, arbitrary: arb },
  )]));
  return fc.record(options).map((record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<T>);
}

/** Turns specs into values; tokens get parameters of `stack`, numbered. */
export class Materializer {
  private parameters = 0;

  constructor(private readonly stack: Stack) {}

  public str(spec: StrSpec): string;
  public str(spec: StrSpec | undefined): string | undefined;
  public str(spec: StrSpec | undefined): string | undefined {
    if (spec === undefined || typeof spec === 'string') {
      return spec;
    }
    if ('param' in spec) {
      return new CfnParameter(this.stack, `StringParameter${++this.parameters}`, { type: 'String' }).valueAsString;
    }
    if ('embedded' in spec) {
      return `${spec.embedded}-${Lazy.string({ produce: () => 'x' })}`;
    }
    const value = spec.lazy;
    return Lazy.string({ produce: () => value });
  }

  public num(spec: NumSpec): number;
  public num(spec: NumSpec | undefined): number | undefined;
  public num(spec: NumSpec | undefined): number | undefined {
    if (spec === undefined || typeof spec === 'number') {
      return spec;
    }
    if ('param' in spec) {
      return new CfnParameter(this.stack, `NumberParameter${++this.parameters}`, { type: 'Number' }).valueAsNumber;
    }
    const value = spec.lazy;
    return Lazy.number({ produce: () => value });
  }

  public dur(spec: DurSpec | undefined): Duration | undefined {
    if (spec === undefined) {
      return undefined;
    }
    const [unit, amount] = Object.entries(spec)[0] as [DurationUnit, NumSpec];
    return Duration[unit](this.num(amount));
  }

  public strs(specs: StrSpec[] | undefined): string[] | undefined {
    return specs?.map((s) => this.str(s));
  }

  public record(spec: Record<string, StrSpec> | undefined): Record<string, string> | undefined {
    return spec === undefined ? undefined : Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, this.str(v)]));
  }
}
