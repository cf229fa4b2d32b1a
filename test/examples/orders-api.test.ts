/**
 * The example application (examples/orders-api) against what the example stack asks of it: its
 * server, run here on 127.0.0.1, passes the production target group's health check and the
 * production smoke checks exactly as the stack synthesizes them, run by the smoke test's own
 * check code; and with its failure switch on, both fail, as a release of a broken image would.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ExampleReleaseStack } from '../../bin/example-stack';
import { EXAMPLE_APPLICATION } from '../../bin/example-network';
import { SMOKE_LOAD_BALANCER_FULL_NAME_ENV, SMOKE_TEST_BASE_URL_ENV } from '../../contract/smoke-test';
import { createLogger } from '../../lambda/shared/logger';
import { readConfig } from '../../lambda/smoke-test/config';
import { createAgents } from '../../lambda/smoke-test/http';
import { CheckResult, runCheck } from '../../lambda/smoke-test/run';
import { SecretReader } from '../../lambda/smoke-test/secrets';
import { hookConfigOf } from '../hooks/util';
import { callScope } from '../lambda/helpers';

const RELEASE_VERSION = '1.4.2';

interface RunningServer {
  readonly url: string;
  readonly process: ChildProcess;
  readonly output: string[];
}

const running: RunningServer[] = [];

/** Starts the example's server on a free port; resolves once it says where it listens. */
function startExampleServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [path.join(EXAMPLE_APPLICATION, 'server.mjs')], {
    env: { PATH: process.env.PATH, PORT: '0', RELEASE_VERSION, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${output.join('')}`)), 10_000);
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${output.join('')}`)));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      const listening = output.join('').split('\n').map((line) => {
        try {
          return JSON.parse(line) as { message?: string; port?: number };
        } catch {
          return {};
        }
      }).find((line) => line.message === 'listening');
      if (listening?.port) {
        clearTimeout(timer);
        const server = { url: `http://127.0.0.1:${listening.port}`, process: child, output };
        running.push(server);
        resolve(server);
      }
    });
  });
}

/**
 * The server's request lines, once it logged `count`: it writes each after the response is sent,
 * so the last may reach this process after the client has its answer.
 */
async function loggedRequests(server: RunningServer, count: number): Promise<Array<{ path: string; version: string }>> {
  const parse = () => server.output.join('').split('\n').filter((line) => line.includes('"path"'))
    .map((line) => JSON.parse(line) as { path: string; version: string });
  for (const deadline = Date.now() + 5_000; parse().length < count && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return parse();
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => new Promise<void>((resolve) => {
    if (server.process.exitCode !== null || server.process.signalCode !== null) {
      resolve();
      return;
    }
    server.process.once('exit', () => resolve());
    server.process.kill('SIGKILL');
  })));
});

const app = new App({ builtinCloudFormationValidation: false });
const stack = new ExampleReleaseStack(app, 'OrdersApiRelease', { env: { region: 'eu-west-1' } });
const template = Template.fromStack(stack);

/** The production target groups' health check, as synthesized. */
function productionHealthCheck(): { path: string; passes: (status: number) => boolean } {
  const groups = Object.entries(template.findResources('AWS::ElasticLoadBalancingV2::TargetGroup'))
    .filter(([id]) => id.startsWith('Production'))
    .map(([, group]) => group.Properties as { HealthCheckPath: string; Matcher?: { HttpCode: string }; Port: number });
  expect(groups).toHaveLength(2);
  const [first] = groups;
  // The matcher's codes: `200`, `200,202` or `200-299`.
  const ranges = (first.Matcher?.HttpCode ?? '200').split(',').map((part) => part.split('-').map(Number));
  return { path: first.HealthCheckPath, passes: (status) => ranges.some(([low, high = low]) => status >= low && status <= high) };
}

