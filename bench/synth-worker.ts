/**
 * Runs in a fresh node process (spawned by synth.ts): builds one scenario into a new `App` and
 * synthesizes it 1 + `warm` times, each into a fresh output folder. The first synth pays for
 * everything that happens once per process (the built-in CloudFormation validator's start-up
 * when validation is on, lazy module loads, JIT); the later ones are the warm synths.
 * Validation follows the environment, as for `cdk synth`: `CDK_VALIDATION=false` turns it off.
 * Prints one JSON line (`WorkerResult`) on stdout.
 */
import { App } from 'aws-cdk-lib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildScenario, ScenarioName } from './scenarios';

export interface WorkerRequest {
  readonly scenario: ScenarioName;
  readonly services?: number;
  readonly warm: number;
  /**
   * aws-cdk-lib's resource limit per stack (`@aws-cdk/core:stackResourceLimit`), raised to time
   * stacks past CloudFormation's 500 resources; whether they fit is judged from the count.
   * @default 500
   */
  readonly resourceLimit?: number;
}

export interface WorkerResult {
  readonly firstMs: number;
  readonly warmMs: number[];
  readonly resources: number;
  readonly templateBytes: number;
  readonly resourceTypes: Record<string, number>;
  /** The first line of the error synthesis threw, when it did. */
  readonly error?: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const context = (require('../cdk.json') as { context: Record<string, unknown> }).context;

interface Template {
  readonly Resources?: Record<string, { Type: string }>;
}

function synthOnce(request: WorkerRequest): { ms: number; template: Template } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    // Each synth starts on a collected heap, so that none pays for the garbage of the one before
    // (which made the warm medians of one stack swing by a third from run to run).
    (globalThis as { gc?: () => void }).gc?.();
    const started = process.hrtime.bigint();
    const app = new App({ context: request.resourceLimit ? { ...context, '@aws-cdk/core:stackResourceLimit': request.resourceLimit } : context, outdir });
    const stack = buildScenario(app, request.scenario, request.services);
    const assembly = app.synth();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    return { ms, template: assembly.getStackByName(stack.stackName).template as Template };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function run(request: WorkerRequest): WorkerResult {
  try {
    const first = synthOnce(request);
    const warmMs: number[] = [];
    for (let i = 0; i < request.warm; i++) {
      warmMs.push(synthOnce(request).ms);
    }
    const resources = Object.values(first.template.Resources ?? {});
    const resourceTypes: Record<string, number> = {};
    for (const resource of resources) {
      resourceTypes[resource.Type] = (resourceTypes[resource.Type] ?? 0) + 1;
    }
    return {
      firstMs: first.ms,
      warmMs,
      resources: resources.length,
      templateBytes: Buffer.byteLength(JSON.stringify(first.template)),
      resourceTypes,
    };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { firstMs: NaN, warmMs: [], resources: 0, templateBytes: 0, resourceTypes: {}, error: message.split('\n')[0] };
  }
}

process.stdout.write(`${JSON.stringify(run(JSON.parse(process.argv[2]) as WorkerRequest))}\n`);
