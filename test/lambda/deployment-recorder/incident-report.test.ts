/**
 * The incident report as the recorder writes it: a rolled-back deployment's report in S3 (a
 * stand-in on 127.0.0.1), its key and link on the item, rendered again by each later event,
 * best-effort lookups, and a put that fails failing the invocation.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient, ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient, GetItemCommand, GetItemCommandInput, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServiceDeploymentsCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYMENT_RECORDER_CONFIG_ENV, INCIDENT_BUCKET_ENV, RECORD_TABLE_ENV } from '../../../contract/deployment-record';
import { RecordedEvent, handler } from '../../../lambda/deployment-recorder';
import { forgetEcsDeployments } from '../../../lambda/shared/ecs-deployment';
import { CapturedLogs, awsError, captureLogs, decisionLines, fakeContext } from '../helpers';
import { CONFIG, FakeTable, TABLE, fixture } from './fake-table';
import { FakeS3 } from './s3-server';

const dynamo = mockClient(DynamoDBClient);
const codeDeploy = mockClient(CodeDeployClient);
const codePipeline = mockClient(CodePipelineClient);
const cloudWatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);
const BUCKET = 'orders-incident-reports';
const REPORT = `${BUCKET}/incidents/orders-api/Production/d-2A7K1QXB9.md`;
const ECS_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/orders-cluster/orders-api/NCWGC2ZR-taawPAYrIaU5';
const ECS_REPORT = `${BUCKET}/incidents/orders-api/Canary/NCWGC2ZR-taawPAYrIaU5.md`;
const ENV = ['AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', INCIDENT_BUCKET_ENV,
  RECORD_TABLE_ENV, DEPLOYMENT_RECORDER_CONFIG_ENV];
let table: FakeTable;
let s3: FakeS3;
let logs: CapturedLogs;

beforeEach(async () => {
  for (const client of [dynamo, codeDeploy, codePipeline, cloudWatch, ecs]) {
    client.reset();
  }
  forgetEcsDeployments();
  table = new FakeTable();
  table.serve(dynamo);
  dynamo.on(GetItemCommand).callsFake((input: GetItemCommandInput) => ({ Item: table.items.get(`${input.Key!.releaseKey.S}|${input.Key!.recordId.S}`) }));
  codePipeline.on(ListActionExecutionsCommand).resolves({ actionExecutionDetails: [
    { stageName: 'Production', actionName: 'Approve', status: 'Succeeded', updatedBy: 'arn:aws:iam::111122223333:user/approver', lastUpdateTime: new Date('2026-11-30T11:59:01Z') },
  ] });
  codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { creator: 'user' } });
  codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-2A7K1QXB9' }).resolves({ deploymentInfo: {
    deploymentId: 'd-2A7K1QXB9', creator: 'user', status: 'Failed', deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
    errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated. Activated alarms: <orders-api-5xx>' },
    rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'Deployment d-2A7K1QXB9 rolled back by d-ROLLBACK1' },
  } });
  codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' }).resolves({ deploymentInfo: {
    deploymentId: 'd-ROLLBACK1', creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: 'd-2A7K1QXB9' },
  } });
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [
    {
      AlarmName: 'orders-api-5xx', StateValue: 'ALARM', StateUpdatedTimestamp: new Date('2026-11-30T12:03:10Z'), Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold', Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count',
      StateReason: 'Threshold Crossed: 2 out of the last 2 datapoints [4.2 (30/11/26 12:02:00), 3.1 (30/11/26 12:01:00)] were greater than the threshold (1.0).',
      StateReasonData: JSON.stringify({ version: '1.0', statistic: 'Sum', period: 60, recentDatapoints: [4.2, 3.1], threshold: 1 }),
    },
    { AlarmName: 'orders-api-latency', StateValue: 'OK', StateUpdatedTimestamp: new Date('2026-11-29T08:00:00Z'), Threshold: 0.5 },
  ] });
  s3 = new FakeS3();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: await s3.start(), AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session-token',
    AWS_REGION: 'eu-west-1', [INCIDENT_BUCKET_ENV]: BUCKET, [RECORD_TABLE_ENV]: TABLE,
    [DEPLOYMENT_RECORDER_CONFIG_ENV]: JSON.stringify({
      ...CONFIG, pipelineName: 'orders-release',
      alarms: ['orders-api-5xx', 'orders-api-latency'].map((alarmName) => ({ alarmName, serviceName: 'orders-api', stageName: 'Production' })),
    }),
  });
  jest.spyOn(Math, 'random').mockReturnValue(0);
  logs = captureLogs();
});

afterEach(async () => {
  logs.restore();
  jest.restoreAllMocks();
  await s3.stop();
  ENV.forEach((name) => delete process.env[name]);
});

/** A fixture's event, changed: another deployment, state or time is another event. */
function event(name: string, changes: { id: string; time?: string; detail?: Record<string, unknown> }): RecordedEvent {
  const base = fixture(name);
  return { ...base, id: changes.id, ...(changes.time ? { time: changes.time } : {}), detail: { ...base.detail, ...changes.detail } };
}

