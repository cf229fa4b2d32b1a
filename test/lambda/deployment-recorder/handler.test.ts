import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYMENT_RECORDER_CONFIG_ENV, RECORD_TABLE_ENV } from '../../../contract/deployment-record';
import { RecordedEvent, RecorderResult, handler } from '../../../lambda/deployment-recorder';
import { awsError, decisionLines, fakeContext, useHandlerEnvironment } from '../helpers';
import { CONFIG, FakeTable, TABLE, fixture } from './fake-table';

const dynamo = mockClient(DynamoDBClient);
const codeDeploy = mockClient(CodeDeployClient);
const codePipeline = mockClient(CodePipelineClient);
const APPROVER = 'arn:aws:sts::111122223333:assumed-role/ReleaseManager/jane';
let table: FakeTable;
const environment = useHandlerEnvironment({ [RECORD_TABLE_ENV]: TABLE, [DEPLOYMENT_RECORDER_CONFIG_ENV]: JSON.stringify(CONFIG) });

beforeEach(() => {
  dynamo.reset();
  codeDeploy.reset();
  codePipeline.reset();
  codePipeline.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: [
    { stageName: 'Production', actionName: 'Deploy', status: 'Succeeded', updatedBy: 'arn:aws:iam::111122223333:role/pipeline' },
    { stageName: 'Production', actionName: 'Approve', status: 'Succeeded', updatedBy: APPROVER, lastUpdateTime: new Date('2026-11-30T11:59:01Z') },
  ] });
  codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-2A7K1QXB9', creator: 'user' } });
  table = new FakeTable();
  table.serve(dynamo);
});


async function record(...names: string[]): Promise<RecorderResult[]> {
  const results: RecorderResult[] = [];
  for (const name of names) {
    results.push(await handler(fixture(name), fakeContext()));
  }
  return results;
}

