/**
 * Starts the fake AWS endpoint and runs the bundled release CLI in fresh node processes against
 * it, timing each from spawn to its first byte of output and to its exit. Prints one JSON line.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { FakeAws, ONE_SERVICE, fakeAwsEnvironment, startFakeAws } from './fake-aws';

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

function once(args: string[], fake: FakeAws): Promise<{ firstOutput: number; exit: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
    let firstOutput: number | undefined;
    const child = spawn(process.execPath, args, { env: fakeAwsEnvironment(fake), stdio: ['ignore', 'pipe', 'pipe'] });
    const seen = () => {
      firstOutput ??= elapsed();
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && firstOutput !== undefined
      ? resolve({ firstOutput, exit: elapsed() })
      : reject(new Error(`node ${args.join(' ')} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const fake = await startFakeAws(ONE_SERVICE);
  try {
    const times: Record<string, { firstOutput: number[]; exit: number[] }> = {};
    for (const [name, args] of Object.entries(COMMANDS)) {
      times[name] = { firstOutput: [], exit: [] };
      for (let run = 0; run < RUNS; run++) {
        const time = await once(args, fake);
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
