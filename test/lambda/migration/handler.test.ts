import {
  CodeDeployClient,
  ECSTarget,
  GetDeploymentTargetCommand,
  LifecycleEventAlreadyCompletedException,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import {
  DescribeServiceRevisionsCommand,
  DescribeTaskSetsCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  Task,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { HOOK_TOTAL_TIMEOUT_SECONDS_ENV } from '../../../contract/hook';
import { MIGRATION_CONFIG_ENV, MigrationHookConfig } from '../../../contract/migration';
import { ecsHandler, handler } from '../../../lambda/migration';
import {
  CapturedLogs, EVENT, captureHookResults, captureLogs, decisionLines, expectHandedOver, expectSingleReport, fakeContext, reportedStatuses,
  stubDeploymentTarget,
} from '../helpers';

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const lambda = mockClient(LambdaClient);

const CLUSTER = 'arn:aws:ecs:eu-west-1:111111111111:cluster/prod';
const TASK_ARN = 'arn:aws:ecs:eu-west-1:111111111111:task/prod/4f2b0c1d9e8a';
const GREEN_TASK_DEF = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:42';
const context = (remainingMs?: number) => fakeContext(remainingMs, 'migration-fn');

function configure(overrides: Partial<MigrationHookConfig> = {}) {
  const config: MigrationHookConfig = {
    clusterArn: CLUSTER,
    serviceName: 'web',
    containerName: 'web',
    command: ['npm', 'run', 'migrate'],
    subnets: ['subnet-1', 'subnet-2'],
    securityGroups: ['sg-1'],
    platformVersion: 'LATEST',
    pollIntervalSeconds: 0.01,
    logGroupName: '/ecs/web',
    logStreamPrefix: 'web',
    ...overrides,
  };
  process.env[MIGRATION_CONFIG_ENV] = JSON.stringify(config);
}

function task(fields: Partial<Task>): Task {
  return { taskArn: TASK_ARN, createdAt: new Date(), lastStatus: 'RUNNING', containers: [{ name: 'web' }], ...fields };
}

const TASK_SETS: ECSTarget['taskSetsInfo'] = [
  { identifer: 'ecs-svc/blue', taskSetLabel: 'Blue' },
  { identifer: 'ecs-svc/green', taskSetLabel: 'Green' },
];

/** The deployment's target with AfterInstall (and the events around it) in the given state. */
function targetWithAfterInstall(status: string | undefined): ECSTarget {
  const afterInstall = status === undefined ? [] : [{ lifecycleEventName: 'AfterInstall', status, startTime: new Date() }];
  return {
    taskSetsInfo: TASK_SETS,
    lifecycleEvents: [
      { lifecycleEventName: 'BeforeInstall', status: 'Succeeded' },
      { lifecycleEventName: 'Install', status: 'Succeeded' },
      ...afterInstall,
      { lifecycleEventName: 'AllowTestTraffic', status: 'Pending' },
    ],
  } as ECSTarget;
}

const stopped = (exitCode: number) => task({
  lastStatus: 'STOPPED',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'web', exitCode }],
});

let logs: CapturedLogs;

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
  lambda.reset();
  configure();
  process.env.AWS_REGION = 'eu-west-1';
  logs = captureLogs();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  stubDeploymentTarget(codedeploy, targetWithAfterInstall('InProgress'));
  ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ id: 'ecs-svc/green', taskDefinition: GREEN_TASK_DEF }] });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(RunTaskCommand).resolves({ tasks: [task({ lastStatus: 'PROVISIONING' })], failures: [] });
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});

afterEach(() => {
  logs.restore();
});