const DEPLOYMENT = ['orders-api#Production', 'd-2A7K1QXB9'] as const;
const STAGE = ['orders-release#Production', '6f1ab8e4-52c3-4f0d-9a55-3c3b1f7a2e10'] as const;
const ECS_DEPLOYMENT = ['orders-api#Canary', 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/orders-cluster/orders-api/NCWGC2ZR-taawPAYrIaU5'] as const;

describe('deployment recorder, CodeDeploy deployments', () => {
  test('a start then a success make one record: success, with its timeline and console link', async () => {
    const results = await record('codedeploy-start', 'codedeploy-success');

    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'recorded']);
    expect(table.item(...DEPLOYMENT)).toMatchObject({
      kind: 'deployment', serviceName: 'orders-api', stageName: 'Production', engine: 'CODE_DEPLOY', deploymentId: 'd-2A7K1QXB9',
      status: 'success', startedAt: '2026-11-30T12:00:00Z', completedAt: '2026-11-30T12:06:40Z', durationSeconds: 400,
      url: 'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-2A7K1QXB9?region=eu-west-1',
      lastEventTime: '2026-11-30T12:06:40Z',
      seenEvents: ['c1a4b2a0-2f1e-4c1b-a001-000000000001', 'c1a4b2a0-2f1e-4c1b-a001-000000000002'],
    });
    // Beside it, the service and stage's state: healthy since the release.
    expect([...table.items.keys()].sort()).toEqual(['orders-api#Production|#service', 'orders-api#Production|d-2A7K1QXB9']);
  });

  test('a success delivered before its start stays a success; the late start fills the start time and the duration', async () => {
    const results = await record('codedeploy-success', 'codedeploy-start');

    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'recorded']);
    expect(table.item(...DEPLOYMENT)).toMatchObject({
      status: 'success', startedAt: '2026-11-30T12:00:00Z', completedAt: '2026-11-30T12:06:40Z', durationSeconds: 400,
      lastEventTime: '2026-11-30T12:06:40Z',
    });
  });

  test('a failure is recorded with its time and a note', async () => {
    await record('codedeploy-start', 'codedeploy-failure');
    expect(table.item(...DEPLOYMENT)).toMatchObject({
      status: 'failed', completedAt: '2026-11-30T12:04:10Z', durationSeconds: 250, notes: ['2026-11-30T12:04:10Z deployment failed'],
    });
  });

  test('CodeDeploy\'s rollback deployment names the deployment it rolled back', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: { deploymentId: 'd-2A7K1QXB9', creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: 'd-PREVIOUS1' } },
    });
    await record('codedeploy-start', 'codedeploy-success');

    expect(table.item(...DEPLOYMENT)).toMatchObject({ status: 'success', rollbackOf: 'd-PREVIOUS1' });
    expect(codeDeploy.commandCalls(GetDeploymentCommand).map((call) => call.args[0].input)).toEqual([
      { deploymentId: 'd-2A7K1QXB9' }, { deploymentId: 'd-2A7K1QXB9' },
    ]);
  });

  test('a deployment that cannot be looked up is still recorded, without saying whether it is a rollback', async () => {
    codeDeploy.on(GetDeploymentCommand).rejects(awsError('AccessDeniedException', 400));
    const [result] = await record('codedeploy-start');

    expect(result.outcome).toBe('recorded');
    expect(table.item(...DEPLOYMENT)).toMatchObject({ status: 'in_progress', startedAt: '2026-11-30T12:00:00Z' });
    expect(table.item(...DEPLOYMENT)?.rollbackOf).toBeUndefined();
    expect(environment.logs.lines.filter((line) => line.level === 'warn').map((line) => line.message))
      .toEqual(['could not tell whether the deployment is a rollback; recorded without it']);
  });

  test('a redelivered event is recognised: no second write, outcome duplicate', async () => {
    await record('codedeploy-start');
    const before = table.item(...DEPLOYMENT);
    const writes = dynamo.commandCalls(UpdateItemCommand).length;

    const [again] = await record('codedeploy-start');

    expect(again).toEqual({ outcome: 'duplicate', records: ['orders-api#Production d-2A7K1QXB9'] });
    expect(table.item(...DEPLOYMENT)).toEqual(before);
    // The one attempt that found the event applied, and nothing after it.
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(writes + 1);
    expect(decisionLines(environment.logs).map((line) => line.verdict)).toEqual(['recorded', 'duplicate']);
  });

  test('a throttled write is retried and then recorded', async () => {
    dynamo.on(UpdateItemCommand)
      .rejectsOnce(awsError('ProvisionedThroughputExceededException', 400))
      .rejectsOnce(awsError('InternalServerError', 500))
      .callsFake((input) => table.update(input));

    const [result] = await record('codedeploy-start');

    expect(result.outcome).toBe('recorded');
    expect(table.item(...DEPLOYMENT)).toMatchObject({ status: 'in_progress', startedAt: '2026-11-30T12:00:00Z' });
    expect(environment.logs.lines.filter((line) => line.message === 'retrying AWS call')).toHaveLength(2);
  });

  test('a write that keeps failing throws after its retries, so that Lambda retries and then the dead-letter queue keep the event', async () => {
    dynamo.on(UpdateItemCommand).rejects(awsError('ThrottlingException', 400));

    await expect(handler(fixture('codedeploy-start'), fakeContext())).rejects.toMatchObject({ name: 'ThrottlingException' });

    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(5);
    expect(decisionLines(environment.logs)).toEqual([expect.objectContaining({ level: 'error', verdict: 'failed', records: ['orders-api#Production d-2A7K1QXB9'] })]);
  });

  test('a redelivery after a failure past the write still derives the duration, and is a duplicate', async () => {
    await record('codedeploy-start');
    // The success is written, then every write after it fails: the invocation throws.
    let writes = 0;
    dynamo.on(UpdateItemCommand).callsFake((input) => {
      if (writes++ > 0) {
        throw awsError('InternalServerError', 500);
      }
      return table.update(input);
    });
    await expect(handler(fixture('codedeploy-success'), fakeContext())).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(table.item(...DEPLOYMENT)).toMatchObject({ status: 'success' });
    expect(table.item(...DEPLOYMENT)?.durationSeconds).toBeUndefined();

    table.serve(dynamo);
    const [again] = await record('codedeploy-success');

    expect(again.outcome).toBe('duplicate');
    expect(table.item(...DEPLOYMENT)).toMatchObject({ status: 'success', durationSeconds: 400, lastEventTime: '2026-11-30T12:06:40Z' });
  });

  test('an error that retrying cannot fix (access denied) throws at once', async () => {
    dynamo.on(UpdateItemCommand).rejects(awsError('AccessDeniedException', 400));

    await expect(handler(fixture('codedeploy-start'), fakeContext())).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });
});

