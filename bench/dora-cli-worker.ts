/**
 * Starts the fake AWS endpoint over a record table of `count` deployments and runs the bundled
 * release CLI's `dora` in fresh node processes against it, after one checked run that it read
 * them all. Prints one JSON line: each run's time to exit, and the table's Query calls per run.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { doraAnswers, doraRecords } from './dora-records';
import { fakeAwsEnvironment, startFakeAws } from './fake-aws';
import { FakeRecordTable } from './fake-record-table';
import { timeNode } from './spawn-timing';

export interface DoraCliTimes {
  readonly exit: number[];
  readonly releases: number;
  readonly queriesPerRun: number;
}

const BUNDLE = path.join(__dirname, '..', 'assets', 'cli', 'index.mjs');
const RUNS = Number(process.argv[2] ?? 10);
const COUNT = Number(process.argv[3] ?? 10_000);

async function main(): Promise<void> {
  const table = new FakeRecordTable(doraRecords(COUNT, new Date()));
  const fake = await startFakeAws(doraAnswers(table));
  try {
    const env = fakeAwsEnvironment(fake);
    const checked = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [BUNDLE, 'dora', '--json'], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    const releases = (JSON.parse(checked) as { keys: { deploymentFrequency: { releases: number } }[] }).keys
      .reduce((sum, keys) => sum + keys.deploymentFrequency.releases, 0);
    const queriesPerRun = table.queries.length;
    const exit: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      exit.push((await timeNode([BUNDLE, 'dora'], env)).exit);
    }
    const times: DoraCliTimes = { exit, releases, queriesPerRun };
    process.stdout.write(`${JSON.stringify(times)}\n`);
  } finally {
    await fake.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
