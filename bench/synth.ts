import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { ExampleReleaseStack } from '../bin/example-stack';
import { HandwrittenBlueGreenStack } from './handwritten-stack';
import { LibraryBlueGreenStack } from './library-stack';
import { median, printTable, timeRuns } from './stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const context = (require('../cdk.json') as { context: Record<string, unknown> }).context;

function codeLines(file: string): number {
  return fs.readFileSync(path.join(__dirname, file), 'utf8').split('\n').filter((line) => line.trim() !== '').length;
}

interface SynthResult {
  readonly name: string;
  readonly medianMs: number;
  readonly resources: number;
  readonly templateBytes: number;
}

function synthOnce(build: (app: App) => Stack, validation: boolean): { resources: number; bytes: number } {
  const app = new App({ context, builtinCloudFormationValidation: validation });
  const stack = build(app);
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, unknown> };
  return { resources: Object.keys(template.Resources).length, bytes: Buffer.byteLength(JSON.stringify(template)) };
}

async function measure(name: string, build: (app: App) => Stack, runs: number, validation: boolean): Promise<SynthResult> {
  let shape = { resources: 0, bytes: 0 };
  const times = await timeRuns(runs, 3, () => {
    shape = synthOnce(build, validation);
  });
  return { name, medianMs: median(times), resources: shape.resources, templateBytes: shape.bytes };
}

/**
 * Synthesizes, in one process, the example app and a hand-written equivalent built only from
 * aws-cdk-lib L2 constructs, and prints median synth time, their ratio, resource count and
 * template size. The built-in CloudFormation validation is off (it dominates with ~4 s a synth
 * and costs both sides the same); pass `--validation` to include it.
 */
export async function runSynthBenchmarks(runs = 15): Promise<void> {
  const validation = process.argv.includes('--validation');
  const env = { region: 'eu-west-1' };
  const library = await measure('BlueGreenService (cdk-ecs-release)', (app) => new LibraryBlueGreenStack(app, 'Library', { env }), runs, validation);
  const handwritten = await measure('same resources, hand-written L2s', (app) => new HandwrittenBlueGreenStack(app, 'Handwritten', { env }), runs, validation);
  const example = await measure('example app (bin/)', (app) => new ExampleReleaseStack(app, 'Example', { env }), runs, validation);
  printTable(`Synth, median of ${runs} runs in one process (built-in validation ${validation ? 'on' : 'off'})`,
    ['stack', 'median ms', 'resources', 'template bytes'],
    [library, handwritten, example].map((r) => [r.name, r.medianMs.toFixed(0), r.resources, r.templateBytes]));
  console.log(`ratio BlueGreenService / hand-written: ${(library.medianMs / handwritten.medianMs).toFixed(2)}x`);
  console.log(`code a user writes (non-blank lines): BlueGreenService stack ${codeLines('library-stack.ts')}, hand-written stack ${codeLines('handwritten-stack.ts')}`);
}

if (require.main === module) {
  runSynthBenchmarks().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