const ROLLBACK_START = () => event('codedeploy-start', { id: 'rb-start', time: '2026-11-30T12:04:20Z', detail: { deploymentId: 'd-ROLLBACK1' } });
const ROLLBACK_SUCCESS = () => event('codedeploy-success', { id: 'rb-success', time: '2026-11-30T12:05:00Z', detail: { deploymentId: 'd-ROLLBACK1' } });

async function run(...events: RecordedEvent[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (const e of events) {
    outcomes.push((await handler(e, fakeContext())).outcome);
  }
  return outcomes;
}

describe('incident report, CodeDeploy without a verification', () => {
  test('the rollback deployment marks the release rolled back, and its report is put with the item\'s facts and the lookups\' figures', async () => {
    await run(fixture('execution-started'), fixture('approval-succeeded'), fixture('codedeploy-start'), fixture('codedeploy-failure'));
    expect(s3.puts).toEqual([]);

    await run(ROLLBACK_START(), event('deploy-action-succeeded', { id: 'deploy-failed', time: '2026-11-30T12:04:30Z', detail: { state: 'FAILED' } }));

    expect(table.item('orders-api#Production', 'd-2A7K1QXB9')).toMatchObject({
      status: 'rolled_back',
      incidentReportKey: 'incidents/orders-api/Production/d-2A7K1QXB9.md',
      incidentReportUrl: 'https://eu-west-1.console.aws.amazon.com/s3/object/orders-incident-reports?region=eu-west-1&bucketType=general'
        + '&prefix=incidents%2Forders-api%2FProduction%2Fd-2A7K1QXB9.md',
    });
    expect(table.item('orders-api#Production', 'd-ROLLBACK1')).toMatchObject({ status: 'in_progress', rollbackOf: 'd-2A7K1QXB9' });
    const stored = s3.objects.get(REPORT)!;
    expect(stored.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(stored.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[^ ]*x-amz-security-token/);
    const report = stored.body;
    expect(report).toContain('# Incident: orders-api Production, deployment d-2A7K1QXB9 rolled back');
    expect(report).toContain('- **Triggered by:** arn:aws:sts::111122223333:assumed-role/ReleaseManager/jane (StartPipelineExecution)');
    expect(report).toContain('- **Approved by:** arn:aws:iam::111122223333:user/approver at 2026-11-30T11:59:01Z');
    expect(report).toContain('CodeDeployDefault.ECSCanary10Percent5Minutes (canary: 10 % first, the rest after 5 minutes)');
    expect(report).toContain('- **CodeDeploy error:** ALARM_ACTIVE: One or more alarms have been activated.');
    // The alarm that changed during the deployment, with its figures; the one that did not is left out.
    expect(report).toContain('- **Alarm `orders-api-5xx`:** ALARM since 2026-11-30T12:03:10.000Z');
    expect(report).toContain('metric AWS/ApplicationELB/HTTPCode_Target_5XX_Count; threshold GreaterThanThreshold 1; recent datapoints 4.2, 3.1; statistic Sum; period 60 s');
    expect(report).not.toContain('orders-api-latency');
    expect(report).toContain('`2026-11-30T12:04:20Z` CodeDeploy\'s rollback deployment d-ROLLBACK1 started');
    expect(report).toContain('- **Verification:** none recorded');
    expect(report).toMatch(/## Action items\n\n- \[ \] Confirm the impact/);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toMatchObject({ AlarmNames: ['orders-api-5xx', 'orders-api-latency'] });
  });

  test('a later event renders the report again over the same key; a redelivery repeats it harmlessly', async () => {
    await run(fixture('codedeploy-start'), fixture('codedeploy-failure'), ROLLBACK_START());
    const first = s3.objects.get(REPORT)!.body;
    expect(first).toContain('- **Restored:** unknown');

    expect(await run(ROLLBACK_SUCCESS(), ROLLBACK_SUCCESS())).toEqual(['recorded', 'duplicate']);

    expect(s3.puts).toEqual([REPORT, REPORT, REPORT]);
    const last = s3.objects.get(REPORT)!.body;
    expect(last).toContain('`2026-11-30T12:05:00Z` rolled back by CodeDeploy\'s rollback deployment d-ROLLBACK1');
    expect(last).toContain('- **Restored:** 2026-11-30T12:05:00Z');
    expect(last).toContain('- **Duration from start to restore:** 5 min 0 s');
    // Only the first report set the key and link: the item already holds them after.
    const keyWrites = dynamo.commandCalls(UpdateItemCommand).filter((call) => Object.values(call.args[0].input.ExpressionAttributeNames ?? {}).includes('incidentReportKey'));
    expect(keyWrites).toHaveLength(1);
  });

  test('a lookup that fails leaves a line saying so, and the report is still put', async () => {
    cloudWatch.on(DescribeAlarmsCommand).rejects(awsError('AccessDenied', 403, 'not authorized to perform cloudwatch:DescribeAlarms'));

    await run(fixture('codedeploy-start'), fixture('codedeploy-failure'), ROLLBACK_START());

    expect(s3.objects.get(REPORT)!.body).toContain('- _CloudWatch DescribeAlarms could not be read: AccessDenied: not authorized to perform cloudwatch:DescribeAlarms_');
  });

  test('a put S3 refuses fails the invocation, after one failed decision line, so the event is retried', async () => {
    await run(fixture('codedeploy-start'), fixture('codedeploy-failure'));
    s3.failWith = { status: 403, code: 'AccessDenied' };

    await expect(handler(ROLLBACK_START(), fakeContext())).rejects.toMatchObject({ name: 'AccessDenied' });

    expect(decisionLines(logs).map((line) => line.verdict)).toEqual(['recorded', 'recorded', 'failed']);
    expect(table.item('orders-api#Production', 'd-2A7K1QXB9')).not.toHaveProperty('incidentReportKey');
    // The redelivery finds the writes done, and puts the report then.
    s3.failWith = undefined;
    expect(await run(ROLLBACK_START())).toEqual(['duplicate']);
    expect(table.item('orders-api#Production', 'd-2A7K1QXB9')).toHaveProperty('incidentReportKey');
  });

  test('S3 answering 503 is retried, then fails the invocation', async () => {
    await run(fixture('codedeploy-start'), fixture('codedeploy-failure'));
    s3.failWith = { status: 503, code: 'SlowDown' };

    await expect(handler(ROLLBACK_START(), fakeContext())).rejects.toMatchObject({ name: 'SlowDown' });
    expect(logs.lines.filter((line) => line.message === 'retrying AWS call' && line.call === 's3:PutObject')).toHaveLength(2);
  });

  test('a deployment that did not roll back has no report', async () => {
    await run(fixture('codedeploy-start'), fixture('codedeploy-failure'), fixture('codedeploy-success'));
    expect(s3.puts).toEqual([]);
  });

  test('without a bucket configured, nothing is put', async () => {
    delete process.env[INCIDENT_BUCKET_ENV];
    await run(fixture('codedeploy-start'), fixture('codedeploy-failure'), ROLLBACK_START());
    expect(table.item('orders-api#Production', 'd-2A7K1QXB9')).toMatchObject({ status: 'rolled_back' });
    expect(s3.puts).toEqual([]);
  });

  test('a deployment CodeDeploy rolled back within itself is rolled back at its failure', async () => {
    codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-2A7K1QXB9' }).resolves({ deploymentInfo: {
      deploymentId: 'd-2A7K1QXB9', creator: 'user', rollbackInfo: { rollbackMessage: 'Deployment rolled back: traffic rerouted to the original task set' },
    } });
    await run(fixture('codedeploy-start'), fixture('codedeploy-failure'));
    expect(table.item('orders-api#Production', 'd-2A7K1QXB9')).toMatchObject({ status: 'rolled_back', completedAt: '2026-11-30T12:04:10Z' });
    expect(s3.objects.get(REPORT)!.body).toContain('- **Restored:** 2026-11-30T12:04:10Z');
  });
});

