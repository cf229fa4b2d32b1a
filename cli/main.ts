/** Runs one command line and says how it ended: the exit code, the output, the error. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkOptions, parseCommandLine } from './args';
import { Aws } from './aws';
import { Command } from './command';
import { COMMANDS, helpText } from './commands';
import { OperationError, UsageError } from './errors';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface MainOptions {
  /** The time of the run; now by default. */
  readonly now?: Date;
}

/** The exit code: 0 done, 1 the operation failed, 2 bad usage. */
export async function main(argv: readonly string[], io: Io, mainOptions: MainOptions = {}): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    io.out(packageVersion());
    return 0;
  }
  let debug = argv.includes('--debug');
  try {
    const { command: name, topic, options } = parseCommandLine(argv);
    debug = options.debug === true;
    if (name === undefined || name === 'help') {
      io.out(helpText(topic));
      return 0;
    }
    const command: Command | undefined = COMMANDS.find((candidate) => candidate.name === name);
    if (!command) {
      throw new UsageError(`unknown command '${name}'; the commands are: ${COMMANDS.map((c) => c.name).join(', ')} (see cdk-ecs-release help)`);
    }
    if (options.help) {
      io.out(helpText(name));
      return 0;
    }
    checkOptions(name, options, command.options);
    const aws = new Aws({ region: options.region, profile: options.profile });
    const result = await command.run({ aws, options, now: mainOptions.now ?? new Date() });
    io.out(options.json ? JSON.stringify(result.json, null, 2) : result.text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof OperationError) {
      io.err(`cdk-ecs-release: ${error.message}`);
      if (debug && error.stack) {
        io.err(error.stack);
      }
      return error.exitCode;
    }
    // A bug, not an AWS answer: say so, with the trace only when asked.
    io.err(`cdk-ecs-release: unexpected error: ${(error as Error)?.message ?? String(error)}${debug ? '' : ' (rerun with --debug for the stack trace)'}`);
    if (debug && error instanceof Error && error.stack) {
      io.err(error.stack);
    }
    return 1;
  }
}

/**
 * The package's version: written into the bundle when it is built, read from package.json when
 * the sources run (the tests).
 */
function packageVersion(): string {
  const bundled = process.env.CDK_ECS_RELEASE_VERSION;
  if (bundled) {
    return bundled;
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}
