/**
 * The DORA facts of the deployment record: the commit's time, the deployment linked to its
 * release, Deployments / ChangeFailures / LeadTimeSeconds once per release, and time to restore,
 * whatever order and however often the events come.
 */
import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYMENT_RECORDER_CONFIG_ENV, RECORD_TABLE_ENV } from '../../../contract/deployment-record';
import { RecordedEvent, RecorderResult, handler } from '../../../lambda/deployment-recorder';
import { doraLine } from '../../../lambda/deployment-recorder/emf';
import { awsError, fakeContext, useHandlerEnvironment } from '../helpers';
import { CONFIG, FakeTable, TABLE, fixture } from './fake-table';

const dynamo = mockClient(DynamoDBClient);
const codeDeploy = mockClient(CodeDeployClient);
const codePipeline = mockClient(CodePipelineClient);
const IMAGE = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/orders-api@sha256:9b2f4c1d8e7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c';
const EXECUTION = '6f1ab8e4-52c3-4f0d-9a55-3c3b1f7a2e10';
const KEY = 'orders-api#Production';
let table: FakeTable;
const environment = useHandlerEnvironment({ [RECORD_TABLE_ENV]: TABLE, [DEPLOYMENT_RECORDER_CONFIG_ENV]: JSON.stringify(CONFIG) });

function sourceVariables(variables: Record<string, string>): void {
  codePipeline.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: [
    { stageName: 'Source', actionName: 'Source', status: 'Succeeded', output: { outputVariables: variables } },
    { stageName: 'Build', actionName: 'BuildAndPush', status: 'Succeeded', output: { outputVariables: { IMAGE_URI: IMAGE, IMAGE_TAG: '4f1c7d2' } } },
  ] });
}

beforeEach(() => {
  dynamo.reset();
  codeDeploy.reset();
  codePipeline.reset();
  // CodeStar-connection sources export AuthorDate; CodeCommit's CommitterDate too.
  sourceVariables({ AuthorDate: '2026-11-30T11:41:07Z', CommitId: '4f1c7d2e9a0b3c5d6e7f8a9b0c1d2e3f4a5b6c7d' });
  codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { creator: 'user' } });
  codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK7' })
    .resolves({ deploymentInfo: { creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: 'd-2A7K1QXB9' } } });
  table = new FakeTable();
  table.serve(dynamo);
});


async function record(...events: (string | RecordedEvent)[]): Promise<RecorderResult[]> {
  const results: RecorderResult[] = [];
  for (const event of events) {
    results.push(await handler(typeof event === 'string' ? fixture(event) : event, fakeContext()));
  }
  return results;
}

/** The DORA lines: each fact's metrics with its dimensions. */
function doraFacts(): Record<string, unknown>[] {
  return environment.logs.lines.filter((line) => line.message === 'dora facts').map((line) => {
    const metrics = (line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0].Metrics.map((m) => m.Name);
    return { Service: line.Service, Stage: line.Stage, ...Object.fromEntries(metrics.map((name) => [name, line[name]])) };
  });
}

/** Another deployment of the Production group, `seconds` after the fixture's time. */
function laterDeployment(state: 'START' | 'SUCCESS', deploymentId: string, time: string): RecordedEvent {
  const event = fixture(state === 'START' ? 'codedeploy-start' : 'codedeploy-success');
  return { ...event, id: `${deploymentId}-${state}`, time, detail: { ...event.detail, deploymentId } };
}

const RELEASE = ['execution-started', 'source-action-succeeded', 'build-action-succeeded'];