test('exit code 0 succeeds; the task runs the green task definition with the command override', async () => {
  ecs.on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [task({ lastStatus: 'PENDING' })] })
    .resolvesOnce({ tasks: [task({ lastStatus: 'RUNNING' })] })
    .resolves({ tasks: [stopped(0)] });

  const result = await handler(EVENT, context());

  expect(result).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(ecs.commandCalls(DescribeTaskSetsCommand)[0].args[0].input).toEqual({
    cluster: CLUSTER, service: 'web', taskSets: ['ecs-svc/green'],
  });
  const runs = ecs.commandCalls(RunTaskCommand);
  expect(runs).toHaveLength(1);
  expect(runs[0].args[0].input).toEqual({
    cluster: CLUSTER,
    taskDefinition: GREEN_TASK_DEF,
    count: 1,
    launchType: 'FARGATE',
    platformVersion: 'LATEST',
    networkConfiguration: {
      awsvpcConfiguration: { subnets: ['subnet-1', 'subnet-2'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
    },
    overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
    startedBy: 'd-ABCDEF123',
    tags: [{ key: 'cdk-ecs-release:deployment-id', value: 'd-ABCDEF123' }],
    clientToken: 'migration-d-ABCDEF123',
  });
  expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(3);
  expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
  expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
});

test('a non-zero exit fails, naming the exit code and the log stream', async () => {
  ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped(1)] });

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toContain('container web exited with code 1');
  expect(result.reason).toContain('stopped reason: Essential container in task exited');
  expect(result.reason).toContain('logs: /ecs/web web/web/4f2b0c1d9e8a');
  expect(result.reason).toContain('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:');
  expect(decisionLines(logs)).toEqual([
    expect.objectContaining({ check: 'migration', verdict: 'fail', taskArn: TASK_ARN, deploymentId: EVENT.DeploymentId }),
  ]);
});

test('the result goes to the deployment record: one event once the task ended, none while it ran, with its exit code and logs', async () => {
  const eventBridge = mockClient(EventBridgeClient);
  const results = captureHookResults(eventBridge);
  try {
    ecs.on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [task({ lastStatus: 'PENDING' })] })
      .resolvesOnce({ tasks: [task({ lastStatus: 'RUNNING' })] })
      .resolves({ tasks: [stopped(1)] });

    const result = await handler(EVENT, context());

    expectSingleReport(codedeploy, 'Failed');
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(3);
    expect(results.details()).toEqual([expect.objectContaining({
      hookKind: 'migration', status: 'FAILED', summary: result.reason, exitCode: 1,
      logUrl: expect.stringMatching(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#logsV2:log-groups\/log-group\/\$252Fecs\$252Fweb\//),
    })]);
  } finally {
    results.restore();
    eventBridge.restore();
  }
});

test('RunTask failures (no capacity) fail with the reason, without polling', async () => {
  ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: CLUSTER, reason: 'RESOURCE:MEMORY' }] });

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toBe(`migration task could not start from ${GREEN_TASK_DEF}: RESOURCE:MEMORY`);
  expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
});

test('a task that fails to start (image cannot be pulled) fails with the stopped reason', async () => {
  ecs.on(DescribeTasksCommand).resolves({
    tasks: [task({
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found',
      containers: [{ name: 'web', reason: 'CannotPullContainerError' }],
    })],
  });

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toContain('container web has no exit code');
  expect(result.reason).toContain('stop code TaskFailedToStart');
  expect(result.reason).toContain('CannotPullContainerError: pull image manifest');
});

test('a task that never stops is stopped at the total deadline and fails', async () => {
  configure({ totalDeadlineSeconds: 0.3, pollIntervalSeconds: 0.02 });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [task({ lastStatus: 'RUNNING' })] });
  ecs.on(StopTaskCommand).resolves({ task: task({ lastStatus: 'RUNNING', desiredStatus: 'STOPPED' }) });

  const started = Date.now();
  const result = await handler(EVENT, context());

  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toMatch(/^migration did not finish within 0\.3 s \(task RUNNING\); stopped it; logs: \/ecs\/web/);
  const stops = ecs.commandCalls(StopTaskCommand);
  expect(stops).toHaveLength(1);
  expect(stops[0].args[0].input).toMatchObject({ cluster: CLUSTER, task: TASK_ARN });
  expect(stops[0].args[0].input.reason).toContain('migration deadline');
  expect(ecs.commandCalls(DescribeTasksCommand).length).toBeGreaterThan(3);
});