/** Runs the production smoke checks, as the example stack configures them, against `baseUrl`. */
async function runProductionSmokeChecks(baseUrl: string, options: { retries?: boolean } = {}): Promise<CheckResult[]> {
  const synthesized = hookConfigOf(stack, template, stack.production, 'smoke-test');
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(synthesized).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  // Here the checks reach the server directly, not the load balancer's private addresses.
  delete env[SMOKE_LOAD_BALANCER_FULL_NAME_ENV];
  env[SMOKE_TEST_BASE_URL_ENV] = baseUrl;
  const read = readConfig(env);
  // A failing check is retried with growing waits; where a test expects the failure, once is enough.
  const config = options.retries === false ? { ...read, checks: read.checks.map((check) => ({ ...check, attempts: 1 })) } : read;
  const { scope } = callScope(30_000);
  const signal = new AbortController().signal;
  const agents = createAgents(config.concurrency);
  try {
    return await Promise.all(config.checks.map((check, index) => runCheck(check, index, {
      config,
      agents,
      secrets: new SecretReader(scope),
      // The release being deployed: what the pipeline sets RELEASE_VERSION to in its task definition.
      deployedVersions: { read: async (variable) => ({ value: RELEASE_VERSION, source: `${variable} of the release's task definition` }) },
      signal,
      logger: createLogger({}, () => undefined),
    })));
  } finally {
    agents.destroy();
  }
}

describe('the example application', () => {
  test('listens on the port the example services give as containerPort, as its Dockerfile says', () => {
    const dockerfile = fs.readFileSync(path.join(EXAMPLE_APPLICATION, 'Dockerfile'), 'utf8');
    const containers = Object.values(template.findResources('AWS::ECS::TaskDefinition'))
      .flatMap((definition) => (definition.Properties.ContainerDefinitions as Array<{ PortMappings: Array<{ ContainerPort: number }> }>));
    const ports = new Set(containers.flatMap((container) => container.PortMappings.map((mapping) => mapping.ContainerPort)));
    expect([...ports]).toEqual([8080]);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/^ENV PORT=8080\b/m);
    expect(dockerfile).toMatch(/^CMD \["node", "server\.mjs"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    // Every file the image copies exists: a missing one fails the image build at `cdk deploy`.
    const copied = /^COPY (.+) \.\/$/m.exec(dockerfile)![1].split(' ');
    expect(copied.filter((file) => !fs.existsSync(path.join(EXAMPLE_APPLICATION, file)))).toEqual([]);
    // The migration hook's command runs in the image: `npm run db:migrate` needs the script.
    const scripts = (JSON.parse(fs.readFileSync(path.join(EXAMPLE_APPLICATION, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(Object.keys(scripts)).toEqual(expect.arrayContaining(['start', 'db:migrate']));
  });

  test('passes the production target group\'s health check and every production smoke check', async () => {
    const server = await startExampleServer();
    const health = productionHealthCheck();
    expect(health.path).toBe('/health');
    const response = await fetch(`${server.url}${health.path}`);
    expect(health.passes(response.status)).toBe(true);

    const results = await runProductionSmokeChecks(server.url);
    expect(results.map((result) => result.check.name)).toHaveLength(3);
    expect(results.filter((result) => result.verdict !== 'pass')).toEqual([]);
    // One JSON log line per request, with the version it answered.
    const requests = await loggedRequests(server, 4);
    expect(requests.map((request) => request.path)).toEqual(expect.arrayContaining(['/health', '/orders?limit=1', '/version']));
    expect(new Set(requests.map((request) => request.version))).toEqual(new Set([RELEASE_VERSION]));
  });

  test('fails the health check and the smoke checks with FAIL_HEALTH=true, as a broken release would', async () => {
    const server = await startExampleServer({ FAIL_HEALTH: 'true' });
    const response = await fetch(`${server.url}${productionHealthCheck().path}`);
    expect(productionHealthCheck().passes(response.status)).toBe(false);
    const results = await runProductionSmokeChecks(server.url, { retries: false });
    const failed = results.filter((result) => result.verdict === 'fail');
    expect(failed.map((result) => result.check.url.pathname)).toEqual(['/health']);
  });

  test('answers another version than the release expects with a failed version check', async () => {
    const server = await startExampleServer({ RELEASE_VERSION: '1.4.1' });
    const failed = (await runProductionSmokeChecks(server.url, { retries: false })).filter((result) => result.verdict === 'fail');
    expect(failed.map((result) => [result.check.url.pathname, result.verdict === 'fail' && result.reason]))
      .toEqual([['/version', expect.stringContaining('1.4.1')]]);
  });

  test('exits 0 on SIGTERM, as ECS stops a drained task', async () => {
    const server = await startExampleServer();
    running.splice(running.indexOf(server), 1);
    const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
    server.process.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
