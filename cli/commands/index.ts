/** The commands, in the order `help` lists them. */
import { Command } from '../command';
import { UsageError } from '../errors';
import { abort } from './abort';
import { dora } from './dora';
import { freeze, unfreeze } from './freeze';
import { history } from './history';
import { override } from './override';
import { promote } from './promote';
import { rollback } from './rollback';
import { status } from './status';

export const COMMANDS: readonly Command[] = [status, history, dora, promote, abort, rollback, freeze, unfreeze, override];

const GLOBAL_HELP = [
  'Options every command takes:',
  '  --region R     the AWS region (default: AWS_REGION or your profile\'s)',
  '  --profile P    a profile of ~/.aws/config (default: AWS_PROFILE)',
  '  --json         print one JSON document, for scripts',
  '  --debug        print the stack trace of an error',
  '',
  'cdk-ecs-release --version prints the version.',
  'Exit codes: 0 done, 1 the operation failed, 2 bad usage.',
].join('\n');

/** `help`, or `help <command>`. */
export function helpText(topic?: string): string {
  if (topic !== undefined) {
    const command = COMMANDS.find((candidate) => candidate.name === topic);
    if (!command) {
      throw new UsageError(`unknown command '${topic}'; the commands are: ${COMMANDS.map((c) => c.name).join(', ')}`);
    }
    return `${command.usage}\n\n${GLOBAL_HELP}`;
  }
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'Usage: cdk-ecs-release <command> [options]',
    '',
    'Operates the releases of the services and pipelines cdk-ecs-release created, found by their tags.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    `  ${'help'.padEnd(width)}  this text; help <command> for one command`,
    '',
    GLOBAL_HELP,
  ].join('\n');
}
