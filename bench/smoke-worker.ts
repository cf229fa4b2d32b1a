/**
 * Runs in a fresh node process (spawned by hooks.ts): the smoke-test handler against a real HTTP
 * server on 127.0.0.1, in a process of its own, that answers each check after a fixed delay, with
 * 1, 50 and 200 checks.
 * Each scenario is warmed up once (module, HTTP agent, JIT) before its timed runs; CodeDeploy is
 * mocked. Prints the handler's log lines, then one JSON line: milliseconds of each timed run per check count.
 */
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { spawn } from 'child_process';
import { SMOKE_CHECKS_ENV, SMOKE_CONCURRENCY_ENV, SMOKE_TEST_BASE_URL_ENV, SMOKE_TEST_LIMITS, SmokeCheckSpec } from '../contract/smoke-test';

export const SERVER_DELAY_MS = 100;
export const CHECK_COUNTS = [1, 50, 200];
/**
 * Every check at once (the runtime's limit): the goal is that 200 checks cost at most twice one,
 * which the default of 50 at a time cannot give, as it runs 200 checks in four waves.
 */
export const BENCH_CONCURRENCY = SMOKE_TEST_LIMITS.maxConcurrency;
const RUNS = process.env.BENCH_QUICK === '1' ? 3 : 7;

/**
 * The service under test, in a process of its own as it is on its own hosts: in the handler's
 * process its request handling would be counted as the smoke test's.
 */
const SERVER_SOURCE = `
const http = require('http');
const server = http.createServer((request, response) => {
  request.resume();
  setTimeout(() => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"status":"UP"}');
  }, ${SERVER_DELAY_MS});
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0)).resume();
`;

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', SERVER_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the test server exited (${code}) before listening`)));
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { port, stop: () => child.kill() };
}

async function main(): Promise<Record<string, number[]>> {
  const server = await startServer();
  const codeDeploy = mockClient(CodeDeployClient);
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  // The handler logs a line per check at the level a deployed hook logs at (info): writing them is
  // part of what a check costs. The bench reads only the last line, the results.
  delete process.env.LOG_LEVEL;
  delete process.env.AWS_LAMBDA_LOG_LEVEL;
  process.env[SMOKE_CONCURRENCY_ENV] = String(BENCH_CONCURRENCY);
  process.env[SMOKE_TEST_BASE_URL_ENV] = `http://127.0.0.1:${server.port}`;
  try {
    // Imported here so the environment above is in place when the module loads.
    const { handler } = await import('../lambda/smoke-test');
    const results: Record<string, number[]> = {};
    for (const count of CHECK_COUNTS) {
      const checks: SmokeCheckSpec[] = Array.from({ length: count }, (_, index) => ({
        name: `check-${index + 1}`, path: `/check/${index + 1}`, jsonFields: { status: 'UP' },
      }));
      process.env[SMOKE_CHECKS_ENV] = JSON.stringify(checks);
      results[count] = [];
      for (let run = 0; run <= RUNS; run++) {
        codeDeploy.resetHistory();
        const deadline = Date.now() + 60_000;
        const started = performance.now();
        const summary = await handler({ DeploymentId: 'd-BENCH', LifecycleEventHookExecutionId: `bench-${run}` },
          { functionName: 'bench-smoke-test', getRemainingTimeInMillis: () => deadline - Date.now() });
        const elapsed = performance.now() - started;
        if (summary.verdict !== 'Succeeded' || codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).length !== 1) {
          throw new Error(`smoke-test run did not succeed: ${JSON.stringify(summary)}`);
        }
        if (run > 0) {
          results[count].push(elapsed);
        }
      }
    }
    return results;
  } finally {
    codeDeploy.restore();
    server.stop();
  }
}

// hooks.ts imports the constants above; only a process started on this file runs the checks.
if (require.main === module) {
  main().then((results) => process.stdout.write(`${JSON.stringify(results)}\n`)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
