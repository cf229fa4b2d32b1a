/*
 * Hunts for classes of failure of the property, beyond the first one jest reports: runs many
 * cases, groups the failures by a signature with the values taken out, and shrinks one
 * counterexample per class. Run: npx ts-node --transpile-only test/property/hunt.ts [runs] [seed]
 * aws-cdk-lib keeps every token in a global map, so a process holds about 2 500 cases in 4 GB:
 * vary the seed rather than the runs for a longer hunt.
 */
import * as fs from 'fs';
import * as fc from 'fast-check';
import { caseSpec, CaseSpec } from './arbitraries';
import { failureOf, runCase } from './judge';

process.env.CDK_VALIDATION = 'false';

/**
 * The failure's lines with values taken out, one signature per line: a limit violation by
 * resource type, property and what is wrong; a stray message by its words up to the first
 * quote, colon, bracket or digit after its first word (where values start).
 */
export function signatures(failure: string): string[] {
  // A line of its own per problem; a message with a line break continues on lines indented deeper.
  return failure.split('\n').slice(1).filter((line) => /^ {2}\S/.test(line)).map((line) => {
    const text = line.trim();
    const stray = /^(?:not <construct path>: invalid <prop>: <detail>|names no \w+ of the \w+ \([^)]*\)|wraps a TypeError): ([\s\S]*)$/.exec(text);
    if (stray) {
      const message = stray[1].replace(/^TypeError: /, 'TypeError ');
      const cut = message.slice(4).search(/["'(:[\d{]/);
      return `${text.slice(0, text.length - stray[1].length)}${cut < 0 ? message : message.slice(0, cut + 4)}`.slice(0, 160);
    }
    const violation = /^\S+: \S+ (\([^)]*\)) ([\s\S]*)$/.exec(text);
    const [type, rest] = violation ? [violation[1], violation[2]] : ['', text];
    return `${type} ${rest.replace(/, got [\s\S]*$/, '').replace(/\d+/g, 'N')}`.trim().slice(0, 160);
  });
}

if (require.main === module) {
  hunt();
}

function hunt(): void {
  const runs = Number(process.argv[2] ?? 300);
  const seed = Number(process.argv[3] ?? 1);
  const known = new Map<string, { minimal: CaseSpec; message: string }>();
  // HUNT_KNOWN: a JSON file of [name, case] pairs whose classes are known already, to look past them.
  for (const [, spec] of process.env.HUNT_KNOWN ? JSON.parse(fs.readFileSync(process.env.HUNT_KNOWN, 'utf8')) as [string, CaseSpec][] : []) {
    const failure = failureOf(runCase(spec));
    signatures(failure ?? '').forEach((sig) => known.set(sig, { minimal: spec, message: '' }));
  }
  const started = Date.now();
  // Each round finds a case failing with a signature not seen yet and shrinks it, keeping a new
  // signature; the next round starts over with that signature known.
  for (;;) {
    const details = fc.check(fc.property(caseSpec, (spec) => {
      const failure = failureOf(runCase(spec));
      return failure === undefined || signatures(failure).every((sig) => known.has(sig));
    }), { seed, numRuns: runs, interruptAfterTimeLimit: Number(process.env.HUNT_ROUND_MS ?? 1_800_000), markInterruptAsFailure: false });
    if (!details.failed || !details.counterexample) {
      break;
    }
    const minimal = details.counterexample[0];
    const failure = failureOf(runCase(minimal)) ?? '';
    const lines = failure.split('\n').slice(1).filter((line) => /^ {2}\S/.test(line));
    const sigs = signatures(failure);
    sigs.forEach((sig, i) => {
      if (!known.has(sig)) {
        known.set(sig, { minimal, message: lines[i].trim() });
        console.log(`\n### ${sig}\nfound after ${((Date.now() - started) / 1000).toFixed(0)} s (run ${details.numRuns}, shrunk ${details.numShrinks}). Minimal: ${fc.stringify(minimal)}\nMessage: ${lines[i].trim().slice(0, 700)}`);
      }
    });
  }
  console.log(`\n${runs} cases, seed ${seed}: ${known.size} classes in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