describe('a Failed report never leaves the migration running', () => {
  test('a body that hangs past the deadline after starting the task: one Failed report, one StopTask', async () => {
    // DescribeTasks never answers, so only the runtime's deadline ends the run.
    ecs.on(DescribeTasksCommand).callsFake(() => new Promise<never>(() => undefined));
    ecs.on(StopTaskCommand).resolves({ task: task({ desiredStatus: 'STOPPED' }) });

    const result = await handler(EVENT, context(1000));

    expect(result).toMatchObject({ verdict: 'Failed', report: 'reported' });
    expect(result.reason).toMatch(/^hook deadline reached after .*; waiting for migration task /);
    expectSingleReport(codedeploy, 'Failed');
    const stops = ecs.commandCalls(StopTaskCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0].args[0].input).toMatchObject({ cluster: CLUSTER, task: TASK_ARN });
    expect(stops[0].args[0].input.reason).toMatch(/^cdk-ecs-release: hook failed: hook deadline reached/);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  test('a deadline while RunTask is unanswered stops the task found by its startedBy', async () => {
    ecs.on(RunTaskCommand).callsFake(() => new Promise<never>(() => undefined));
    ecs.on(ListTasksCommand)
      .resolvesOnce({ taskArns: [] })
      .resolvesOnce({ taskArns: [] })
      .resolves({ taskArns: [TASK_ARN] });
    ecs.on(StopTaskCommand).resolves({});

    const result = await handler(EVENT, context(1000));

    expect(result).toMatchObject({ verdict: 'Failed' });
    expectSingleReport(codedeploy, 'Failed');
    expect(ecs.commandCalls(ListTasksCommand)[2].args[0].input).toEqual({ cluster: CLUSTER, startedBy: 'd-ABCDEF123' });
    expect(ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input.task)).toEqual([TASK_ARN]);
  });

  test('an error while following the task stops it before the Failed report', async () => {
    ecs.on(DescribeTasksCommand).rejects(Object.assign(new Error('not authorized to describe tasks'), { name: 'AccessDeniedException' }));
    ecs.on(StopTaskCommand).resolves({});

    const result = await handler(EVENT, context());

    expect(result.reason).toBe('not authorized to describe tasks');
    expectSingleReport(codedeploy, 'Failed');
    const stops = ecs.commandCalls(StopTaskCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0].args[0].input).toMatchObject({
      cluster: CLUSTER, task: TASK_ARN, reason: 'cdk-ecs-release: hook failed: not authorized to describe tasks',
    });
  });

  test('a task that stopped by itself is not stopped again', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped(1)] });

    await handler(EVENT, context());

    expectSingleReport(codedeploy, 'Failed');
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
  });
});

test('a task is stopped before the hook\'s total time runs out, whatever its own deadline', async () => {
  // The migration keeps 15 s in reserve before the hook's total time, so 15.3 s leaves it about 0.3 s.
  process.env[HOOK_TOTAL_TIMEOUT_SECONDS_ENV] = '15.3';
  configure({ totalDeadlineSeconds: 3600, pollIntervalSeconds: 0.02 });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [task({ lastStatus: 'RUNNING' })] });
  ecs.on(StopTaskCommand).resolves({});

  try {
    const result = await handler(EVENT, context());

    expectSingleReport(codedeploy, 'Failed');
    expect(result.reason).toMatch(/^migration did not finish within 0\.\d s \(task RUNNING\); stopped it/);
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(1);
  } finally {
    delete process.env[HOOK_TOTAL_TIMEOUT_SECONDS_ENV];
  }
});

test('a migration longer than one invocation continues in a fresh one and starts only one task', async () => {
  configure({ pollIntervalSeconds: 0.6 });
  ecs.on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [task({ lastStatus: 'RUNNING' })] })
    .resolves({ tasks: [stopped(0)] });

  // A short-lived function: after the first poll there is no room for another in this invocation.
  const first = await handler(EVENT, context(1000));

  expect(first).toMatchObject({ verdict: 'InProgress', report: 'handed-over' });
  const payload = expectHandedOver(codedeploy, lambda, 'migration-fn');
  expect(payload).toMatchObject({
    ...EVENT,
    continuation: { attempt: 1, state: { taskArn: TASK_ARN, startedAt: expect.any(String) } },
  });

  const second = await handler(payload, context());

  expect(second).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  // The resumed invocation neither looked for nor started a task: it followed the one it was given.
  expect(ecs.commandCalls(ListTasksCommand)).toHaveLength(2);
  expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
});

