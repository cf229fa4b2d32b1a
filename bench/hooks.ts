/**
 * Hook benchmarks: how the smoke test scales with the number of checks (they run concurrently, so
 * 200 checks should cost little more than one), and what each bundled handler weighs and takes to
 * load in a fresh node process, idle and with one busy-loop process per CPU ("under load").
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from './compile';
import { BENCH_CONCURRENCY, CHECK_COUNTS, SERVER_DELAY_MS } from './smoke-worker';
import { goal, kb, median, ms, printTable, QUICK, runScript, spread } from './stats';

const LOAD_RUNS = QUICK ? 3 : 10;
const SIZE_GOAL_BYTES = 150 * 1024;
const LOAD_GOAL_MS = 150;
const SMOKE_RATIO_GOAL = 2;

function smokeTest(dir: string): void {
  console.log('\n## Smoke test hook\n');
  const results = runScript<Record<string, number[]>>(dir, 'smoke-worker.js', []);
  printTable(`Checks against 127.0.0.1, each answered after ${SERVER_DELAY_MS} ms, ${BENCH_CONCURRENCY} at a time; one warm-up run per count, in one fresh process`,
    ['checks', 'runs', 'min / median / max ms'], CHECK_COUNTS.map((count) => [count, results[count].length, spread(results[count])]));
  const ratio = median(results[200]) / median(results[1]);
  goal('smoke test, 200 checks / 1 check (medians)', `${ratio.toFixed(2)}x (${ms(median(results[200]))} / ${ms(median(results[1]))} ms)`,
    `≤ ${SMOKE_RATIO_GOAL}x`, ratio <= SMOKE_RATIO_GOAL);
}

/** Every `assets/<name>/index.js` and `assets/handlers/<name>/index.js`, by a short name. */
function bundles(): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const base of ['assets', path.join('assets', 'handlers')]) {
    const dir = path.join(REPO_ROOT, base);
    // assets/cli is the release CLI, a program rather than a module to load: bench/release-cli.ts times it.
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).filter((entry) => base !== 'assets' || entry !== 'cli').sort() : []) {
      const file = path.join(dir, name, 'index.js');
      if (fs.existsSync(file)) {
        found.push([path.relative(path.join(REPO_ROOT, 'assets'), path.dirname(file)), file]);
      }
    }
  }
  return found;
}

/** Milliseconds to require `file` in a fresh process, measured inside that process. */
function loadTimeMs(file: string): number {
  const script = 'const t = process.hrtime.bigint(); require(process.argv[1]); '
    + 'process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));';
  const output = execFileSync(process.execPath, ['--no-deprecation', '--no-warnings', '-e', script, file], {
    encoding: 'utf8',
    env: { ...process.env, AWS_REGION: process.env.AWS_REGION ?? 'eu-west-1' },
  });
  return Number(output.trim());
}

function withBusyCpus<T>(fn: () => T): T {
  const busy: ChildProcess[] = os.cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  try {
    return fn();
  } finally {
    for (const child of busy) {
      child.kill();
    }
  }
}

function bundleBenchmarks(): void {
  console.log('\n## Handler bundles\n');
  const found = bundles();
  if (found.length === 0) {
    console.log('no bundles under assets/; run `npm run bundle` first');
    goal('bundles present', 'none', 'built', false);
    return;
  }
  const loads = (file: string) => Array.from({ length: LOAD_RUNS }, () => loadTimeMs(file));
  const idle = found.map(([, file]) => loads(file));
  const loaded = withBusyCpus(() => found.map(([, file]) => loads(file)));
  printTable(`require() of each bundle in a fresh node process, ${LOAD_RUNS} runs; under load = one busy-loop process per CPU (${os.cpus().length})`,
    ['bundle', 'size', 'idle min / median / max ms', 'under load min / median / max ms'],
    found.map(([name, file], i) => [name.startsWith('handlers/') ? name : `${name} (build program)`, kb(fs.statSync(file).size), spread(idle[i]), spread(loaded[i])]));
  // The goals are a Lambda cold start's: the build programs (assets/<name>, run once per release by
  // CodeBuild, whose Node.js has no SDK v3, so theirs is bundled in) are measured above, not held to them.
  const handlers = found.map((entry, i) => ({ entry, i })).filter(({ entry: [name] }) => name.startsWith('handlers/'));
  handlers.forEach(({ entry: [name, file] }) => {
    const size = fs.statSync(file).size;
    goal(`bundle size, ${name}`, kb(size), `≤ ${kb(SIZE_GOAL_BYTES)}`, size <= SIZE_GOAL_BYTES);
  });
  handlers.forEach(({ entry: [name], i }) => {
    const loadMs = median(loaded[i]);
    goal(`bundle module load under load (median), ${name}`, `${ms(loadMs)} ms`, `≤ ${LOAD_GOAL_MS} ms`, loadMs <= LOAD_GOAL_MS);
  });
}

export function runHookBenchmarks(dir: string): void {
  smokeTest(dir);
  bundleBenchmarks();
}
