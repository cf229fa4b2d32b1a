/** What a command is: its usage, the options it takes, and what it does. */
import { Options, OptionName } from './args';
import { Aws } from './aws';

export interface Context {
  readonly aws: Aws;
  readonly options: Options;
  /** The time of the run, for freezes and overrides (fixed by tests). */
  readonly now: Date;
}

/** A command's outcome: one JSON document for `--json`, text for a person. */
export interface Result {
  readonly json: unknown;
  readonly text: string;
}

export interface Command {
  readonly name: string;
  /** One line, for `help`. */
  readonly summary: string;
  /** The synopsis and what it does, for `help <command>`. */
  readonly usage: string;
  readonly options: readonly OptionName[];
  run(context: Context): Promise<Result>;
}
