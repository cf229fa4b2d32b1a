import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DeregisterTaskDefinitionCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient,
  RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, Task,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { DRY_RUN_ENV, DRY_RUN_STARTED_BY, DRY_RUN_SUMMARY_MAX_LENGTH, MigrationDryRunConfig } from '../../../contract/migration-dry-run';
import { summaryOf } from '../../../lambda/migration-dry-run/dry-run';
import { DRY_RUN_FAILED, main } from '../../../lambda/migration-dry-run/index';
import { awsError } from '../helpers';

const ecs = mockClient(ECSClient);
const cloudWatchLogs = mockClient(CloudWatchLogsClient);

const CLUSTER = 'arn:aws:ecs:eu-west-1:111111111111:cluster/prod';
const TASK_ARN = 'arn:aws:ecs:eu-west-1:111111111111:task/prod/4f2b0c1d9e8a';
const CURRENT = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/orders:41';
const REGISTERED = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/orders:42';
const IMAGE = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/orders@sha256:4f1c7d2b9e8a6f5d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d';

const CONFIG: MigrationDryRunConfig = {
  clusterArn: CLUSTER,
  serviceName: 'orders',
  containerName: 'web',
  command: ['npm', 'run', 'migrate', '--', '--dry-run'],
  environment: [{ name: 'MIGRATION_LOCK', value: 'off' }],
  subnets: ['subnet-1', 'subnet-2'],
  securityGroups: ['sg-1'],
  platformVersion: '1.4.0',
  timeoutSeconds: 60,
  pollIntervalSeconds: 5,
  logGroupName: '/ecs/orders',
  logStreamPrefix: 'orders',
};

let dir: string;
let clock: number;
const options = () => ({ now: () => clock, sleep: async (ms: number) => { clock += ms; }, progress: () => undefined });

function env(config: Partial<MigrationDryRunConfig> = {}): NodeJS.ProcessEnv {
  return {
    [DRY_RUN_ENV.config]: JSON.stringify({ ...CONFIG, ...config }),
    [DRY_RUN_ENV.image]: IMAGE,
    [DRY_RUN_ENV.outputBucket]: 'artifacts-bucket',
    [DRY_RUN_ENV.outputObject]: 'migration-dry-runs/exec-1/Production.log',
    AWS_REGION: 'eu-west-1',
    CODEBUILD_SRC_DIR: dir,
  };
}

function args(): string[] {
  return ['--output', path.join(dir, 'out.log'), '--variables', path.join(dir, 'vars.env')];
}

/** The variables file, as the buildspec's bash sources it. */
function exported(): Record<string, string> {
  const result = spawnSync('bash', ['-c', `. "${path.join(dir, 'vars.env')}" && env -0`], { encoding: 'utf8', env: {} });
  return Object.fromEntries(result.stdout.split('\0').filter((l) => l.startsWith('DRY_RUN_')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** A stopped task; its container has no exit code with `exitCode` null (it never ran). */
function stopped(fields: Partial<Task> = {}, exitCode: number | null = 0): Task {
  return { taskArn: TASK_ARN, lastStatus: 'STOPPED', containers: [{ name: 'web', ...(exitCode === null ? {} : { exitCode }) }], ...fields };
}

/** The service's current task definition, as DescribeTaskDefinition answers it. */
function currentDefinition() {
  return {
    taskDefinitionArn: CURRENT, revision: 41, status: 'ACTIVE' as const, compatibilities: ['EC2' as const, 'FARGATE' as const], registeredAt: new Date(),
    requiresAttributes: [{ name: 'ecs.capability.execution-role-awslogs' }], registeredBy: 'arn:aws:iam::111111111111:role/deploy',
    family: 'orders', taskRoleArn: 'arn:aws:iam::111111111111:role/task', executionRoleArn: 'arn:aws:iam::111111111111:role/exec',
    networkMode: 'awsvpc' as const, cpu: '256', memory: '512', requiresCompatibilities: ['FARGATE' as const],
    containerDefinitions: [
      { name: 'web', image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/orders@sha256:old', essential: true },
      { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1', essential: false },
    ],
  };
}

beforeEach(() => {
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  ecs.reset();
  cloudWatchLogs.reset();
  clock = 1_000_000;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dry-run-'));
  ecs.on(DescribeServicesCommand).resolves({ services: [{ serviceName: 'orders', taskDefinition: CURRENT }] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: currentDefinition() });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: REGISTERED } });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }] });
  ecs.on(DescribeTasksCommand).resolvesOnce({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] }).resolves({ tasks: [stopped()] });
  ecs.on(StopTaskCommand).resolves({});
  ecs.on(DeregisterTaskDefinitionCommand).resolves({});
  cloudWatchLogs.on(GetLogEventsCommand)
    .resolvesOnce({ events: [{ message: 'Plan: 2 migrations' }, { message: 'ALTER TABLE orders ADD COLUMN note text' }], nextForwardToken: 'f/1' })
    .resolvesOnce({ events: [{ message: 'CREATE INDEX orders_note ON orders (note) -- it\'s online' }], nextForwardToken: 'f/2' })
    .resolves({ events: [], nextForwardToken: 'f/2' });
});

afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a dry run that passes', () => {
  test('runs the service\'s current task definition with the release\'s image and the dry-run command, and exports its summary', async () => {
    await expect(main(args(), env(), options())).resolves.toBe(0);

    const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input as unknown as Record<string, unknown>;
    for (const field of ['taskDefinitionArn', 'revision', 'status', 'compatibilities', 'registeredAt', 'requiresAttributes', 'registeredBy']) {
      expect(registered).not.toHaveProperty(field);
    }
    expect(registered).toMatchObject({
      family: 'orders', taskRoleArn: 'arn:aws:iam::111111111111:role/task',
      containerDefinitions: [{ name: 'web', image: IMAGE }, { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1' }],
    });
    expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).toEqual({
      cluster: CLUSTER, taskDefinition: REGISTERED, launchType: 'FARGATE', platformVersion: '1.4.0', count: 1, startedBy: DRY_RUN_STARTED_BY,
      clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
      overrides: { containerOverrides: [{ name: 'web', command: CONFIG.command, environment: CONFIG.environment }] },
    });
    expect(cloudWatchLogs.commandCalls(GetLogEventsCommand)[0].args[0].input)
      .toMatchObject({ logGroupName: '/ecs/orders', logStreamName: 'orders/web/4f2b0c1d9e8a', startFromHead: true });
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
    expect(ecs.commandCalls(DeregisterTaskDefinitionCommand)[0].args[0].input).toEqual({ taskDefinition: REGISTERED });

    expect(fs.readFileSync(path.join(dir, 'out.log'), 'utf8'))
      .toBe('Plan: 2 migrations\nALTER TABLE orders ADD COLUMN note text\nCREATE INDEX orders_note ON orders (note) -- it\'s online\n');
    const variables = exported();
    expect(variables.DRY_RUN_SUMMARY).toBe('The dry run passed (exit code 0). ALTER TABLE orders ADD COLUMN note text / '
      + 'CREATE INDEX orders_note ON orders (note) -- it\'s online');
    expect(variables.DRY_RUN_EXIT_CODE).toBe('0');
    expect(variables.DRY_RUN_OUTPUT_URI).toBe('s3://artifacts-bucket/migration-dry-runs/exec-1/Production.log');
    expect(variables.DRY_RUN_LOG_URL).toBe('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1'
      + '#logsV2:log-groups/log-group/$252Fecs$252Forders/log-events/orders$252Fweb$252F4f2b0c1d9e8a');
  });

  test('on the CodeDeploy engine, registers the stage\'s taskdef.json with the release\'s image, as CodeDeploy will', async () => {
    fs.writeFileSync(path.join(dir, 'taskdef.json'), JSON.stringify({
      family: 'orders', containerDefinitions: [{ name: 'web', image: '<IMAGE1_NAME>' }, { name: 'envoy', image: 'envoy:v1' }],
    }));

    await expect(main(args(), env({ taskDefinitionFile: 'taskdef.json', imagePlaceholder: '<IMAGE1_NAME>' }), options())).resolves.toBe(0);

    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(0);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input)
      .toEqual({ family: 'orders', containerDefinitions: [{ name: 'web', image: IMAGE }, { name: 'envoy', image: 'envoy:v1' }] });
  });

  test('a log that cannot be read still gives a result, which says so; the exit code decides', async () => {
    cloudWatchLogs.reset();
    cloudWatchLogs.on(GetLogEventsCommand).rejects(awsError('AccessDeniedException'));

    await expect(main(args(), env(), options())).resolves.toBe(0);

    expect(fs.readFileSync(path.join(dir, 'out.log'), 'utf8'))
      .toContain('(the output could not be read from /ecs/orders orders/web/4f2b0c1d9e8a: AccessDeniedException from the service)');
    expect(exported().DRY_RUN_SUMMARY).toBe('The dry run passed (exit code 0). (the output could not be read from /ecs/orders orders/web/4f2b0c1d9e8a: '
      + 'AccessDeniedException from the service)');
  });

  test('a stream that is still empty when the task stops is read again a little later', async () => {
    cloudWatchLogs.reset();
    cloudWatchLogs.on(GetLogEventsCommand).rejectsOnce(awsError('ResourceNotFoundException'))
      .resolvesOnce({ events: [{ message: 'Plan: nothing to migrate' }], nextForwardToken: 'f/1' }).resolves({ events: [], nextForwardToken: 'f/1' });

    await expect(main(args(), env(), options())).resolves.toBe(0);

    expect(exported().DRY_RUN_SUMMARY).toBe('The dry run passed (exit code 0). Plan: nothing to migrate');
  });

  test('a stream that never appears: the summary says so', async () => {
    cloudWatchLogs.reset();
    cloudWatchLogs.on(GetLogEventsCommand).rejects(awsError('ResourceNotFoundException'));
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped({ stoppedReason: 'CannotPullContainerError: pull access denied' }, null)] });

    await expect(main(args(), env(), options())).resolves.toBe(DRY_RUN_FAILED);

    expect(cloudWatchLogs.commandCalls(GetLogEventsCommand)).toHaveLength(3);
    expect(exported().DRY_RUN_SUMMARY).toMatch(/^The dry run failed \(container web has no exit code; stopped reason: CannotPullContainerError: pull access denied\)\. /);
  });
});

