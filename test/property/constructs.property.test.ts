import * as fc from 'fast-check';
import { caseSpec } from './arbitraries';
import { failureOf, runCase } from './judge';

/*
 * For random, type-correct props of every public construct (arbitraries.ts, built by
 * scenario.ts), each case synthesizes a template within the AWS limits (test/aws-limits.ts) or fails
 * with the library's `<construct path>: invalid <prop>: <detail>` message (judge.ts).
 *
 * A fixed seed keeps the run reproducible; PROPERTY_SEED and PROPERTY_RUNS vary it, e.g.
 * `PROPERTY_RUNS=1000 PROPERTY_SEED=7 npx jest test/property/constructs.property.test.ts`, and
 * test/property/hunt.ts lists every class of failure of a long run rather than the first.
 * The default number of runs fits about 20 s on two cores with the built-in validation off.
 */
const SEED = Number(process.env.PROPERTY_SEED ?? 20261202);
const RUNS = Number(process.env.PROPERTY_RUNS ?? 120);
/** Bounds the shrinking of a failure too: past it, the smallest counterexample so far is reported. */
const TIME_LIMIT_MS = Number(process.env.PROPERTY_TIME_LIMIT_MS ?? 90_000);

test(`every case synthesizes within the AWS limits or fails naming the construct and the prop (seed ${SEED}, ${RUNS} runs)`, () => {
  fc.assert(fc.property(caseSpec, (spec) => {
    const failure = failureOf(runCase(spec));
    if (failure !== undefined) {
      throw new Error(failure);
    }
  }), { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false });
}, TIME_LIMIT_MS + 30_000);
