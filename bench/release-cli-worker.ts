/**
 * Starts the fake AWS endpoint and runs the bundled release CLI in fresh node processes against
 * it, timing each from spawn to its first byte of output and to its exit. Prints one JSON line.
 */
import * as path from 'path';
import { ONE_SERVICE, fakeAwsEnvironment, startFakeAws } from './fake-aws';
import { timeNode } from './spawn-timing';

export interface ReleaseCliTimes {
  readonly [command: string]: { readonly firstOutput: number[]; readonly exit: number[] };
}

const BUNDLE = path.join(__dirname, '..', 'assets', 'cli', 'index.mjs');
const RUNS = Number(process.argv[2] ?? 10);
/** What node runs for each row: bare node first, the floor every command stands on. */
const COMMANDS: Record<string, string[]> = {
  'node (no CLI)': ['-e', 'process.stdout.write(" ")'],
  '--help': [BUNDLE, '--help'],
  status: [BUNDLE, 'status'],
};

async function main(): Promise<void> {
  const fake = await startFakeAws(ONE_SERVICE);
  try {
    const times: Record<string, { firstOutput: number[]; exit: number[] }> = {};
    for (const [name, args] of Object.entries(COMMANDS)) {
      times[name] = { firstOutput: [], exit: [] };
      for (let run = 0; run < RUNS; run++) {
        const time = await timeNode(args, fakeAwsEnvironment(fake));
        times[name].firstOutput.push(time.firstOutput);
        times[name].exit.push(time.exit);
      }
    }
    process.stdout.write(`${JSON.stringify(times)}\n`);
  } finally {
    await fake.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