describe('the commit\'s time', () => {
  test('comes from the source action\'s AuthorDate when it exports no CommitterDate', async () => {
    await record('source-action-succeeded');
    expect(table.item('orders-release', EXECUTION)).toMatchObject({ commitTime: '2026-11-30T11:41:07.000Z', sourceRevision: '4f1c7d2e9a0b3c5d6e7f8a9b0c1d2e3f4a5b6c7d' });
  });

  test('is the CommitterDate when the source exports one (CodeCommit), set once', async () => {
    sourceVariables({ AuthorDate: '2026-11-29T17:00:00Z', CommitterDate: '2026-11-30T11:45:00Z' });
    await record('source-action-succeeded');
    sourceVariables({ CommitterDate: '2026-11-30T11:49:00Z' });
    await record({ ...fixture('source-action-succeeded'), id: 'redelivered-with-another-answer' });
    expect(table.item('orders-release', EXECUTION)?.commitTime).toBe('2026-11-30T11:45:00.000Z');
  });

  test('is absent when the source exports no date (S3, ECR), or its variables cannot be read; the revision is still recorded', async () => {
    sourceVariables({ ObjectKey: 'release.zip', VersionId: 'v-8' });
    await record('source-action-succeeded');
    expect(table.item('orders-release', EXECUTION)).not.toHaveProperty('commitTime');
    codePipeline.on(ListActionExecutionsCommand).rejects(awsError('AccessDeniedException', 400));
    const [result] = await record({ ...fixture('source-action-succeeded'), id: 'another-source-event' });
    expect(result.outcome).toBe('recorded');
    expect(table.item('orders-release', EXECUTION)).toMatchObject({ sourceRevision: '4f1c7d2e9a0b3c5d6e7f8a9b0c1d2e3f4a5b6c7d' });
    expect(table.item('orders-release', EXECUTION)).not.toHaveProperty('commitTime');
  });
});

describe('a deployment linked to its release', () => {
  test('copies the execution\'s commit, image and trigger when its deploy action completes, and counts its lead time once', async () => {
    await record(...RELEASE, 'codedeploy-start', 'codedeploy-success', 'deploy-action-succeeded', 'deploy-action-succeeded');

    expect(table.item(KEY, 'd-2A7K1QXB9')).toMatchObject({
      status: 'success', pipelineExecutionId: EXECUTION,
      commitTime: '2026-11-30T11:41:07.000Z', sourceRevision: '4f1c7d2e9a0b3c5d6e7f8a9b0c1d2e3f4a5b6c7d',
      sourceSummary: '{"ProviderType":"GitHub","CommitMessage":"Add order export"}', imageUri: IMAGE, imageTag: '4f1c7d2',
      triggeredBy: 'arn:aws:sts::111122223333:assumed-role/ReleaseManager/jane',
    });
    // The execution item is read once per deploy action event, the redelivery's included; nothing else is read.
    expect(dynamo.commandCalls(GetItemCommand).filter((c) => c.args[0].input.Key!.recordId.S === EXECUTION)).toHaveLength(2);
    // 12:06:40 - 11:41:07
    expect(doraFacts()).toEqual([
      { Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 0 },
      { Service: 'orders-api', Stage: 'Production', LeadTimeSeconds: 1533 },
    ]);
  });

  test('the deploy action delivered before the deployment\'s success: the lead time counts when the success comes', async () => {
    await record(...RELEASE, 'deploy-action-succeeded', 'codedeploy-start');
    expect(doraFacts()).toEqual([]);
    await record('codedeploy-success', 'codedeploy-success');
    expect(doraFacts()).toEqual([
      { Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 0 },
      { Service: 'orders-api', Stage: 'Production', LeadTimeSeconds: 1533 },
    ]);
    expect(table.item(KEY, 'd-2A7K1QXB9')).toMatchObject({ doraCountedAt: expect.any(String), doraLeadTimeCountedAt: expect.any(String) });
  });

  test('an execution that cannot be read fails the invocation before any write, so the redelivery links it whole', async () => {
    await record(...RELEASE, 'codedeploy-start', 'codedeploy-success');
    dynamo.on(GetItemCommand).rejects(awsError('ThrottlingException', 400));
    const writes = dynamo.commandCalls(UpdateItemCommand).length;
    await expect(record('deploy-action-succeeded')).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(writes);
    expect(environment.logs.lines.filter((l) => l.message === 'decision').pop()).toMatchObject({ verdict: 'failed' });

    table.serve(dynamo);
    const [result] = await record('deploy-action-succeeded');
    expect(result.outcome).toBe('recorded');
    expect(table.item(KEY, 'd-2A7K1QXB9')).toMatchObject({ pipelineExecutionId: EXECUTION, commitTime: '2026-11-30T11:41:07.000Z', imageUri: IMAGE });
  });

  test('a release whose commit\'s time is unknown counts, without a lead time', async () => {
    sourceVariables({});
    await record(...RELEASE, 'codedeploy-success', 'deploy-action-succeeded');
    expect(table.item(KEY, 'd-2A7K1QXB9')).not.toHaveProperty('commitTime');
    expect(doraFacts()).toEqual([{ Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 0 }]);
  });
});

