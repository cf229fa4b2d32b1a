/**
 * `npm run bench`: every benchmark, each measurement in fresh node processes, then one line per
 * goal. `BENCH_QUICK=1` runs fewer rounds and leaves `npm test` untimed; `BENCH_NPM_TEST=0`
 * leaves it untimed in a whole run too (it takes minutes on 2 vCPUs).
 */
import * as os from 'os';
import { runCliBenchmark } from './cli';
import { compileForBench, REPO_ROOT, removeCompiled } from './compile';
import { runDoraCliBenchmark } from './dora-cli';
import { runHookBenchmarks } from './hooks';
import { runReleaseCliBenchmark } from './release-cli';
import { goal, notMeasured, printGoals, printTable, QUICK, timeCommand } from './stats';
import { runSynthBenchmarks } from './synth';

const NPM_TEST_GOAL = 'npm test, every gate (lint, type check, jsii, jest)';

/** `npm test` in this checkout, every gate as CI runs them, after the benchmarks (nothing else running). */
function npmTest(): void {
  if (QUICK ? process.env.BENCH_NPM_TEST !== '1' : process.env.BENCH_NPM_TEST === '0') {
    notMeasured(NPM_TEST_GOAL, '≤ 90 s', `not timed in this run (BENCH_NPM_TEST=${QUICK ? '1 times it in a quick run' : '0'})`);
    return;
  }
  console.log('\n## npm test\n');
  const elapsed = timeCommand('npm', ['test', '--', '--silent'], REPO_ROOT);
  printTable('npm test', ['command', 'ms'], [['npm test', elapsed.toFixed(0)]]);
  goal(NPM_TEST_GOAL, `${(elapsed / 1000).toFixed(1)} s`, '≤ 90 s', elapsed <= 90_000);
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
    npmTest();
  } finally {
    removeCompiled(dir);
  }
  printGoals();
  console.log(`\nbench took ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main();
