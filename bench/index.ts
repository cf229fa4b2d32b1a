/**
 * `npm run bench`: every benchmark, each measurement in fresh node processes, then one line per
 * goal. `BENCH_QUICK=1` runs fewer rounds; `BENCH_NPM_TEST=1` also times `npx jest`.
 */
import * as os from 'os';
import { runCliBenchmark } from './cli';
import { compileForBench, REPO_ROOT, removeCompiled } from './compile';
import { runDoraCliBenchmark } from './dora-cli';
import { runHookBenchmarks } from './hooks';
import { runReleaseCliBenchmark } from './release-cli';
import { goal, printGoals, printTable, QUICK, timeCommand } from './stats';
import { runSynthBenchmarks } from './synth';

function npmTest(): void {
  const elapsed = timeCommand('npx', ['jest', '--silent'], REPO_ROOT);
  printTable('npx jest', ['command', 'ms'], [['npx jest', elapsed.toFixed(0)]]);
  goal('npx jest', `${(elapsed / 1000).toFixed(1)} s`, '≤ 90 s', elapsed <= 90_000);
}

function main(): void {
  const started = Date.now();
  console.log(`# cdk-ecs-release bench${QUICK ? ' (quick)' : ''}: node ${process.version}, ${process.platform}/${process.arch}, `
    + `${os.cpus().length} CPUs, ${new Date().toISOString()}`);
  const dir = compileForBench();
  try {
    runSynthBenchmarks(dir);
    runCliBenchmark();
    runHookBenchmarks(dir);
    runReleaseCliBenchmark(dir);
    runDoraCliBenchmark(dir);
    if (process.env.BENCH_NPM_TEST === '1') {
      npmTest();
    }
  } finally {
    removeCompiled(dir);
  }
  printGoals();
  console.log(`\nbench took ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main();