describe('change failures', () => {
  test('a release that failed, then was marked rolled back, is one change failure, whichever comes first', async () => {
    await record('codedeploy-start', 'codedeploy-failure', 'rollback-verification-codedeploy', 'codedeploy-failure');
    expect(doraFacts().filter((f) => 'Deployments' in f)).toEqual([{ Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 1 }]);

    environment.restartLogs();
    table = new FakeTable();
    table.serve(dynamo);
    await record('rollback-verification-codedeploy', 'codedeploy-failure', 'codedeploy-start');
    expect(table.item(KEY, 'd-2A7K1QXB9')?.status).toBe('rolled_back');
    expect(doraFacts().filter((f) => 'Deployments' in f)).toEqual([{ Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 1 }]);
  });

  test('CodeDeploy\'s rollback deployment is no release: it counts nothing, even when its end comes before its start', async () => {
    await record('codedeploy-rollback-success', 'codedeploy-rollback-start');
    expect(table.item(KEY, 'd-ROLLBACK7')).toMatchObject({ status: 'success', rollbackOf: 'd-2A7K1QXB9' });
    expect(table.item(KEY, 'd-ROLLBACK7')).not.toHaveProperty('doraCountedAt');
    // The rollback marks the deployment it rolled back: that one is the change failure, the rollback counts nothing.
    expect(doraFacts()).toEqual([{ Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 1 }]);
    expect(table.item(KEY, 'd-2A7K1QXB9')).toMatchObject({ status: 'rolled_back' });
    expect(table.item(KEY, '#service')).toBeUndefined();
  });

  test('a guard write that keeps failing throws before any line; the redelivery then counts once', async () => {
    await record('codedeploy-start');
    const guard = (input: { UpdateExpression?: string }) => /doraCountedAt/.test(JSON.stringify(input));
    dynamo.on(UpdateItemCommand).callsFake((input) => {
      if (guard(input) && !/seenEvents/.test(JSON.stringify(input.ExpressionAttributeNames))) {
        throw awsError('ProvisionedThroughputExceededException', 400);
      }
      return table.update(input);
    });
    await expect(record('codedeploy-failure')).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(doraFacts()).toEqual([]);
    expect(environment.logs.lines.filter((l) => l.message === 'decision').pop()).toMatchObject({ verdict: 'failed' });

    table.serve(dynamo);
    const [result] = await record('codedeploy-failure');
    expect(result.outcome).toBe('duplicate');
    expect(doraFacts()).toEqual([{ Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 1 }]);
  });
});