describe('deployment recorder, Amazon ECS deployments and rollback verification', () => {
  test('a failed deployment that rolled back and was verified is rolled_back, with the verification\'s figures', async () => {
    await record('ecs-in-progress', 'ecs-failed', 'rollback-verification');

    expect(table.item(...ECS_DEPLOYMENT)).toMatchObject({
      engine: 'ECS', status: 'rolled_back', startedAt: '2026-11-30T13:00:00Z', completedAt: '2026-11-30T13:09:30Z', durationSeconds: 570,
      rollbackVerification: 'VERIFIED', restoredVersion: '1.3.9', verifiedUrl: 'https://orders.example.com',
      verificationChecks: ['health: passed: status 200 in 18 ms', 'version: passed: body contains "1.3.9"'],
      notes: [
        '2026-11-30T13:09:30Z ECS deployment circuit breaker: the post-test-traffic-shift lifecycle hook failed.',
        '2026-11-30T13:12:04Z rolled back, verified: every smoke check passed against the production listener after the rollback',
      ],
    });
  });

  test('the verification delivered first is not undone by the earlier failure', async () => {
    await record('rollback-verification', 'ecs-failed', 'ecs-in-progress');

    expect(table.item(...ECS_DEPLOYMENT)).toMatchObject({ status: 'rolled_back', completedAt: '2026-11-30T13:09:30Z', durationSeconds: 570 });
  });
});

describe('deployment recorder, lifecycle hook results', () => {
  test('each hook\'s result is a line of the deployment\'s hookResults, in time order; the metric gate\'s verdict and figures are set', async () => {
    const results = await record('codedeploy-start', 'hook-result-metric-gate', 'hook-result-smoke-test', 'codedeploy-failure');

    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'recorded', 'recorded', 'recorded']);
    expect(table.item(...DEPLOYMENT)).toMatchObject({
      kind: 'deployment', serviceName: 'orders-api', engine: 'CODE_DEPLOY', status: 'failed',
      hookResults: [
        '2026-11-30T12:03:09.512Z AfterAllowTestTraffic smoke-test: SUCCEEDED: 2 smoke checks passed in 0.4 s',
        '2026-11-30T12:06:19.870Z AfterAllowTraffic metric-gate: FAILED: metric gate fail (fail): green 5xx rate 8 % (80/1000) exceeds 0.7 % '
          + '(blue 0.2 % + 0.5 points)',
      ],
      metricGateVerdict: 'fail',
      metricGateFigures: ['latency=0.2', 'errors=8', 'error-ceiling=none'],
    });
  });

  test('a redelivered hook result adds no second line', async () => {
    await record('hook-result-smoke-test', 'hook-result-smoke-test');

    expect(table.item(...DEPLOYMENT)).toMatchObject({
      hookResults: ['2026-11-30T12:03:09.512Z AfterAllowTestTraffic smoke-test: SUCCEEDED: 2 smoke checks passed in 0.4 s'],
    });
  });

  test('an Amazon ECS hook\'s result lands on the service deployment\'s record, by its ARN', async () => {
    await record('ecs-in-progress', 'hook-result-ecs-migration');

    expect(table.item(...ECS_DEPLOYMENT)).toMatchObject({
      engine: 'ECS', status: 'in_progress',
      hookResults: ['2026-11-30T13:02:40.101Z PRE_SCALE_UP migration: SUCCEEDED: migration succeeded: container migrate exited with code 0; '
        + 'logs: /ecs/orders orders/migrate/0123456789abcdef'],
    });
    expect(table.item(...ECS_DEPLOYMENT)?.metricGateVerdict).toBeUndefined();
  });

  test('a hook result of a service the pipeline does not deploy is ignored', async () => {
    const event = fixture('hook-result-smoke-test');
    const result = await handler({ ...event, detail: { ...event.detail, deploymentGroupName: 'other-group' } }, fakeContext());

    expect(result.outcome).toBe('ignored');
    expect(table.items.size).toBe(0);
  });
});

