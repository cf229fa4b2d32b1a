/** Reading the artifact writer's input: files, `env:NAME` variables and JSON, with errors that say what to do. */
import * as fs from 'fs';

/** A problem with the input; the message says what is wrong and what to do. */
export class InputError extends Error {}

/** Reads `env:NAME` from the environment, anything else as a file. */
export function readInput(source: string, what: string, env: NodeJS.ProcessEnv): string {
  if (source.startsWith('env:')) {
    const name = source.slice(4);
    const value = env[name];
    if (value === undefined || value.length === 0) {
      throw new InputError(`the ${what} environment variable ${name} is empty or not set`);
    }
    return value;
  }
  return readFile(source, what);
}

export function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`the ${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
