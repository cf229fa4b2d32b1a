/**
 * Every path that reports Failed after RunTask stops the migration task first, including those
 * the runtime decides outside a run of the body; and answers of unexpected shape fail with a
 * reason naming the call.
 */
import { CodeDeployClient, GetDeploymentTargetCommand, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import {
  DescribeTaskSetsCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand, StopTaskCommand, Task,
} from '@aws-sdk/client-ecs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { HOOK_TOTAL_TIMEOUT_SECONDS_ENV } from '../../../contract/hook';
import { MIGRATION_CONFIG_ENV, MigrationHookConfig } from '../../../contract/migration';
import { handler } from '../../../lambda/migration';
import { CapturedLogs, EVENT, awsError, captureLogs, expectSingleReport, fakeContext, stubDeploymentTarget } from '../helpers';

const codedeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const lambda = mockClient(LambdaClient);

const CLUSTER = 'arn:aws:ecs:eu-west-1:111111111111:cluster/prod';
const TASK_ARN = 'arn:aws:ecs:eu-west-1:111111111111:task/prod/4f2b0c1d9e8a';
const context = (remainingMs?: number) => fakeContext(remainingMs, 'migration-fn');

const running = (): Task => ({ taskArn: TASK_ARN, createdAt: new Date(), lastStatus: 'RUNNING', containers: [{ name: 'web' }] });

let logs: CapturedLogs;
/** The order of StopTask and the status report. */
let events: string[];

beforeEach(() => {
  codedeploy.reset();
  ecs.reset();
  lambda.reset();
  const config: MigrationHookConfig = {
    clusterArn: CLUSTER, serviceName: 'web', containerName: 'web', subnets: ['subnet-1'], securityGroups: [], pollIntervalSeconds: 30,
  };
  process.env[MIGRATION_CONFIG_ENV] = JSON.stringify(config);
  process.env.AWS_REGION = 'eu-west-1';
  logs = captureLogs();
  events = [];
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).callsFake((input: { status: string }) => {
    events.push(`report ${input.status}`);
    return {};
  });
  stubDeploymentTarget(codedeploy, {
    taskSetsInfo: [{ identifer: 'ecs-svc/green', taskSetLabel: 'Green' }],
    lifecycleEvents: [{ lifecycleEventName: 'AfterInstall', status: 'InProgress' }],
  });
  ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ taskDefinition: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/web:42' }] });
  ecs.on(ListTasksCommand).resolves({ taskArns: [] });
  ecs.on(RunTaskCommand).resolves({ tasks: [{ ...running(), lastStatus: 'PROVISIONING' }] });
  ecs.on(DescribeTasksCommand).resolves({ tasks: [running()] });
  ecs.on(StopTaskCommand).callsFake((input: { task: string }) => {
    events.push(`stop ${input.task}`);
    return {};
  });
});

afterEach(() => logs.restore());

function expectStoppedThenFailed(): void {
  expect(events).toEqual([`stop ${TASK_ARN}`, 'report Failed']);
  expectSingleReport(codedeploy, 'Failed');
  expect(ecs.commandCalls(StopTaskCommand)[0].args[0].input).toMatchObject({ cluster: CLUSTER, task: TASK_ARN });
}

describe('a hand-over that fails stops the task before the Failed report', () => {
  test('Invoke denied', async () => {
    lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException', 403, 'not authorized to perform lambda:InvokeFunction'));

    // Too short to poll again after 30 s: the first run hands over.
    const result = await handler(EVENT, context(3000));

    expect(result.reason).toMatch(/^could not hand the hook over to a new invocation of migration-fn: not authorized/);
    expectStoppedThenFailed();
    expect(ecs.commandCalls(StopTaskCommand)[0].args[0].input.reason).toMatch(/^cdk-ecs-release: hook failed: could not hand the hook over/);
  });

  test('Invoke answering 500 until its retries run out', async () => {
    lambda.on(InvokeCommand).rejects(awsError('ServiceException', 500, 'internal error'));

    const result = await handler(EVENT, context(3000));

    expect(lambda.commandCalls(InvokeCommand).length).toBeGreaterThan(1);
    expect(result.reason).toMatch(/^could not hand the hook over .*: internal error$/);
    expectStoppedThenFailed();
  });
});

test('a continuation that arrives after the hook\'s total time stops the task it carries before reporting Failed', async () => {
  process.env[HOOK_TOTAL_TIMEOUT_SECONDS_ENV] = '60';
  try {
    const startedAt = new Date(Date.now() - 61_000).toISOString();
    const continuation = { state: { taskArn: TASK_ARN, startedAt }, attempt: 3, startedAt };

    const result = await handler({ ...EVENT, continuation }, context());

    expect(result.reason).toMatch(/total time of 60\.0 s ran out/);
    expectStoppedThenFailed();
    // Nothing else ran: no poll, no new task.
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  } finally {
    delete process.env[HOOK_TOTAL_TIMEOUT_SECONDS_ENV];
  }
});

describe('answers of unexpected shape fail with a reason naming the call', () => {
  test('DescribeTasks with tasks that are not a list: the task just started is stopped', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: { taskArn: TASK_ARN } as unknown as Task[] });

    const result = await handler(EVENT, context());

    expect(result.reason).toBe('ecs:DescribeTasks answered without a tasks list: got an object');
    expectStoppedThenFailed();
  });

  test('DescribeTasks with containers that are not a list', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ ...running(), containers: 'web' as unknown as Task['containers'] }] });

    const result = await handler(EVENT, context());

    expect(result.reason).toBe(`ecs:DescribeTasks answered without a containers list in task ${TASK_ARN}: got a string`);
    expectStoppedThenFailed();
  });

  test('a deployment target whose task sets are not a list: no task is started', async () => {
    codedeploy.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { ecsTarget: { taskSetsInfo: { Green: 'x' } as never } } });

    const result = await handler(EVENT, context());

    expect(result.reason).toBe('codedeploy:GetDeploymentTarget answered without a taskSetsInfo list in the ECS target: got an object');
    expectSingleReport(codedeploy, 'Failed');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
  });

  test('DescribeTaskSets with task sets that are not a list', async () => {
    ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: { taskDefinition: 'web:42' } as never });

    const result = await handler(EVENT, context());

    expect(result.reason).toBe('ecs:DescribeTaskSets answered without a taskSets list: got an object');
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  test('RunTask with tasks that are not a list: the task it may have started is found by startedBy and stopped', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: 'started' as never });
    ecs.on(ListTasksCommand).resolvesOnce({ taskArns: [] }).resolvesOnce({ taskArns: [] }).resolves({ taskArns: [TASK_ARN] });

    const result = await handler(EVENT, context());

    expect(result.reason).toBe('ecs:RunTask answered without a tasks list: got a string');
    expectStoppedThenFailed();
  });
});
