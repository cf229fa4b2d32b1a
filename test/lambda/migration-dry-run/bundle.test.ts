/**
 * The bundled dry-run program, `assets/migration-dry-run/index.js`, is what the pipeline's build
 * runs with CodeBuild's Node.js, which has no AWS SDK v3: these tests run it in a plain Node.js
 * process against a real HTTP server on 127.0.0.1 that answers the ECS and CloudWatch Logs APIs.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { DRY_RUN_ENV, MigrationDryRunConfig } from '../../../contract/migration-dry-run';

const BUNDLE = path.join(__dirname, '..', '..', '..', 'assets', 'migration-dry-run', 'index.js');
const TASK_ARN = 'arn:aws:ecs:eu-west-1:111111111111:task/prod/4f2b0c1d9e8a';
const IMAGE = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/orders@sha256:4f1c7d2b9e8a6f5d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';

type Answer = (input: Record<string, unknown>) => unknown;

/** An ECS and CloudWatch Logs endpoint: answers each operation (`X-Amz-Target`) by `answers`, and records the calls. */
async function endpoint(answers: Record<string, Answer>): Promise<{ url: string; calls: Array<{ operation: string; input: Record<string, unknown> }>; close(): Promise<void> }> {
  const calls: Array<{ operation: string; input: Record<string, unknown> }> = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const input = JSON.parse(body || '{}') as Record<string, unknown>;
      calls.push({ operation, input });
      const answer = answers[operation];
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (!answer) {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'AccessDeniedException', message: `not allowed: ${operation}` }));
        return;
      }
      response.end(JSON.stringify(answer(input)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dry-run-bundle-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function runBundle(url: string, config: Partial<MigrationDryRunConfig> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const full: MigrationDryRunConfig = {
    clusterArn: 'arn:aws:ecs:eu-west-1:111111111111:cluster/prod', serviceName: 'orders', containerName: 'web',
    command: ['npm', 'run', 'migrate', '--', '--dry-run'], subnets: ['subnet-1'], securityGroups: ['sg-1'],
    timeoutSeconds: 60, pollIntervalSeconds: 0.05, logGroupName: '/ecs/orders', logStreamPrefix: 'orders', ...config,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [BUNDLE, '--output', path.join(dir, 'out.log'), '--variables', path.join(dir, 'vars.env')], {
      env: {
        PATH: process.env.PATH, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL: url,
        [DRY_RUN_ENV.config]: JSON.stringify(full), [DRY_RUN_ENV.image]: IMAGE,
        [DRY_RUN_ENV.outputBucket]: 'artifacts', [DRY_RUN_ENV.outputObject]: 'migration-dry-runs/e-1/Production.log',
      },
      timeout: 30_000,
    }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

const base: Record<string, Answer> = {
  DescribeServices: () => ({ services: [{ serviceName: 'orders', taskDefinition: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/orders:41' }] }),
  DescribeTaskDefinition: () => ({ taskDefinition: { family: 'orders', revision: 41, status: 'ACTIVE', containerDefinitions: [{ name: 'web', image: 'old' }] } }),
  RegisterTaskDefinition: () => ({ taskDefinition: { taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/orders:42' } }),
  RunTask: () => ({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] }),
  DeregisterTaskDefinition: () => ({}),
  StopTask: () => ({}),
  GetLogEvents: (input) => (input.nextToken ? { events: [], nextForwardToken: 'f/1' }
    : { events: [{ timestamp: 1, message: 'Plan: ALTER TABLE orders ADD COLUMN note text' }], nextForwardToken: 'f/1' }),
};

describe('the bundled dry-run program', () => {
  test('exists, and bundles the SDK clients it calls (CodeBuild\'s Node.js has none)', () => {
    const source = fs.readFileSync(BUNDLE, 'utf8');
    const required = [...new Set([...source.matchAll(/require\("(@(?:aws-sdk|smithy)\/[^"]+)"\)/g)].map((m) => m[1]))];
    // The CRT signer is an optional require of the SDK, for SigV4a only, which these APIs do not use.
    expect(required).toEqual(['@aws-sdk/signature-v4-crt']);
    expect(source.length).toBeLessThan(1024 * 1024);
  });

  test('a dry run that passes exits 0 and writes the output and the variables', async () => {
    const server = await endpoint({ ...base, DescribeTasks: () => ({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'STOPPED', containers: [{ name: 'web', exitCode: 0 }] }] }) });
    try {
      const result = await runBundle(server.url);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('migration dry run: the dry run passed (exit code 0)');
      expect(fs.readFileSync(path.join(dir, 'out.log'), 'utf8')).toBe('Plan: ALTER TABLE orders ADD COLUMN note text\n');
      expect(fs.readFileSync(path.join(dir, 'vars.env'), 'utf8'))
        .toContain('export DRY_RUN_SUMMARY=\'The dry run passed (exit code 0). Plan: ALTER TABLE orders ADD COLUMN note text\'\n');
      const run = server.calls.find((c) => c.operation === 'RunTask')!.input;
      expect(run).toMatchObject({ startedBy: 'cdk-ecs-release-dry-run', overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate', '--', '--dry-run'] }] } });
      expect(server.calls.find((c) => c.operation === 'RegisterTaskDefinition')!.input)
        .toEqual({ family: 'orders', containerDefinitions: [{ name: 'web', image: IMAGE }] });
      expect(server.calls.map((c) => c.operation)).toContain('DeregisterTaskDefinition');
    } finally {
      await server.close();
    }
  });

  test('a dry run that exits non-zero exits 2, which fails the build', async () => {
    const server = await endpoint({ ...base, DescribeTasks: () => ({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'STOPPED', containers: [{ name: 'web', exitCode: 1 }] }] }) });
    try {
      const result = await runBundle(server.url);

      expect(result.code).toBe(2);
      expect(result.stdout).toContain('migration dry run: the dry run failed (exit code 1)');
    } finally {
      await server.close();
    }
  });

  test('a dry run that outlasts its timeout stops its task and exits 2', async () => {
    const server = await endpoint({ ...base, DescribeTasks: () => ({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] }) });
    try {
      const result = await runBundle(server.url, { timeoutSeconds: 2 });

      expect(result.code).toBe(2);
      expect(result.stdout).toContain('did not finish within 2 seconds and was stopped');
      expect(server.calls.find((c) => c.operation === 'StopTask')!.input).toMatchObject({ task: TASK_ARN });
    } finally {
      await server.close();
    }
  });

  test('an AWS error it cannot get past (access denied) exits 1 with the error', async () => {
    const rest = Object.fromEntries(Object.entries(base).filter(([operation]) => operation !== 'RegisterTaskDefinition'));
    const server = await endpoint({ ...rest, DescribeTasks: () => ({}) });
    try {
      const result = await runBundle(server.url);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain('migration dry run: could not run: not allowed: RegisterTaskDefinition');
      expect(server.calls.map((c) => c.operation)).not.toContain('RunTask');
    } finally {
      await server.close();
    }
  });
});