describe('deployment recorder, pipeline stages and approvals', () => {
  test('the stage record holds the approval\'s wait apart from active time, and links the deployment it ran', async () => {
    await record('stage-started', 'approval-started', 'approval-succeeded', 'codedeploy-start', 'codedeploy-success', 'deploy-action-succeeded', 'stage-succeeded');

    expect(table.item(...STAGE)).toMatchObject({
      kind: 'stage', pipelineName: 'orders-release', stageName: 'Production', status: 'success',
      startedAt: '2026-11-30T11:55:00Z', completedAt: '2026-11-30T12:06:50Z', durationSeconds: 710,
      approvalRequestedAt: '2026-11-30T11:55:01Z', approvalDecidedAt: '2026-11-30T11:59:01Z', approvalOutcome: 'SUCCEEDED', approvedBy: APPROVER,
      waitingSeconds: 240, activeSeconds: 470, deploymentIds: ['d-2A7K1QXB9'],
      notes: ['2026-11-30T11:59:01Z approval approved: Looks good in staging'],
    });
    expect(table.item(...DEPLOYMENT)).toMatchObject({ status: 'success', pipelineExecutionId: STAGE[1] });
  });

  test('a stage that failed, was retried and succeeded ends a success, whichever order its events come in', async () => {
    const table2 = new FakeTable();
    await record('stage-started', 'stage-failed', 'stage-resumed', 'stage-succeeded-after-retry');
    table2.serve(dynamo);
    await record('stage-succeeded-after-retry', 'stage-failed', 'stage-started', 'stage-resumed');

    for (const each of [table, table2]) {
      expect(each.item(...STAGE)).toMatchObject({
        status: 'success', startedAt: '2026-11-30T11:55:00Z', completedAt: '2026-11-30T12:25:00Z', durationSeconds: 1800,
        notes: expect.arrayContaining(['2026-11-30T12:04:20Z stage failed', '2026-11-30T12:20:00Z stage resumed']),
      });
    }
  });

  test('who approved is read from the pipeline\'s action executions; when it cannot be, the decision is still recorded', async () => {
    codePipeline.on(ListActionExecutionsCommand).rejects(awsError('AccessDeniedException', 400));
    const [result] = await record('approval-succeeded');

    expect(result.outcome).toBe('recorded');
    expect(codePipeline.commandCalls(ListActionExecutionsCommand).map((call) => call.args[0].input))
      .toEqual([{ pipelineName: 'orders-release', filter: { pipelineExecutionId: STAGE[1] } }]);
    expect(table.item(...STAGE)).toMatchObject({ approvalOutcome: 'SUCCEEDED', approvalDecidedAt: '2026-11-30T11:59:01Z' });
    expect(table.item(...STAGE)?.approvedBy).toBeUndefined();
  });

  test('the stage\'s end delivered before the approval still gets the wait and active time once the approval arrives', async () => {
    await record('stage-succeeded', 'stage-started', 'approval-succeeded', 'approval-started');

    expect(table.item(...STAGE)).toMatchObject({ status: 'success', durationSeconds: 710, waitingSeconds: 240, activeSeconds: 470 });
  });
});

