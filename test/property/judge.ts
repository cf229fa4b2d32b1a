import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { CaseSpec } from './arbitraries';
import { awsLimitViolations } from '../aws-limits';
import { buildCase, newApp } from './scenario';

/*
 * The property: a case either synthesizes a template within the AWS limits, or fails with the
 * library's message `<construct path>: invalid <prop>: <detail>` naming a construct of the app
 * and one of the library's props. Anything else (an aws-cdk-lib error, a TypeError, a message
 * without path and prop, a template over a limit) is a failure, returned as its description.
 */

/** Every prop name the library declares (`readonly x?:` in lib/), and the parameters of its factories. */
const LIBRARY_PROPS: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(file);
      } else if (entry.name.endsWith('.ts')) {
        const text = fs.readFileSync(file, 'utf8');
        for (const match of text.matchAll(/readonly (\w+)\??:/g)) {
          names.add(match[1]);
        }
        for (const match of text.matchAll(/@param (\w+)/g)) {
          names.add(match[1]);
        }
      }
    }
  };
  walk(path.join(__dirname, '..', '..', 'lib'));
  return names;
})();

/** `<path>: invalid <prop>: <detail>`, the prop's first word one of the library's props. */
const LIBRARY_MESSAGE = /^(?<path>[^\s:][^:]*?): invalid (?<prop>[^:]+?): (?<detail>[\s\S]+)$/;

export type Outcome =
  | { readonly kind: 'synthesized'; readonly violations: string[] }
  | { readonly kind: 'rejected'; readonly messages: string[]; readonly stray: string[] };

/** What is wrong with one error message of the case; undefined when it has the library's shape. */
export function messageProblem(message: string, paths: ReadonlySet<string>): string | undefined {
  const match = LIBRARY_MESSAGE.exec(message.trim());
  if (!match) {
    return `not <construct path>: invalid <prop>: <detail>: ${message}`;
  }
  const { path: at, prop } = match.groups!;
  if (!paths.has(at)) {
    return `names no construct of the app (${at}): ${message}`;
  }
  if (/Cannot read propert|is not a function|is not iterable|undefined \(reading/.test(match.groups!.detail)) {
    return `wraps a TypeError: ${message}`;
  }
  const word = /^[A-Za-z]\w*/.exec(prop)?.[0];
  if (word === undefined || !LIBRARY_PROPS.has(word)) {
    return `names no prop of the library (${prop}): ${message}`;
  }
  return undefined;
}

/** The messages an error carries: aws-cdk-lib's validation report holds one per `[path] message` line. */
function messagesOf(error: unknown): string[] {
  if (!(error instanceof Error)) {
    return [String(error)];
  }
  const text = error.message;
  if (!text.startsWith('Validation failed with the following errors:')) {
    return [`${error.name}: ${text}`.replace(/^Error: /, '')];
  }
  // One `[path] message` line per message; a line without the prefix continues the message before
  // it (a value with a line break, echoed).
  const messages: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const prefixed = /^\s*\[[^\]]*\]\s*(.*)$/.exec(line);
    if (prefixed) {
      messages.push(prefixed[1]);
    } else if (messages.length > 0) {
      messages[messages.length - 1] += `\n${line}`;
    }
  }
  return messages;
}

/** Builds and synthesizes `spec` in a fresh app. */
export function runCase(spec: CaseSpec, app: App = newApp()): Outcome {
  let error: unknown;
  try {
    buildCase(app, spec);
  } catch (e) {
    error = e;
  }
  const paths = new Set(app.node.findAll().map((c) => c.node.path));
  if (error === undefined) {
    try {
      const assembly = app.synth({ force: true });
      const violations = assembly.stacks.flatMap((s) => awsLimitViolations(s.template).map((v) => `${s.stackName}: ${v}`));
      return { kind: 'synthesized', violations };
    } catch (e) {
      error = e;
    } finally {
      // Each synthesis writes a cloud assembly to a temporary folder: thousands of cases would fill it.
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
  }
  const messages = messagesOf(error);
  const stray = messages.map((message) => messageProblem(message, paths)).filter((p): p is string => p !== undefined);
  return { kind: 'rejected', messages, stray };
}

/** The failure of the property for `spec`, or undefined when the case holds. */
export function failureOf(outcome: Outcome): string | undefined {
  if (outcome.kind === 'synthesized') {
    return outcome.violations.length > 0 ? `synthesized over the AWS limits:\n  ${outcome.violations.join('\n  ')}` : undefined;
  }
  return outcome.stray.length > 0 ? `failed without the library's message:\n  ${outcome.stray.join('\n  ')}` : undefined;
}