describe('a dry run that fails stops the release', () => {
  test('a non-zero exit: the program exits non-zero and says why, with the output', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped({ stoppedReason: 'Essential container in task exited' }, 3)] });
    await expect(main(args(), env(), options())).resolves.toBe(DRY_RUN_FAILED);

    const printed = jest.mocked(console.log).mock.calls.map((c) => String(c[0])).join('\n');
    expect(printed).toContain('migration dry run: the dry run failed (exit code 3; stopped reason: Essential container in task exited)');
    expect(printed).toContain('ALTER TABLE orders ADD COLUMN note text');
    expect(exported().DRY_RUN_EXIT_CODE).toBe('3');
  });

  test('a task that does not start: RunTask\'s failures are the reason, and nothing is stopped', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: 'arn:aws:ecs:eu-west-1:111111111111:container-instance/x', reason: 'RESOURCE:MEMORY' }] });

    await expect(main(args(), env(), options())).resolves.toBe(DRY_RUN_FAILED);

    expect(exported().DRY_RUN_SUMMARY).toBe('The dry-run task did not start: arn:aws:ecs:eu-west-1:111111111111:container-instance/x: RESOURCE:MEMORY.');
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
    expect(ecs.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(1);
  });

  test('a dry run that outlasts its timeout: the task is stopped and the build fails', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] });

    await expect(main(args(), env({ timeoutSeconds: 30 }), options())).resolves.toBe(DRY_RUN_FAILED);

    expect(ecs.commandCalls(StopTaskCommand)[0].args[0].input).toMatchObject({ cluster: CLUSTER, task: TASK_ARN });
    expect(ecs.commandCalls(DescribeTasksCommand).length).toBe(7);
    expect(exported().DRY_RUN_SUMMARY).toMatch(/^The dry run did not finish within 30 seconds and was stopped\. /);
    expect(exported().DRY_RUN_EXIT_CODE).toBe('none');
  });

  test('an AWS error while the task runs: the task is stopped, the revision removed, and the program exits 1 with the error', async () => {
    ecs.on(DescribeTasksCommand).rejects(awsError('AccessDeniedException'));
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    await expect(main(args(), env(), options())).resolves.toBe(1);

    expect(errors.mock.calls[0][0]).toBe('migration dry run: could not run: AccessDeniedException from the service');
    errors.mockRestore();
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(1);
    expect(ecs.commandCalls(DeregisterTaskDefinitionCommand)).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 'vars.env'))).toBe(false);
  });

  test('a stopped build: the task is stopped before the program ends', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'RUNNING' }] });
    const abort = new AbortController();
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    let polls = 0;

    const code = await main(args(), env(), { ...options(), signal: abort.signal, sleep: async () => { if (++polls === 2) abort.abort(new Error('the build was stopped')); } });

    errors.mockRestore();
    expect(code).toBe(1);
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(1);
  });

  test('throttling is retried, not a failure; a retried RunTask carries the same client token, so it starts one task', async () => {
    ecs.on(RunTaskCommand).rejectsOnce(awsError('ThrottlingException')).resolves({ tasks: [{ taskArn: TASK_ARN }] });

    await expect(main(args(), env(), options())).resolves.toBe(0);
    const tokens = ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input.clientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
  });

  test.each([
    ['no configuration', { [DRY_RUN_ENV.config]: undefined }, `${DRY_RUN_ENV.config} is not set`],
    ['no image', { [DRY_RUN_ENV.image]: undefined }, `${DRY_RUN_ENV.image} is not set`],
    ['no command', { [DRY_RUN_ENV.config]: JSON.stringify({ ...CONFIG, command: [] }) }, 'has no command'],
    ['a missing taskdef.json', { [DRY_RUN_ENV.config]: JSON.stringify({ ...CONFIG, taskDefinitionFile: 'taskdef.json' }) }, 'cannot read the task definition'],
  ])('bad input (%s) exits 1 without running a task', async (_name, overrides, message) => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    await expect(main(args(), { ...env(), ...overrides }, options())).resolves.toBe(1);

    expect(errors.mock.calls[0][0]).toContain(message);
    errors.mockRestore();
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });
});

describe('the summary', () => {
  test('fits the approval request: the verdict, then as many of the last lines as fit', () => {
    const output = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(30)}`).join('\n');
    const summary = summaryOf('the dry run passed (exit code 0)', output);
    expect(summary.length).toBeLessThanOrEqual(DRY_RUN_SUMMARY_MAX_LENGTH);
    expect(summary).toMatch(/^The dry run passed \(exit code 0\)\. line 48 x+ \/ line 49 x+$/);
  });

  test('a single long last line is shown by its end; control characters become spaces', () => {
    const summary = summaryOf('the dry run failed (exit code 1)', `\u001b[31merror\u001b[0m\t${'y'.repeat(400)}END`);
    expect(summary.length).toBe(DRY_RUN_SUMMARY_MAX_LENGTH);
    expect(summary).toMatch(/^The dry run failed \(exit code 1\)\. \.\.\.y+END$/);
  });
});
