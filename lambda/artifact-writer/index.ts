/**
 * Command-line entry of the artifact writer; see `writer.ts` for what it does and `USAGE` for
 * its arguments. Exits with 1 and one line on stderr when the input is wrong.
 */
import { InputError, USAGE, run } from './writer';

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): number {
  if (argv.length === 0 || argv.includes('--help')) {
    console.log(USAGE);
    return argv.length === 0 ? 1 : 0;
  }
  try {
    for (const set of run(argv, env)) {
      const label = set.name === '-' ? '' : `${set.name}: `;
      console.log(`${label}wrote ${set.files.join(', ')}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof InputError) {
      console.error(`artifact-writer: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