test('a retried invocation follows the task already started for the deployment', async () => {
  ecs.on(ListTasksCommand, { startedBy: 'd-ABCDEF123', desiredStatus: undefined }).resolves({ taskArns: [TASK_ARN] });
  ecs.on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [task({ lastStatus: 'RUNNING' })] })
    .resolves({ tasks: [stopped(0)] });

  const result = await handler(EVENT, context());

  expect(result).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toEqual([
    { cluster: CLUSTER, startedBy: 'd-ABCDEF123' },
    { cluster: CLUSTER, startedBy: 'd-ABCDEF123', desiredStatus: 'STOPPED' },
  ]);
  expect(logs.lines.some((line) => line.message === 'migration task already started for this deployment, following it')).toBe(true);
});

test('a retried invocation after the migration already failed reports the same failure without a new task', async () => {
  ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [TASK_ARN] });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped(2)] });

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toContain('exited with code 2');
  expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
});

test('if ECS refuses to list stopped tasks by startedBy, the running ones still count', async () => {
  ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' })
    .rejects(Object.assign(new Error('startedBy must be the only filter'), { name: 'InvalidParameterException' }));
  ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped(0)] });

  const result = await handler(EVENT, context());

  expect(result).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  expect(logs.lines.some((line) => line.message.startsWith('could not list stopped tasks by startedBy'))).toBe(true);
});

test('a throttled DescribeTasks is retried', async () => {
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  ecs.on(DescribeTasksCommand).rejectsOnce(throttled).resolves({ tasks: [stopped(0)] });

  const result = await handler(EVENT, context());

  expect(result).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(2);
});

test('a missing configuration fails with a clear reason', async () => {
  delete process.env[MIGRATION_CONFIG_ENV];

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toBe('invalid CDK_ECS_RELEASE_MIGRATION_CONFIG: not set');
  expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
});

test('under Amazon ECS blue/green, the task runs the target service revision and the state rides in hookDetails', async () => {
  const revision = 'arn:aws:ecs:eu-west-1:111111111111:service-revision/prod/web/9876543210';
  ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [{ serviceRevisionArn: revision, taskDefinition: GREEN_TASK_DEF }] });
  ecs.on(DescribeTasksCommand)
    .resolvesOnce({ tasks: [task({ lastStatus: 'RUNNING' })] })
    .resolves({ tasks: [stopped(0)] });
  const ecsEvent = {
    executionId: 'x-1',
    lifecycleStage: 'POST_SCALE_UP',
    resourceArn: 'arn:aws:ecs:eu-west-1:111111111111:service-deployment/prod/web/AbCdEf123456',
    executionDetails: { targetServiceRevisionArn: revision },
  };

  const first = await ecsHandler(ecsEvent, context());

  expect(first).toMatchObject({
    hookStatus: 'IN_PROGRESS',
    callBackDelay: 1,
    hookDetails: { continuation: { state: { taskArn: TASK_ARN } } },
  });
  expect(ecs.commandCalls(RunTaskCommand)[0].args[0].input).toMatchObject({
    taskDefinition: GREEN_TASK_DEF,
    startedBy: 'AbCdEf123456',
  });

  const second = await ecsHandler({ ...ecsEvent, hookDetails: first.hookDetails }, context());

  expect(second).toEqual({ hookStatus: 'SUCCEEDED' });
  expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  expect(codedeploy.commandCalls(GetDeploymentTargetCommand)).toHaveLength(0);
  expect(reportedStatuses(codedeploy)).toEqual([]);
});