describe('time to restore', () => {
  test('from a failed release to the next successful one: one restore item, one TimeToRestoreSeconds', async () => {
    await record('codedeploy-start', 'codedeploy-failure');
    expect(table.item(KEY, '#service')).toMatchObject({ kind: 'service', failingSince: '2026-11-30T12:04:10.000Z', failedBy: 'd-2A7K1QXB9' });

    const next = [laterDeployment('START', 'd-NEXT42', '2026-11-30T14:00:00Z'), laterDeployment('SUCCESS', 'd-NEXT42', '2026-11-30T14:05:10Z')];
    await record(...next, ...next);

    expect(table.partition(KEY, 'restore#')).toEqual([expect.objectContaining({
      kind: 'restore', releaseKey: KEY, recordId: 'restore#2026-11-30T14:05:10.000Z', serviceName: 'orders-api', stageName: 'Production',
      failingSince: '2026-11-30T12:04:10.000Z', failedBy: 'd-2A7K1QXB9', restoredAt: '2026-11-30T14:05:10.000Z', restoredBy: 'd-NEXT42',
      restoreSeconds: 7260,
    })]);
    expect(table.item(KEY, '#service')).toEqual(expect.not.objectContaining({ failingSince: expect.anything() }));
    expect(table.item(KEY, '#service')).toMatchObject({ lastRestoredAt: '2026-11-30T14:05:10.000Z' });
    // A service item has no startedAt: the byStartedAt index never lists it.
    expect(table.item(KEY, '#service')).not.toHaveProperty('startedAt');
    expect(doraFacts().filter((f) => 'TimeToRestoreSeconds' in f)).toEqual([{ Service: 'orders-api', Stage: 'Production', TimeToRestoreSeconds: 7260 }]);
  });

  test('from a rollback alarm; an alarm older than the latest restoration starts nothing', async () => {
    const results = await record('rollback-alarm', 'rollback-alarm');
    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'duplicate']);
    expect(table.item(KEY, '#service')).toMatchObject({ failingSince: '2026-11-30T12:02:30.000Z', failedBy: 'alarm:orders-api-production-5xx' });
    // The alarm writes the service item alone, and no event id into it.
    expect(table.item(KEY, '#service')).not.toHaveProperty('seenEvents');

    await record('codedeploy-start', 'codedeploy-success');
    expect(table.item(KEY, 'restore#2026-11-30T12:06:40.000Z')).toMatchObject({ failedBy: 'alarm:orders-api-production-5xx', restoreSeconds: 250 });

    const [late] = await record({ ...fixture('rollback-alarm'), id: 'an-alarm-delivered-late', time: '2026-11-30T12:05:00Z' });
    expect(late.outcome).toBe('duplicate');
    expect(table.item(KEY, '#service')).not.toHaveProperty('failingSince');
    expect(doraFacts().filter((f) => 'TimeToRestoreSeconds' in f)).toEqual([{ Service: 'orders-api', Stage: 'Production', TimeToRestoreSeconds: 250 }]);
  });

  test('an alarm of no recorded stage, or into OK, is ignored', async () => {
    const other = fixture('rollback-alarm');
    const results = await record(
      { ...other, id: 'other-alarm', detail: { ...other.detail, alarmName: 'billing-5xx' } },
      { ...other, id: 'back-to-ok', detail: { ...other.detail, state: { value: 'OK' } } },
    );
    expect(results.map((r) => r.outcome)).toEqual(['ignored', 'ignored']);
    expect(table.items.size).toBe(0);
  });
});