describe('incident report, Amazon ECS', () => {
  beforeEach(() => {
    ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [{
      serviceDeploymentArn: ECS_ARN, status: 'ROLLBACK_SUCCESSFUL', lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', startedAt: new Date('2026-11-30T13:00:00Z'),
      sourceServiceRevisions: [{ arn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/orders-cluster/orders-api/1' }],
      targetServiceRevision: { arn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/orders-cluster/orders-api/2' },
      deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 } },
      rollback: { reason: 'the circuit breaker initiated the rollback' },
    }] });
  });

  test('an end ECS says rolled back is rolled_back, and the report tells the stage and traffic the release reached', async () => {
    await run(fixture('ecs-in-progress'), fixture('ecs-failed'));

    expect(table.item('orders-api#Canary', ECS_ARN)).toMatchObject({ status: 'rolled_back', incidentReportKey: 'incidents/orders-api/Canary/NCWGC2ZR-taawPAYrIaU5.md' });
    const report = s3.objects.get(ECS_REPORT)!.body;
    expect(report).toContain('- **Lifecycle stage reached:** PRODUCTION_TRAFFIC_SHIFT');
    expect(report).toContain('- **Production traffic on the new version:** up to 10 % (a step of CANARY)');
    expect(report).toContain('- **Amazon ECS:** the circuit breaker initiated the rollback');
    expect(report).toContain('rolled back by Amazon ECS: the circuit breaker initiated the rollback (the event: ECS deployment circuit breaker');
  });

  test('the verification after the rollback renders the report again, with its outcome and checks', async () => {
    await run(fixture('ecs-in-progress'), fixture('ecs-failed'), fixture('rollback-verification'));

    expect(s3.puts).toEqual([ECS_REPORT, ECS_REPORT]);
    const report = s3.objects.get(ECS_REPORT)!.body;
    expect(report).toContain('- **Verification:** VERIFIED');
    expect(report).toContain('- **Restored version:** 1.3.9');
    expect(report).toContain('  - health: passed: status 200 in 18 ms');
  });

  test('when ECS cannot be asked, the end is recorded as the event tells it, without a report', async () => {
    ecs.on(DescribeServiceDeploymentsCommand).rejects(awsError('AccessDeniedException', 400));
    await run(fixture('ecs-in-progress'), fixture('ecs-failed'));
    expect(table.item('orders-api#Canary', ECS_ARN)).toMatchObject({ status: 'failed' });
    expect(s3.puts).toEqual([]);
  });
});
