/** The command line: `cdk-ecs-release <command> [options]`, parsed with Node's own `util.parseArgs`. */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

/** Every option; each command says which it takes. */
export interface Options {
  readonly service?: string;
  readonly pipeline?: string;
  readonly stage?: string;
  readonly limit?: string;
  readonly days?: string;
  readonly reason?: string;
  readonly calendar?: string;
  readonly until?: string;
  readonly for?: string;
  readonly 'approved-by'?: string;
  readonly version?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
  readonly help?: boolean;
}

export type OptionName = keyof Options;

const OPTIONS = {
  service: { type: 'string' }, pipeline: { type: 'string' }, stage: { type: 'string' }, limit: { type: 'string' }, days: { type: 'string' },
  reason: { type: 'string' }, calendar: { type: 'string' }, until: { type: 'string' }, for: { type: 'string' },
  'approved-by': { type: 'string' }, version: { type: 'string' }, region: { type: 'string' }, profile: { type: 'string' },
  json: { type: 'boolean' }, debug: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** What every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = ['region', 'profile', 'json', 'debug', 'help'];

export interface Invocation {
  /** The command, or undefined for none. */
  readonly command?: string;
  /** What `help <command>` asks about. */
  readonly topic?: string;
  readonly options: Options;
}

export function parseCommandLine(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}; see cdk-ecs-release help`);
  }
  const [command, ...extra] = parsed.positionals;
  if (command === 'help' && extra.length === 1) {
    return { command, topic: extra[0], options: parsed.values as Options };
  }
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument '${extra[0]}' after ${command}; see cdk-ecs-release help ${command}`);
  }
  return { command, options: parsed.values as Options };
}

/** Refuses the options `command` does not take, so a typo is not silently ignored. */
export function checkOptions(command: string, options: Options, allowed: readonly OptionName[]): void {
  const refused = (Object.keys(options) as OptionName[]).filter((name) => options[name] !== undefined
    && !allowed.includes(name) && !GLOBAL_OPTIONS.includes(name));
  if (refused.length > 0) {
    throw new UsageError(`${command} does not take --${refused[0]}; see cdk-ecs-release help ${command}`);
  }
}

/** The option `name`, which `command` needs. */
export function required(options: Options, name: 'service' | 'stage' | 'reason' | 'approved-by', command: string, example: string): string {
  const value = options[name];
  if (value === undefined || value.trim() === '') {
    throw new UsageError(`${command} needs --${name}, e.g. ${example}`);
  }
  return value;
}

/** `30m`, `2h`, `1d` in milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(m|h|d)$/.exec(text.trim());
  if (!match) {
    throw new UsageError(`--${option} takes a duration such as 30m, 2h or 1d, got '${text}'`);
  }
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** When a period given as `--until <ISO time>` or `--for <duration>` ends. */
export function periodEnd(options: Options, now: Date): Date | undefined {
  if (options.until !== undefined && options.for !== undefined) {
    throw new UsageError('pass --until or --for, not both');
  }
  if (options.for !== undefined) {
    return new Date(now.getTime() + parseDuration(options.for, 'for'));
  }
  if (options.until !== undefined) {
    const until = new Date(options.until);
    if (Number.isNaN(until.getTime())) {
      throw new UsageError(`--until takes an ISO 8601 time such as 2026-12-24T18:00:00Z, got '${options.until}'`);
    }
    if (until.getTime() <= now.getTime()) {
      throw new UsageError(`--until ${options.until} is in the past; give a later time`);
    }
    return until;
  }
  return undefined;
}