describe('deployment recorder, pipeline executions', () => {
  test('the execution record says who started the release, and how it ended, whichever event comes first', async () => {
    await record('execution-succeeded', 'execution-started');

    expect(table.item('orders-release', STAGE[1])).toMatchObject({
      kind: 'execution', pipelineName: 'orders-release', status: 'success', triggerType: 'StartPipelineExecution',
      triggeredBy: 'arn:aws:sts::111122223333:assumed-role/ReleaseManager/jane',
      startedAt: '2026-11-30T11:50:02Z', completedAt: '2026-11-30T12:06:51Z', durationSeconds: 1009,
    });
    expect(table.item('orders-release', STAGE[1])?.stageName).toBeUndefined();
  });

  test('the execution record names the image the build pushed, by digest, and its tag', async () => {
    const image = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-api@sha256:9b2c0d7e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c';
    codePipeline.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: [{
      stageName: 'Build', actionName: 'BuildAndPush', status: 'Succeeded',
      output: { outputVariables: { IMAGE_URI: image, IMAGE_TAG: '4f1c7d2', SOURCE_REVISION: '4f1c7d2e9a0b' } },
    }] });

    await record('build-action-succeeded');

    expect(table.item('orders-release', STAGE[1])).toMatchObject({ kind: 'execution', imageUri: image, imageTag: '4f1c7d2' });
  });

  test('a build whose variables cannot be read is recorded without its image', async () => {
    codePipeline.on(ListActionExecutionsCommand).rejects(awsError('ThrottlingException', 400));

    const [result] = await record('build-action-succeeded');

    expect(result.outcome).toBe('recorded');
    expect(table.item('orders-release', STAGE[1])?.imageUri).toBeUndefined();
    expect(environment.logs.lines.filter((line) => line.level === 'warn').map((line) => line.message))
      .toContain('could not read the build\'s variables; recorded without them');
  });

  test('the execution record names the commit the source action fetched', async () => {
    await record('execution-started', 'source-action-succeeded');

    expect(table.item('orders-release', STAGE[1])).toMatchObject({
      kind: 'execution', status: 'in_progress', sourceRevision: '4f1c7d2e9a0b3c5d6e7f8a9b0c1d2e3f4a5b6c7d',
      sourceSummary: '{"ProviderType":"GitHub","CommitMessage":"Add order export"}',
    });
  });
});

describe('deployment recorder, events it does not record', () => {
  test.each([
    ['ec2-state-change', 'EC2 Instance State-change Notification from aws.ec2 is not recorded'],
    ['build-stage-started', 'stage Build deploys no recorded service'],
  ])('%s is ignored, logged and not written', async (name, reason) => {
    const [result] = await record(name);

    expect(result).toEqual({ outcome: 'ignored', reason });
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(decisionLines(environment.logs)).toEqual([expect.objectContaining({ verdict: 'ignored', reason })]);
  });

  test('a deployment of a group that is not one of the stages is ignored', async () => {
    const event = fixture('codedeploy-start') as RecordedEvent & { detail: Record<string, unknown> };
    const [result] = [await handler({ ...event, detail: { ...event.detail, deploymentGroup: 'billing-production' } }, fakeContext())];
    expect(result).toEqual({ outcome: 'ignored', reason: 'deployment group orders-app/billing-production is not one of the pipeline\'s stages' });
  });

  test('without its configuration the recorder throws, so the event is kept rather than dropped', async () => {
    delete process.env[DEPLOYMENT_RECORDER_CONFIG_ENV];
    await expect(handler(fixture('codedeploy-start'), fakeContext())).rejects.toThrow('invalid CDK_ECS_RELEASE_RECORDER_CONFIG: not set');
  });
});