describe('the migration runs at most once per deployment', () => {
  const alreadyCompleted = () => new LifecycleEventAlreadyCompletedException({
    message: 'The lifecycle event is already completed', $metadata: { httpStatusCode: 400 },
  });

  test('the event delivered again after it succeeded, its task no longer listed: no task, one report answered AlreadyCompleted', async () => {
    stubDeploymentTarget(codedeploy, targetWithAfterInstall('Succeeded'));
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(alreadyCompleted());

    const result = await handler(EVENT, context());

    expect(result).toEqual({
      verdict: 'Succeeded',
      report: 'already-completed',
      reason: 'lifecycle event AfterInstall is already Succeeded; not starting a second migration',
    });
    expectSingleReport(codedeploy, 'Succeeded');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(ecs.commandCalls(DescribeTaskSetsCommand)).toHaveLength(0);
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(codedeploy.commandCalls(GetDeploymentTargetCommand)).toHaveLength(1);
    expect(decisionLines(logs)).toEqual([expect.objectContaining({
      check: 'lifecycle event still waiting for the migration',
      expectation: 'InProgress',
      observed: 'Succeeded',
      verdict: 'skip',
      lifecycleEventName: 'AfterInstall',
      detail: 'lifecycle event AfterInstall is already Succeeded; not starting a second migration',
    })]);
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  test('after the event failed, the delivery repeats Failed, never a pass, and starts no task', async () => {
    stubDeploymentTarget(codedeploy, targetWithAfterInstall('Failed'));
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(alreadyCompleted());

    const result = await handler(EVENT, context());

    expect(result).toMatchObject({ verdict: 'Failed', report: 'already-completed' });
    expect(result.reason).toBe('lifecycle event AfterInstall is already Failed; not starting a second migration');
    expectSingleReport(codedeploy, 'Failed');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  test('the guard reads the lifecycle event the construct configured', async () => {
    configure({ lifecycleEventName: 'BeforeAllowTraffic' });
    stubDeploymentTarget(codedeploy, {
      taskSetsInfo: TASK_SETS,
      lifecycleEvents: [
        { lifecycleEventName: 'AfterInstall', status: 'Succeeded' },
        { lifecycleEventName: 'BeforeAllowTraffic', status: 'Skipped' },
      ],
    } as ECSTarget);
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(alreadyCompleted());

    const result = await handler(EVENT, context());

    expect(result.reason).toBe('lifecycle event BeforeAllowTraffic is already Skipped; not starting a second migration');
    expectSingleReport(codedeploy, 'Failed');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  test('the event still in progress and no task started: the task starts once, as before', async () => {
    configure({ lifecycleEventName: 'AfterInstall' });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped(0)] });

    const result = await handler(EVENT, context());

    expect(result).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
    expectSingleReport(codedeploy, 'Succeeded');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    // One read of the deployment target serves both the guard and the green task set.
    expect(codedeploy.commandCalls(GetDeploymentTargetCommand)).toHaveLength(1);
    expect(logs.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  test('without the field in the configuration, the guard reads AfterInstall', async () => {
    const withoutEvent = JSON.parse(process.env[MIGRATION_CONFIG_ENV]!);
    delete withoutEvent.lifecycleEventName;
    process.env[MIGRATION_CONFIG_ENV] = JSON.stringify(withoutEvent);
    stubDeploymentTarget(codedeploy, targetWithAfterInstall('Succeeded'));
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(alreadyCompleted());

    const result = await handler(EVENT, context());

    expect(result).toMatchObject({ verdict: 'Succeeded', report: 'already-completed' });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  test.each([
    ['missing from the target', targetWithAfterInstall(undefined), 'lifecycle event not found in the deployment target; starting the migration task anyway'],
    ['absent from a target without events', { taskSetsInfo: TASK_SETS } as ECSTarget, 'lifecycle event not found in the deployment target; starting the migration task anyway'],
    ['Pending', targetWithAfterInstall('Pending'), 'lifecycle event is not in progress but not finished either; starting the migration task'],
  ])('the event %s: the task starts once, with a warning', async (_case, target, warning) => {
    stubDeploymentTarget(codedeploy, target);
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped(0)] });

    const result = await handler(EVENT, context());

    expect(result).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
    expectSingleReport(codedeploy, 'Succeeded');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(logs.lines.filter((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ message: warning, lifecycleEventName: 'AfterInstall' }),
    ]);
  });

  test('a task found for the deployment is followed without reading the lifecycle event', async () => {
    stubDeploymentTarget(codedeploy, targetWithAfterInstall('Succeeded'));
    ecs.on(ListTasksCommand, { desiredStatus: 'STOPPED' }).resolves({ taskArns: [TASK_ARN] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [stopped(0)] });
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(alreadyCompleted());

    const result = await handler(EVENT, context());

    expect(result).toMatchObject({ verdict: 'Succeeded', report: 'already-completed' });
    expect(result.reason).toContain('migration succeeded');
    expect(codedeploy.commandCalls(GetDeploymentTargetCommand)).toHaveLength(0);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });
});
