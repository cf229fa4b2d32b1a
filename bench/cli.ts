/**
 * The example app's `cdk synth` as a user runs it: `npx cdk synth -q -o <tmp>` from the
 * repository root (cdk.json runs bin/example-app.ts through ts-node with swc and the V8 flags
 * the README gives, cdk-nag included), wall clock of the whole command, each run into a fresh
 * output folder.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from './compile';
import { goal, median, printTable, QUICK, spread, timeCommand } from './stats';

const RUNS = QUICK ? 1 : 3;
const GOAL_MS = 12_000;

export function runCliBenchmark(): void {
  console.log('\n## Example app: cdk synth\n');
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cdk-out-'));
    try {
      times.push(timeCommand('npx', ['cdk', 'synth', '-q', '-o', outdir], REPO_ROOT));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }
  printTable(`npx cdk synth -q -o <tmp>, ${RUNS} run(s), validation as in cdk.json`, ['command', 'min / median / max ms'],
    [['cdk synth (example app)', spread(times)]]);
  const medianMs = median(times);
  goal('example app `cdk synth` (median)', `${(medianMs / 1000).toFixed(1)} s`, `≤ ${GOAL_MS / 1000} s`, medianMs <= GOAL_MS);
}
