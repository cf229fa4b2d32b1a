/**
 * Command-line entry of the migration dry run, run by a release pipeline's build before a
 * production approval: `node dry-run.js --output <file> --variables <file>`.
 *
 * Reads its configuration from the environment (contract/migration-dry-run.ts), writes the full
 * output to `--output` and the pipeline variables (summary, links, exit code) to `--variables`
 * as shell `export` lines for the buildspec to source, and exits 0 when the dry run passed, 2
 * when it failed (the task did not start, exited non-zero, or ran out of time), 1 when it could
 * not run (bad input, an AWS error): both stop the release before its approval.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DRY_RUN_ENV, DRY_RUN_VARIABLES, MigrationDryRunConfig } from '../../contract/migration-dry-run';
import { errorMessage } from '../shared/logger';
import { DryRunOptions, DryRunResult, runDryRun } from './dry-run';

/** Exit code of a dry run that ran and failed. */
export const DRY_RUN_FAILED = 2;

/** Input the program cannot run with. */
class InputError extends Error {}

/** `value` quoted for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, '\'\\\'\'')}'`;
}

function argument(argv: readonly string[], name: string): string {
  const index = argv.indexOf(`--${name}`);
  const value = index >= 0 ? argv[index + 1] : undefined;
  if (value === undefined || value.startsWith('--')) {
    throw new InputError(`--${name} <file> is required`);
  }
  return value;
}

function configOf(env: NodeJS.ProcessEnv): MigrationDryRunConfig {
  const raw = env[DRY_RUN_ENV.config];
  if (!raw) {
    throw new InputError(`${DRY_RUN_ENV.config} is not set`);
  }
  let config: MigrationDryRunConfig;
  try {
    config = JSON.parse(raw) as MigrationDryRunConfig;
  } catch (error) {
    throw new InputError(`${DRY_RUN_ENV.config} is not JSON: ${errorMessage(error)}`);
  }
  for (const field of ['clusterArn', 'serviceName', 'containerName'] as const) {
    if (typeof config[field] !== 'string' || config[field] === '') {
      throw new InputError(`${DRY_RUN_ENV.config} has no ${field}`);
    }
  }
  if (!Array.isArray(config.command) || config.command.length === 0) {
    throw new InputError(`${DRY_RUN_ENV.config} has no command`);
  }
  return config;
}

function taskDefinitionOf(config: MigrationDryRunConfig, env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  if (!config.taskDefinitionFile) {
    return undefined;
  }
  const file = path.resolve(env.CODEBUILD_SRC_DIR ?? '.', config.taskDefinitionFile);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new InputError(`cannot read the task definition ${file}: ${errorMessage(error)}`);
  }
}

/** Where the full output is kept, if the build was told. */
export interface KeptOutput {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
}

/**
 * The shell lines that export the pipeline variables of `result`, none empty: the approval's link
 * is the container's log stream, else the kept output in the S3 console.
 */
export function variableLines(result: DryRunResult, kept: KeptOutput | undefined): string {
  const s3Console = kept
    ? `https://s3.console.aws.amazon.com/s3/object/${kept.bucket}?region=${kept.region}&prefix=${encodeURIComponent(kept.key)}` : undefined;
  const variables: Record<string, string> = {
    [DRY_RUN_VARIABLES.summary]: result.summary,
    [DRY_RUN_VARIABLES.logUrl]: result.logUrl ?? s3Console ?? 'none',
    [DRY_RUN_VARIABLES.outputUri]: kept ? `s3://${kept.bucket}/${kept.key}` : 'none',
    [DRY_RUN_VARIABLES.exitCode]: result.exitCode === undefined ? 'none' : String(result.exitCode),
  };
  return Object.entries(variables).map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('');
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, options: DryRunOptions = {}): Promise<number> {
  let outputFile: string;
  let variablesFile: string;
  let result: DryRunResult;
  let region = '';
  try {
    outputFile = argument(argv, 'output');
    variablesFile = argument(argv, 'variables');
    const config = configOf(env);
    const image = env[DRY_RUN_ENV.image];
    if (!image) {
      throw new InputError(`${DRY_RUN_ENV.image} is not set; it names the release's image`);
    }
    region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '';
    result = await runDryRun({ config, image, region, taskDefinitionRequest: taskDefinitionOf(config, env) }, options);
  } catch (error) {
    console.error(`migration dry run: ${error instanceof InputError ? '' : 'could not run: '}${errorMessage(error)}`);
    return 1;
  }
  const bucket = env[DRY_RUN_ENV.outputBucket];
  const object = env[DRY_RUN_ENV.outputObject];
  fs.writeFileSync(outputFile, `${result.output}\n`);
  fs.writeFileSync(variablesFile, variableLines(result, bucket && object ? { bucket, key: object, region } : undefined));
  console.log('----- migration dry-run output -----');
  console.log(result.output);
  console.log('----- end of output -----');
  console.log(`migration dry run: ${result.verdict}`);
  if (result.logUrl) {
    console.log(`log: ${result.logUrl}`);
  }
  return result.succeeded ? 0 : DRY_RUN_FAILED;
}

if (require.main === module) {
  const abort = new AbortController();
  // CodeBuild stops a build with SIGTERM: the task is stopped before the program ends.
  process.once('SIGTERM', () => abort.abort(new Error('the build was stopped')));
  void main(process.argv.slice(2), process.env, { signal: abort.signal }).then((code) => { process.exitCode = code; });
}
