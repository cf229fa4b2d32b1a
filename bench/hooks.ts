/**
 * Hook benchmarks: how the smoke test scales with the number of checks (they run concurrently,
 * so 50 checks should cost little more than one), and what each bundled handler weighs and
 * takes to load on a cold start.
 *
 * Run alone with `npx ts-node --prefer-ts-exts bench/hooks.ts`, or with the others via `npm run bench`.
 */
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { SMOKE_CHECKS_ENV, SMOKE_TEST_BASE_URL_ENV, SmokeCheckSpec } from '../contract/smoke-test';

const SERVER_DELAY_MS = 100;
const RUNS = 5;
const LOAD_RUNS = 5;
const RATIO_GOAL = 1.5;
const HANDLERS_DIR = path.resolve(__dirname, '..', 'assets', 'handlers');

export async function runHookBenchmarks(): Promise<void> {
  console.log('\n## Hooks\n');
  await benchmarkSmokeTest();
  benchmarkBundles();
}

async function benchmarkSmokeTest(): Promise<void> {
  const server = http.createServer((_request, response) => {
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"status":"UP"}');
    }, SERVER_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const codeDeploy = mockClient(CodeDeployClient);
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  const saved = { ...process.env };
  // The handler logs one line per check; keep the benchmark's output readable.
  process.env.LOG_LEVEL = 'error';
  process.env[SMOKE_TEST_BASE_URL_ENV] = baseUrl;

  try {
    // Imported here so the environment above is in place when the module loads.
    const { handler } = await import('../lambda/smoke-test');
    const context = () => {
      const deadline = Date.now() + 60_000;
      return { functionName: 'bench-smoke-test', getRemainingTimeInMillis: () => deadline - Date.now() };
    };
    const runScenario = async (checkCount: number): Promise<number[]> => {
      const checks: SmokeCheckSpec[] = Array.from({ length: checkCount }, (_, index) => ({
        name: `check-${index + 1}`, path: `/check/${index + 1}`, jsonFields: { status: 'UP' },
      }));
      process.env[SMOKE_CHECKS_ENV] = JSON.stringify(checks);
      const times: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        codeDeploy.resetHistory();
        const started = performance.now();
        const summary = await handler({ DeploymentId: 'd-BENCH', LifecycleEventHookExecutionId: `bench-${run}` }, context());
        const elapsed = performance.now() - started;
        if (summary.verdict !== 'Succeeded' || codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).length !== 1) {
          throw new Error(`smoke-test benchmark run did not succeed: ${JSON.stringify(summary)}`);
        }
        // The first run warms the module, the agent and the JIT up; it is not counted.
        if (run > 0) {
          times.push(elapsed);
        }
      }
      return times;
    };

    const one = await runScenario(1);
    const fifty = await runScenario(50);
    const ratio = median(fifty) / median(one);
    printTable(
      ['smoke test', 'checks', 'median ms', 'min ms', 'max ms'],
      [
        ['1 check', '1', fmt(median(one)), fmt(Math.min(...one)), fmt(Math.max(...one))],
        ['50 checks', '50', fmt(median(fifty)), fmt(Math.min(...fifty)), fmt(Math.max(...fifty))],
      ],
    );
    console.log(`server answers in ${SERVER_DELAY_MS} ms; ${RUNS} runs each after one warm-up; `
      + `50 checks / 1 check = ${ratio.toFixed(2)}× (goal ≤ ${RATIO_GOAL}×: ${ratio <= RATIO_GOAL ? 'met' : 'MISSED'})\n`);
  } finally {
    codeDeploy.restore();
    process.env = saved;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function benchmarkBundles(): void {
  const names = fs.existsSync(HANDLERS_DIR)
    ? fs.readdirSync(HANDLERS_DIR).filter((name) => fs.existsSync(path.join(HANDLERS_DIR, name, 'index.js'))).sort()
    : [];
  if (names.length === 0) {
    console.log(`no bundles in ${path.relative(process.cwd(), HANDLERS_DIR)}; run \`npm run bundle\` first\n`);
    return;
  }
  const rows = names.map((name) => {
    const file = path.join(HANDLERS_DIR, name, 'index.js');
    const sizeKb = fs.statSync(file).size / 1024;
    const loads = Array.from({ length: LOAD_RUNS }, () => loadTimeMs(file));
    return [name, sizeKb.toFixed(1), fmt(median(loads)), fmt(Math.min(...loads)), fmt(Math.max(...loads))];
  });
  printTable(['bundle', 'size KB', 'load median ms', 'min ms', 'max ms'], rows);
  console.log('load = require() of the bundle in a fresh node process (the AWS SDK clients it requires included), '
    + `median of ${LOAD_RUNS}\n`);
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function fmt(ms: number): string {
  return ms.toFixed(1);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`);
  rows.forEach((row) => console.log(line(row)));
}

if (require.main === module) {
  runHookBenchmarks().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
