import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The layer rules in eslint.config.mjs are the architecture's only enforcement: these tests show
 * that each arrow ARCHITECTURE.md forbids is reported, and that a cycle is, so a rule silently
 * matching nothing (a wrong glob, a resolver that fails) cannot pass unnoticed.
 */
const ROOT = path.join(__dirname, '..', '..');

/**
 * Lints each probe as if it were the given file, in one child process: ESLint loads its flat
 * config with a dynamic import, which jest's module system cannot run.
 */
function lint(probes: ReadonlyArray<{ readonly file: string; readonly code?: string }>): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const probes = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd(), ignore: false });
      const out = [];
      for (const probe of probes) {
        const [result] = probe.code === undefined
          ? await eslint.lintFiles([probe.file])
          : await eslint.lintText(probe.code, { filePath: probe.file });
        out.push(result.messages.map((m) => m.ruleId + ': ' + m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify(probes.map((probe) => ({ ...probe, file: path.join(ROOT, probe.file) })))],
    { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(output) as string[][];
}

const FORBIDDEN: ReadonlyArray<readonly [string, string, RegExp]> = [
  ['lib/private/probe.ts', "export { BlueGreenService } from '../service/blue-green-service';\n", /imports no feature/],
  ['lib/service/probe.ts', "export { ReleasePipeline } from '../pipeline/release-pipeline';\n", /lib\/service sits below lib\/pipeline/],
  ['lib/alarms/probe.ts', "export { BlueGreenService } from '../service/blue-green-service';\n", /lib\/alarms sits below lib\/service/],
  ['lib/pipeline/probe.ts', "export { HookNetwork } from '../hooks/private/network';\n", /lib\/hooks\/private is private to lib\/hooks/],
  ['lib/hooks/probe.ts', "export { handler } from '../../lambda/smoke-test/index';\n", /constructs never import the runtime/],
  ['lambda/preflight/probe.ts', "export { handler } from '../smoke-test/index';\n", /never another handler/],
  ['lambda/shared/probe.ts', "export { handler } from '../smoke-test/index';\n", /imports no handler/],
  ['lambda/smoke-test/probe.ts', "export { Duration } from 'aws-cdk-lib';\n", /never imports CDK/],
  ['lambda/smoke-test/probe.ts', "export { ReleasePipeline } from '../../lib/index';\n", /never imports constructs/],
  ['contract/probe.ts', "export { Duration } from 'aws-cdk-lib';\n", /contract\/ imports nothing/],
  ['contract/probe.ts', "export { handler } from '../lambda/smoke-test/index';\n", /contract\/ imports nothing/],
  ['cli/probe.ts', "export { ReleasePipeline } from '../lib/index';\n", /imports only contract\/ and SDK clients/],
  ['cli/commands/probe.ts', "export { handler } from '../../lambda/smoke-test/index';\n", /imports only contract\/ and SDK clients/],
  ['cli/probe.ts', "export { Duration } from 'aws-cdk-lib';\n", /never imports CDK/],
  ['lib/pipeline/probe.ts', "export { main } from '../../cli/main';\n", /never import the release CLI/],
  ['lambda/preflight/probe.ts', "export { main } from '../../cli/main';\n", /never import the release CLI/],
];

const ALLOWED: ReadonlyArray<readonly [string, string]> = [
  ['lib/hooks/probe.ts', "export { BlueGreenService } from '../service/blue-green-service';\nexport { propError } from '../private/validation';\n"],
  ['lambda/smoke-test/probe.ts', "export { codeDeployHook } from '../shared/index';\nexport * from '../../contract/smoke-test';\n"],
  ['lib/observability/probe.ts', "export { ReleasePipeline } from '../pipeline/release-pipeline';\n"],
  ['cli/probe.ts', "export * from '../contract/release-tags';\nexport { main } from './main';\n"],
];

describe('layer boundaries', () => {
  let forbidden: string[][];
  let allowed: string[][];
  let cycle: string[];

  beforeAll(() => {
    // A dot directory: tsc's include globs skip it, and `npm test` runs ESLint with it ignored, so
    // the type check and lint running beside jest never see the cycle.
    const dir = fs.mkdtempSync(path.join(ROOT, 'lib', 'private', '.cycle-probe-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b';\nexport const a = (): number => b();\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import { a } from './a';\nexport const b = (): number => a();\n");
      const results = lint([
        ...FORBIDDEN.map(([file, code]) => ({ file, code })),
        ...ALLOWED.map(([file, code]) => ({ file, code })),
        { file: path.relative(ROOT, path.join(dir, 'a.ts')) },
      ]);
      forbidden = results.slice(0, FORBIDDEN.length);
      allowed = results.slice(FORBIDDEN.length, FORBIDDEN.length + ALLOWED.length);
      cycle = results[results.length - 1];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test.each(FORBIDDEN.map(([file, code, expected], index) => [file, code.trim(), expected, index] as const))(
    '%s: %s is reported', (_file, _code, expected, index) => {
      expect(forbidden[index].join('\n')).toMatch(expected);
    });

  test.each(ALLOWED.map(([file, code], index) => [file, code.trim(), index] as const))('%s: %s is allowed', (_file, _code, index) => {
    expect(allowed[index].filter((message) => /no-restricted|no-cycle/.test(message))).toEqual([]);
  });

  test('an import cycle is reported', () => {
    expect(cycle.join('\n')).toMatch(/import-x\/no-cycle/);
  });
});