describe('a CodeDeploy release that rolls back in Production', () => {
  const events = [
    ...RELEASE, 'codedeploy-start', 'codedeploy-failure', 'codedeploy-rollback-start', 'codedeploy-rollback-success',
    'rollback-verification-codedeploy', 'deploy-action-failed',
  ];

  test('is one complete deployment record, one restore item, and its facts once, redelivered or not', async () => {
    await record(...events);
    await record(...events);

    const deployments = table.partition(KEY).filter((item) => item.kind === 'deployment' && item.rollbackOf === undefined);
    expect(deployments).toEqual([expect.objectContaining({
      deploymentId: 'd-2A7K1QXB9', status: 'rolled_back', engine: 'CODE_DEPLOY', startedAt: '2026-11-30T12:00:00Z', completedAt: '2026-11-30T12:04:10Z',
      pipelineExecutionId: EXECUTION, commitTime: '2026-11-30T11:41:07.000Z', imageUri: IMAGE, imageTag: '4f1c7d2',
      sourceRevision: '4f1c7d2e9a0b3c5d6e7f8a9b0c1d2e3f4a5b6c7d', triggeredBy: 'arn:aws:sts::111122223333:assumed-role/ReleaseManager/jane',
      rollbackVerification: 'VERIFIED', rollbackVerifiedAt: '2026-11-30T12:10:30Z', doraCountedAt: expect.any(String),
    })]);
    expect(deployments[0]).not.toHaveProperty('doraLeadTimeCountedAt');
    expect(table.item(KEY, 'd-ROLLBACK7')).toMatchObject({ rollbackOf: 'd-2A7K1QXB9', status: 'success' });
    // 12:04:10, the failure, to 12:10:30, the verified rollback.
    expect(table.partition(KEY, 'restore#')).toEqual([expect.objectContaining({
      failingSince: '2026-11-30T12:04:10.000Z', failedBy: 'd-2A7K1QXB9', restoredAt: '2026-11-30T12:10:30.000Z', restoredBy: 'rollback:d-2A7K1QXB9', restoreSeconds: 380,
    })]);
    expect(table.item(KEY, '#service')).toMatchObject({ lastRestoredAt: '2026-11-30T12:10:30.000Z' });
    expect(table.item(KEY, '#service')).not.toHaveProperty('failingSince');
    expect(doraFacts()).toEqual([
      { Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 1 },
      { Service: 'orders-api', Stage: 'Production', TimeToRestoreSeconds: 380 },
    ]);
  });

  test('in reverse order, the same status and facts; the restoration counts from the failure it learns late', async () => {
    await record(...[...events].reverse());
    // The link copies what the execution holds when the deploy action ends: here, delivered first, nothing yet.
    expect(table.item(KEY, 'd-2A7K1QXB9')).toMatchObject({ status: 'rolled_back', pipelineExecutionId: EXECUTION });
    expect(table.item(KEY, 'd-2A7K1QXB9')).not.toHaveProperty('commitTime');
    expect(table.partition(KEY, 'restore#')).toEqual([expect.objectContaining({ failingSince: '2026-11-30T12:04:10.000Z', restoreSeconds: 380 })]);
    expect(doraFacts().map((f) => Object.keys(f).filter((k) => k !== 'Service' && k !== 'Stage')))
      .toEqual([['Deployments', 'ChangeFailures'], ['TimeToRestoreSeconds']]);
  });

  test('the embedded metric format line, as CloudWatch reads it', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-01T09:00:00Z'));
    await record(...events);
    const line = environment.logs.lines.find((l) => l.message === 'dora facts' && 'TimeToRestoreSeconds' in l);
    expect(line).toEqual({
      _aws: {
        Timestamp: Date.parse('2026-11-30T12:10:30Z'),
        CloudWatchMetrics: [{ Namespace: 'CdkEcsRelease/DORA', Dimensions: [['Service', 'Stage']], Metrics: [{ Name: 'TimeToRestoreSeconds', Unit: 'Seconds' }] }],
      },
      Service: 'orders-api', Stage: 'Production', TimeToRestoreSeconds: 380,
      level: 'info', message: 'dora facts', eventId: 'f3c6d4c2-4b3a-4e3d-c003-000000000002',
      failingSince: '2026-11-30T12:04:10.000Z', failedBy: 'd-2A7K1QXB9', restoredAt: '2026-11-30T12:10:30.000Z', restoredBy: 'rollback:d-2A7K1QXB9',
      timestamp: expect.any(String),
    });
  });
});

test('a fact older than CloudWatch takes (two weeks), or in the future, is timed at its emission', () => {
  const now = Date.parse('2026-12-20T09:00:00Z');
  const facts = { serviceName: 'orders-api', stageName: 'Production', eventId: 'e', metrics: { Deployments: 1 } };
  expect((doraLine({ ...facts, time: '2026-12-19T23:00:00Z' }, now)._aws as { Timestamp: number }).Timestamp).toBe(Date.parse('2026-12-19T23:00:00Z'));
  expect((doraLine({ ...facts, time: '2026-11-30T12:04:10Z' }, now)._aws as { Timestamp: number }).Timestamp).toBe(now);
  expect((doraLine({ ...facts, time: '2026-12-20T12:00:00Z' }, now)._aws as { Timestamp: number }).Timestamp).toBe(now);
});
