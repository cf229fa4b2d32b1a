import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import {
  CodeDeployClient, GetDeploymentCommand, ListDeploymentsCommand, PutLifecycleEventHookExecutionStatusCommand, StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeTaskSetsCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand, Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { MIGRATION_CONFIG_ENV } from '../../contract/migration';
import { SMOKE_CHECKS_ENV, SMOKE_TEST_BASE_URL_ENV } from '../../contract/smoke-test';
import { TASK_SET_GUARD_CONFIG_ENV } from '../../contract/task-set-guard';
import { CapturedLogs, EVENT, awsError, captureLogs, expectSingleReport, fakeContext, stubDeploymentTarget } from './helpers';

/**
 * The bundles are what Lambda runs: these tests load `assets/handlers/<name>/index.js` as built by
 * `npm ci` (the prepare script), not the TypeScript sources the other handler tests import.
 */
const HANDLERS_DIR = path.join(__dirname, '..', '..', 'assets', 'handlers');
const SOURCES_DIR = path.join(__dirname, '..', '..', 'lambda');
const MAX_BUNDLE_BYTES = 150 * 1024;

const handlerNames = fs.readdirSync(SOURCES_DIR, { withFileTypes: true })
  // lambda/shared is the runtime the handlers bundle; artifact-writer and migration-dry-run are programs the builds run.
  .filter((entry) => entry.isDirectory() && !['shared', 'artifact-writer', 'migration-dry-run'].includes(entry.name) && fs.existsSync(path.join(SOURCES_DIR, entry.name, 'index.ts')))
  .map((entry) => entry.name);

function bundlePath(name: string): string {
  return path.join(HANDLERS_DIR, name, 'index.js');
}

describe('handler bundles', () => {
  test.each(handlerNames)('%s is bundled, small, self-contained and exports a handler', (name) => {
    const file = bundlePath(name);
    expect(fs.existsSync(file) ? file : `missing ${file}: run npm run bundle`).toBe(file);
    const source = fs.readFileSync(file, 'utf8');
    expect(source.length).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(source).not.toMatch(/require\(["']aws-cdk-lib/);
    // Only the AWS SDK (which the Lambda runtime provides) and Node built-ins stay external.
    const externals = [...source.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    for (const external of externals) {
      expect(external).toMatch(/^(@aws-sdk\/|@smithy\/|node:|[a-z_]+$)/);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(file) as { handler?: unknown };
    expect(typeof module.handler).toBe('function');
  });

  /**
   * Loading a bundle must not load an AWS SDK client package: each one costs tens of milliseconds
   * of a cold start, more on a busy host, and a handler loads a client on its first call only.
   * The SDK stays external to the bundles (the Lambda runtime provides it), so every client package
   * a bundle loads goes through Node's `Module._load`; a fresh process with a hook on it sees each
   * one, whatever the bundle's minified code looks like, and no module cache of Jest's is shared.
   * The hook's own catch of a direct require is checked too, so an empty list means nothing loaded.
   */
  test.each(handlerNames)('%s loads no SDK client package when the bundle is loaded', (name) => {
    const probe = `
      const Module = require('module');
      const loaded = [];
      const load = Module._load;
      Module._load = function (request, ...rest) {
        if (/^@aws-sdk\\/client-/.test(request)) loaded.push(request);
        return load.call(this, request, ...rest);
      };
      require(process.argv[1]);
      const atLoad = [...loaded];
      require('@aws-sdk/client-sns');
      console.log(JSON.stringify({ atLoad, control: loaded.slice(atLoad.length) }));`;
    const output = execFileSync(process.execPath, ['-e', probe, bundlePath(name)], {
      cwd: path.join(__dirname, '..', '..'), env: { ...process.env, NODE_NO_WARNINGS: '1', AWS_REGION: 'eu-west-1' }, encoding: 'utf8',
    });
    const { atLoad, control } = JSON.parse(output.trim().split('\n').pop() as string) as { atLoad: string[]; control: string[] };
    expect(control).toEqual(['@aws-sdk/client-sns']);
    expect(atLoad).toEqual([]);
  });

  describe('the bundled smoke test, against a real server', () => {
    const codeDeploy = mockClient(CodeDeployClient);
    let server: http.Server;
    let logs: CapturedLogs;

    beforeEach(async () => {
      codeDeploy.reset();
      codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
      server = http.createServer((req, res) => {
        res.writeHead(req.url === '/health' ? 200 : 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: req.url === '/health' ? 'ok' : 'broken' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      process.env[SMOKE_TEST_BASE_URL_ENV] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      logs = captureLogs();
    });

    afterEach(async () => {
      logs.restore();
      delete process.env[SMOKE_TEST_BASE_URL_ENV];
      delete process.env[SMOKE_CHECKS_ENV];
      await new Promise((resolve) => server.close(resolve));
    });

    function bundledHandler(): (event: unknown, context: unknown) => Promise<unknown> {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require(bundlePath('smoke-test')) as { handler: (event: unknown, context: unknown) => Promise<unknown> }).handler;
    }

    test('reports Succeeded once when the checks pass', async () => {
      process.env[SMOKE_CHECKS_ENV] = JSON.stringify([{ name: 'health', path: '/health', jsonFields: { status: 'ok' } }]);
      await bundledHandler()(EVENT, fakeContext());
      expectSingleReport(codeDeploy, 'Succeeded');
    });

    test('reports Failed once when a check fails', async () => {
      process.env[SMOKE_CHECKS_ENV] = JSON.stringify([{ name: 'orders', path: '/orders' }]);
      await bundledHandler()(EVENT, fakeContext());
      expectSingleReport(codeDeploy, 'Failed');
      expect(logs.raw()).toContain('500');
    });
  });

  describe('the bundled migration hook, its faults injected', () => {
    const codeDeploy = mockClient(CodeDeployClient);
    const ecs = mockClient(ECSClient);
    const taskArn = 'arn:aws:ecs:eu-west-1:111111111111:task/prod/abc';
    let logs: CapturedLogs;
    let events: string[];

    beforeEach(() => {
      codeDeploy.reset();
      ecs.reset();
      events = [];
      process.env[MIGRATION_CONFIG_ENV] = JSON.stringify({
        clusterArn: 'prod', serviceName: 'web', containerName: 'web', subnets: ['subnet-1'], securityGroups: [], pollIntervalSeconds: 30,
      });
      stubDeploymentTarget(codeDeploy, {
        taskSetsInfo: [{ identifer: 'ecs-svc/green', taskSetLabel: 'Green' }],
        lifecycleEvents: [{ lifecycleEventName: 'AfterInstall', status: 'InProgress' }],
      });
      codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake((input: { status: string }) => {
        events.push(`report ${input.status}`);
        return {};
      });
      ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ taskDefinition: 'web:42' }] });
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn, lastStatus: 'PROVISIONING' }] });
      ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn, lastStatus: 'RUNNING', containers: [{ name: 'web' }] }] });
      ecs.on(StopTaskCommand).callsFake(() => {
        events.push('stop');
        return {};
      });
      logs = captureLogs();
    });

    afterEach(() => {
      logs.restore();
      jest.useRealTimers();
      delete process.env[MIGRATION_CONFIG_ENV];
    });

    function bundledHandler(): (event: unknown, context: unknown) => Promise<{ verdict: string; report: string; reason?: string }> {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require(bundlePath('migration')) as { handler: (event: unknown, context: unknown) => Promise<never> }).handler;
    }

    /** Runs the bundle in a plain Node.js process, as Lambda does: its dynamic imports of SDK clients need one. */
    function runInNode(scenario: 'denied' | 'alias'): { result: { verdict: string; report: string; reason?: string }; events: string[]; invoked: string[] } {
      const output = execFileSync(process.execPath, [path.join(__dirname, 'bundle-runs', 'migration-handover.js'), bundlePath('migration'), scenario], {
        env: { ...process.env, NODE_NO_WARNINGS: '1' }, encoding: 'utf8',
      });
      return JSON.parse(output.trim().split('\n').pop() as string);
    }

    test('a denied hand-over stops the task, then reports Failed once', () => {
      const { result, events: seen } = runInNode('denied');

      expect(result.reason).toMatch(/^could not hand the hook over to a new invocation of .*: not authorized/);
      expect(seen).toEqual([`stop ${taskArn}`, 'report Failed']);
    });

    test('the hand-over invokes the alias it was invoked by', () => {
      const { result, events: seen, invoked } = runInNode('alias');

      expect(result.report).toBe('handed-over');
      expect(invoked).toEqual(['arn:aws:lambda:eu-west-1:111111111111:function:migration-fn:live']);
      expect(seen).toEqual([]);
    });

    test('a report throttled for the first 20 s of a 60 s function is accepted once, after the throttling', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
      const throttledUntil = Date.now() + 20_000;
      ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn, lastStatus: 'STOPPED', containers: [{ name: 'web', exitCode: 0 }] }] });
      const accepted: number[] = [];
      codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake(async () => {
        if (Date.now() < throttledUntil) {
          throw awsError('ThrottlingException', 400, 'Rate exceeded');
        }
        accepted.push(Date.now());
        return {};
      });

      // A continued run: the task is known, so the run only watches it.
      const continuation = { state: { taskArn, startedAt: new Date().toISOString() }, attempt: 1, startedAt: new Date().toISOString() };
      let settled = false;
      const done = bundledHandler()({ ...EVENT, continuation }, fakeContext(60_000, 'migration-fn')).finally(() => {
        settled = true;
      });
      for (let i = 0; i < 70 && !settled; i++) {
        await jest.advanceTimersByTimeAsync(1000);
      }

      await expect(done).resolves.toMatchObject({ verdict: 'Succeeded', report: 'reported' });
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toBeGreaterThanOrEqual(throttledUntil);
    });
  });

  describe('the bundled failed-task-set guard', () => {
    const codeDeploy = mockClient(CodeDeployClient);
    const ecs = mockClient(ECSClient);
    const cluster = 'arn:aws:ecs:eu-west-1:111111111111:cluster/prod';
    const failedGreenTask = (id: string): Task => ({
      taskArn: `arn:aws:ecs:eu-west-1:111111111111:task/prod/${id}`, clusterArn: cluster, group: 'service:web', startedBy: 'ecs-svc/green',
      lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: web:43 not found',
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:43', containers: [],
    });
    let logs: CapturedLogs;

    beforeEach(() => {
      codeDeploy.reset();
      ecs.reset();
      process.env[TASK_SET_GUARD_CONFIG_ENV] = JSON.stringify({ applicationName: 'app', deploymentGroupName: 'prod', clusterArn: cluster, serviceName: 'web' });
      codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-1'] });
      codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-1', status: 'InProgress', creator: 'user' } });
      stubDeploymentTarget(codeDeploy, { taskSetsInfo: [{ identifer: 'ecs-svc/green', taskSetLabel: 'Green' }], lifecycleEvents: [] });
      codeDeploy.on(StopDeploymentCommand).resolves({});
      logs = captureLogs();
    });

    afterEach(() => {
      logs.restore();
      delete process.env[TASK_SET_GUARD_CONFIG_ENV];
    });

    test('stops the deployment with rollback on the second failed green task', async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const bundled = (require(bundlePath('task-set-guard')) as { handler: (event: unknown, context: unknown) => Promise<{ verdict: string }> }).handler;
      const tasks = [failedGreenTask('a'), failedGreenTask('b')];
      ecs.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
      ecs.on(DescribeTasksCommand).resolves({ tasks });

      await expect(bundled({ detail: tasks[1] }, fakeContext())).resolves.toMatchObject({ verdict: 'stopped' });
      expect(codeDeploy.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input)).toEqual([{ deploymentId: 'd-1', autoRollbackEnabled: true }]);
      expect(logs.raw()).toContain('CannotPullContainerError');
    });
  });
});
