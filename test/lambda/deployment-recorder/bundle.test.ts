/**
 * The bundled deployment recorder (`assets/handlers/deployment-recorder/index.js`, built by
 * `node scripts/bundle-handlers.js`), as Lambda runs it: it records, recognises a redelivery,
 * and throws when the table keeps refusing the write.
 */
import * as path from 'path';
import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYMENT_RECORDER_CONFIG_ENV, INCIDENT_BUCKET_ENV, RECORD_TABLE_ENV } from '../../../contract/deployment-record';
import type { RecorderResult } from '../../../lambda/deployment-recorder';
import { awsError, decisionLines, fakeContext, useHandlerEnvironment } from '../helpers';
import { CONFIG, FakeTable, TABLE, fixture } from './fake-table';
import { FakeS3 } from './s3-server';

type Handler = (event: unknown, context: unknown) => Promise<RecorderResult>;

function bundledHandler(): Handler {
  const file = path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'deployment-recorder', 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { handler: Handler }).handler;
}

const dynamo = mockClient(DynamoDBClient);
const codeDeploy = mockClient(CodeDeployClient);
const environment = useHandlerEnvironment({ [RECORD_TABLE_ENV]: TABLE, [DEPLOYMENT_RECORDER_CONFIG_ENV]: JSON.stringify(CONFIG) });

beforeEach(() => {
  dynamo.reset();
  codeDeploy.reset();
  codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: 'd-PREVIOUS1' } } });
});


describe('the bundled deployment recorder', () => {
  test('records out of order, recognises a redelivery, and writes to the configured table', async () => {
    const table = new FakeTable();
    table.serve(dynamo);
    const run = bundledHandler();

    const results = [
      await run(fixture('codedeploy-success'), fakeContext()),
      await run(fixture('codedeploy-start'), fakeContext()),
      await run(fixture('codedeploy-start'), fakeContext()),
    ];

    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'recorded', 'duplicate']);
    expect(table.item('orders-api#Production', 'd-2A7K1QXB9')).toMatchObject({ status: 'success', durationSeconds: 400, rollbackOf: 'd-PREVIOUS1' });
    expect(dynamo.commandCalls(UpdateItemCommand).every((call) => call.args[0].input.TableName === TABLE)).toBe(true);
    expect(decisionLines(environment.logs).map((line) => line.verdict)).toEqual(['recorded', 'recorded', 'duplicate']);
  });

  test('puts the incident report of a deployment its rollback deployment rolled back, and links it from the item', async () => {
    const table = new FakeTable();
    table.serve(dynamo);
    const s3 = new FakeS3();
    Object.assign(process.env, { AWS_ENDPOINT_URL_S3: await s3.start(), AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_REGION: 'eu-west-1', [INCIDENT_BUCKET_ENV]: 'orders-incidents' });
    try {
      // The start fixture is CodeDeploy's rollback (GetDeployment above) of d-PREVIOUS1.
      expect((await bundledHandler()(fixture('codedeploy-start'), fakeContext())).outcome).toBe('recorded');

      expect(table.item('orders-api#Production', 'd-PREVIOUS1')).toMatchObject({
        status: 'rolled_back', incidentReportKey: 'incidents/orders-api/Production/d-PREVIOUS1.md', engine: 'CODE_DEPLOY',
        url: 'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-PREVIOUS1?region=eu-west-1',
        incidentReportUrl: expect.stringMatching(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/s3\/object\/orders-incidents\?/),
      });
      const report = s3.objects.get('orders-incidents/incidents/orders-api/Production/d-PREVIOUS1.md');
      expect(report?.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(report?.body).toContain('# Incident: orders-api Production, deployment d-PREVIOUS1 rolled back');
      expect(report?.body).toContain('CodeDeploy\'s rollback deployment d-2A7K1QXB9 started');
    } finally {
      await s3.stop();
      for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', INCIDENT_BUCKET_ENV]) {
        delete process.env[name];
      }
    }
  });

  test('records hook results and the metric gate\'s figures, once each', async () => {
    const table = new FakeTable();
    table.serve(dynamo);
    const run = bundledHandler();

    const results = [
      await run(fixture('hook-result-metric-gate'), fakeContext()),
      await run(fixture('hook-result-smoke-test'), fakeContext()),
      await run(fixture('hook-result-smoke-test'), fakeContext()),
    ];

    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'recorded', 'duplicate']);
    expect(table.item('orders-api#Production', 'd-2A7K1QXB9')).toMatchObject({
      hookResults: [expect.stringMatching(/^2026-11-30T12:03:09\.512Z AfterAllowTestTraffic smoke-test: SUCCEEDED: /),
        expect.stringMatching(/^2026-11-30T12:06:19\.870Z AfterAllowTraffic metric-gate: FAILED: /)],
      metricGateVerdict: 'fail',
      metricGateFigures: ['latency=0.2', 'errors=8', 'error-ceiling=none'],
    });
  });

  test('emits a failed release\'s DORA facts once, and its time to restore at the verified rollback', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { creator: 'user' } });
    // CloudWatch takes a metric up to two weeks old: the facts' own times, seen from the day after.
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-01T09:00:00Z'));
    const table = new FakeTable();
    table.serve(dynamo);
    const run = bundledHandler();

    for (const name of ['codedeploy-start', 'codedeploy-failure', 'rollback-verification-codedeploy', 'codedeploy-failure']) {
      await run(fixture(name), fakeContext());
    }

    const facts = environment.logs.lines.filter((line) => line.message === 'dora facts');
    expect(facts).toEqual([
      expect.objectContaining({ Service: 'orders-api', Stage: 'Production', Deployments: 1, ChangeFailures: 1, status: 'failed' }),
      expect.objectContaining({ Service: 'orders-api', Stage: 'Production', TimeToRestoreSeconds: 380 }),
    ]);
    expect(facts[1]._aws).toEqual({
      Timestamp: Date.parse('2026-11-30T12:10:30Z'),
      CloudWatchMetrics: [{ Namespace: 'CdkEcsRelease/DORA', Dimensions: [['Service', 'Stage']], Metrics: [{ Name: 'TimeToRestoreSeconds', Unit: 'Seconds' }] }],
    });
    expect(table.item('orders-api#Production', 'restore#2026-11-30T12:10:30.000Z')).toMatchObject({ kind: 'restore', restoreSeconds: 380 });
  });

  test('throws when every attempt is throttled, after one failed decision line', async () => {
    dynamo.on(UpdateItemCommand).rejects(awsError('ThrottlingException', 400));

    await expect(bundledHandler()(fixture('stage-started'), fakeContext())).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(decisionLines(environment.logs)).toEqual([expect.objectContaining({ verdict: 'failed' })]);
  });
});
