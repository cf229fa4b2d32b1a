import * as path from 'path';
import {
  CodeDeployClient, GetDeploymentCommand, GetDeploymentTargetCommand, ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, ListServiceDeploymentsCommand, DescribeTaskDefinitionCommand, DescribeTaskSetsCommand, ECSClient,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { RollbackVerificationDetail } from '../../../contract/release-events';
import { ROLLBACK_VERIFICATION_FIELD, RollbackVerificationSettings } from '../../../contract/rollback-verification';
import {
  SMOKE_CHECKS_ENV, SMOKE_DEPLOYED_SERVICE_ENV, SMOKE_EXPECTED_VERSION_VARIABLE_ENV, SMOKE_LOAD_BALANCER_FULL_NAME_ENV, SMOKE_TEST_BASE_URL_ENV,
  SmokeCheckSpec,
} from '../../../contract/smoke-test';
import * as source from '../../../lambda/smoke-test';
import { CapturedLogs, LogLine, awsError, captureLogs, fakeContext } from '../helpers';
import { TestServer, json, startServer } from './server';

const codeDeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const ec2 = mockClient(EC2Client);
const eventBridge = mockClient(EventBridgeClient);

const SERVICE_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service/prod/orders-api';
const TASK_DEFINITION_ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:41';
const CHECKS: SmokeCheckSpec[] = [
  { name: 'health', path: '/health' },
  { name: 'version', path: '/version', versionJsonField: 'version' },
];

type Handler = typeof source.handler;
const BUNDLE = path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'smoke-test', 'index.js');

let logs: CapturedLogs;
let server: TestServer | undefined;
/** Each test's deployments get ids of their own: the handler remembers those it reported. */
let sequence = 0;

beforeEach(() => {
  codeDeploy.reset();
  ecs.reset();
  ec2.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  logs = captureLogs();
  sequence++;
});

afterEach(async () => {
  logs.restore();
  await server?.close();
  server = undefined;
});

/** The service after the rollback: healthy, reporting `version` (the old one, 1.4.1, by default). */
async function serve(version = '1.4.1', healthStatus = 200): Promise<TestServer> {
  server = await startServer((request, res) => {
    if (request.url === '/health') {
      json(res, healthStatus, { status: healthStatus === 200 ? 'ok' : 'down' });
    } else if (request.url === '/version') {
      json(res, 200, { version });
    } else {
      json(res, 404, {});
    }
  });
  return server;
}

function settings(baseUrl: string, engine: 'CODE_DEPLOY' | 'ECS' = 'CODE_DEPLOY', extra: Record<string, string> = {}): RollbackVerificationSettings {
  return {
    version: 1,
    engine,
    serviceName: 'orders-api',
    ...(engine === 'CODE_DEPLOY' ? { applicationName: 'orders', deploymentGroupName: 'orders-prod' } : {}),
    config: {
      [SMOKE_TEST_BASE_URL_ENV]: baseUrl,
      [SMOKE_CHECKS_ENV]: JSON.stringify(CHECKS.map((check) => ({ ...check, attempts: 1 }))),
      [SMOKE_EXPECTED_VERSION_VARIABLE_ENV]: 'RELEASE_VERSION',
      [SMOKE_DEPLOYED_SERVICE_ENV]: JSON.stringify({ cluster: 'prod', service: 'orders-api', container: 'web' }),
      ...extra,
    },
  };
}

function codeDeployEvent(deploymentId: string, state: string) {
  return { 'id': `evt-${deploymentId}`, 'source': 'aws.codedeploy', 'detail-type': 'CodeDeploy Deployment State-change Notification',
    'detail': { deploymentId, state, application: 'orders', deploymentGroup: 'orders-prod' } };
}

/** CodeDeploy rolled `failed` back with deployment `rollback`, whose blue task set runs task definition 41 (RELEASE_VERSION 1.4.1). */
function stubCodeDeployRollback(failed: string, rollback: string): void {
  codeDeploy.on(GetDeploymentCommand, { deploymentId: rollback }).resolves({ deploymentInfo: {
    deploymentId: rollback, creator: 'codeDeployRollback', status: 'Succeeded', rollbackInfo: { rollbackTriggeringDeploymentId: failed },
  } });
  codeDeploy.on(GetDeploymentCommand, { deploymentId: failed }).resolves({ deploymentInfo: {
    deploymentId: failed, creator: 'user', status: 'Stopped', rollbackInfo: { rollbackDeploymentId: rollback },
  } });
  codeDeploy.on(ListDeploymentTargetsCommand, { deploymentId: failed }).resolves({ targetIds: ['prod:orders-api'] });
  codeDeploy.on(GetDeploymentTargetCommand, { deploymentId: failed }).resolves({ deploymentTarget: { deploymentTargetType: 'ECSTarget', ecsTarget: {
    taskSetsInfo: [{ identifer: 'ecs-svc/blue', taskSetLabel: 'Blue' }, { identifer: 'ecs-svc/green', taskSetLabel: 'Green' }],
    lifecycleEvents: [],
  } } });
  ecs.on(DescribeTaskSetsCommand, { taskSets: ['ecs-svc/blue'] }).resolves({ taskSets: [{ taskDefinition: TASK_DEFINITION_ARN }] });
  stubTaskDefinition();
}

function stubTaskDefinition(): void {
  ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: TASK_DEFINITION_ARN }).resolves({ taskDefinition: {
    taskDefinitionArn: TASK_DEFINITION_ARN, family: 'orders-api', revision: 41,
    containerDefinitions: [{ name: 'web', environment: [{ name: 'RELEASE_VERSION', value: '1.4.1' }] }],
  } });
}

function putDetails(): RollbackVerificationDetail[] {
  return eventBridge.commandCalls(PutEventsCommand).map((call) => {
    const entries = call.args[0].input.Entries!;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ Source: 'cdk-ecs-release', DetailType: 'Rollback Verification Result' });
    return JSON.parse(entries[0].Detail!) as RollbackVerificationDetail;
  });
}

function verdictLines(): LogLine[] {
  return logs.lines.filter((line) => line.message.startsWith('rollback verification'));
}

describe.each([
  ['source', () => source.handler],
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ['bundle', () => (require(BUNDLE) as { handler: Handler }).handler],
])('rollback verification (%s)', (_name, load) => {
  let handler: Handler;
  beforeAll(() => {
    handler = load();
  });

  const ids = () => ({ failed: `d-FAILED${sequence}`, rollback: `d-ROLLBACK${sequence}` });

  test('a rollback deployment that succeeded, every check passing against the restored version: VERIFIED, once', async () => {
    const { failed, rollback } = ids();
    stubCodeDeployRollback(failed, rollback);
    const { url } = await serve('1.4.1');
    const summary = await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(rollback, 'SUCCESS') }, fakeContext());
    expect(summary).toMatchObject({ verdict: 'VERIFIED', eventId: 'event-1' });
    const [detail, ...more] = putDetails();
    expect(more).toEqual([]);
    expect(detail).toMatchObject({
      outcome: 'VERIFIED', engine: 'CODE_DEPLOY', serviceName: 'orders-api', deploymentId: failed,
      applicationName: 'orders', deploymentGroupName: 'orders-prod', restoredVersion: '1.4.1', url: `${url}/`,
      checks: [{ name: 'health', passed: true }, { name: 'version', passed: true }],
    });
    expect(Date.parse(detail.completedAt)).toBeGreaterThanOrEqual(Date.parse(detail.startedAt));
    expect(verdictLines()).toEqual([expect.objectContaining({ level: 'info', verdict: 'VERIFIED', deploymentId: failed })]);
  });

  test('a check failing after the rollback: UNVERIFIED, with each check\'s result', async () => {
    const { failed, rollback } = ids();
    stubCodeDeployRollback(failed, rollback);
    const { url } = await serve('1.4.1', 503);
    const summary = await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(rollback, 'SUCCESS') }, fakeContext());
    expect(summary.verdict).toBe('UNVERIFIED');
    const [detail] = putDetails();
    expect(detail.outcome).toBe('UNVERIFIED');
    expect(detail.checks).toEqual([
      { name: 'health', passed: false, detail: expect.stringMatching(/503/) },
      // A passing check's detail names the version it read at run time, not only where it reads it.
      { name: 'version', passed: true, detail: expect.stringMatching(/^passed: .*version "1\.4\.1"/) },
    ]);
    expect(detail.reason).toMatch(/1 of 2 smoke checks failed against the production listener after the rollback: "health"/);
    expect(verdictLines()).toEqual([expect.objectContaining({ level: 'error', verdict: 'UNVERIFIED' })]);
  });

  test('the old version reporting another version than the restored task definition\'s: UNVERIFIED', async () => {
    const { failed, rollback } = ids();
    stubCodeDeployRollback(failed, rollback);
    const { url } = await serve('1.5.0');
    await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(rollback, 'SUCCESS') }, fakeContext());
    const [detail] = putDetails();
    expect(detail.outcome).toBe('UNVERIFIED');
    expect(detail.checks[1]).toMatchObject({ name: 'version', passed: false, detail: expect.stringMatching(/1\.4\.1/) });
  });

  test('the load balancer unreadable: UNVERIFIED, saying why, with no checks', async () => {
    const { failed, rollback } = ids();
    stubCodeDeployRollback(failed, rollback);
    ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError('UnauthorizedOperation', 403));
    const { url } = await serve();
    const summary = await handler({
      [ROLLBACK_VERIFICATION_FIELD]: settings(url, 'CODE_DEPLOY', { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: 'app/orders/0123456789abcdef' }),
      event: codeDeployEvent(rollback, 'SUCCESS'),
    }, fakeContext());
    expect(summary.verdict).toBe('UNVERIFIED');
    const [detail] = putDetails();
    expect(detail).toMatchObject({ outcome: 'UNVERIFIED', checks: [], reason: expect.stringMatching(/checks could not run: .*UnauthorizedOperation/) });
    expect(server!.requests).toEqual([]);
  });

  test('the deployment unreadable: UNVERIFIED, since it may have rolled back', async () => {
    const { rollback } = ids();
    codeDeploy.on(GetDeploymentCommand).rejects(awsError('AccessDeniedException', 400));
    const { url } = await serve();
    await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(rollback, 'FAILURE') }, fakeContext());
    const [detail, ...more] = putDetails();
    expect(more).toEqual([]);
    expect(detail).toMatchObject({ outcome: 'UNVERIFIED', deploymentId: rollback, reason: expect.stringMatching(/could not tell whether .*AccessDenied/) });
  });

  test('checks still running when the function\'s time runs short: stopped, UNVERIFIED, and the event still put', async () => {
    const { failed, rollback } = ids();
    stubCodeDeployRollback(failed, rollback);
    server = await startServer((request, res) => {
      if (request.url === '/version') {
        json(res, 200, { version: '1.4.1' });
      }
      // /health never answers.
    });
    const config = settings(server.url);
    const slow = { ...config, config: { ...config.config, [SMOKE_CHECKS_ENV]: JSON.stringify([
      { name: 'health', path: '/health', timeoutMs: 30_000, attempts: 1 }, { name: 'version', path: '/version', versionJsonField: 'version', attempts: 1 },
    ]) } };
    const started = Date.now();
    const summary = await handler({ [ROLLBACK_VERIFICATION_FIELD]: slow, event: codeDeployEvent(rollback, 'SUCCESS') }, fakeContext(17_000));
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(summary.verdict).toBe('UNVERIFIED');
    const [detail] = putDetails();
    expect(detail.checks).toEqual([
      { name: 'health', passed: false, detail: expect.stringMatching(/stopped: the verification ran out of time/) },
      { name: 'version', passed: true, detail: expect.any(String) },
    ]);
    expect(detail.reason).toMatch(/ran out of time/);
  }, 20_000);

  test('the event put again and again refused: throws after its retries, with one log line and no verdict line', async () => {
    const { failed, rollback } = ids();
    stubCodeDeployRollback(failed, rollback);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const { url } = await serve();
    await expect(handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(rollback, 'SUCCESS') }, fakeContext(20_000)))
      .rejects.toThrow(/could not be put on the event bus: .*InternalFailure/);
    expect(eventBridge.commandCalls(PutEventsCommand).length).toBeGreaterThan(1);
    expect(verdictLines()).toEqual([expect.objectContaining({ level: 'error', message: 'rollback verification not put', verdict: 'VERIFIED' })]);
  }, 30_000);

  test('a second delivery of the same rollback is not reported again', async () => {
    const { failed, rollback } = ids();
    stubCodeDeployRollback(failed, rollback);
    const { url } = await serve();
    const input = { [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(rollback, 'SUCCESS') };
    await handler(input, fakeContext());
    const again = await handler(input, fakeContext());
    expect(again).toMatchObject({ verdict: 'duplicate' });
    expect(putDetails()).toHaveLength(1);
    expect(verdictLines().map((line) => line.verdict)).toEqual(['VERIFIED', 'duplicate']);
  });

  test('a deployment that succeeded, or one a rollback deployment rolls back, is not reported', async () => {
    const id = `d-PLAIN${sequence}`;
    codeDeploy.on(GetDeploymentCommand, { deploymentId: id }).resolves({ deploymentInfo: { deploymentId: id, creator: 'user', status: 'Succeeded' } });
    const { failed, rollback } = ids();
    stubCodeDeployRollback(failed, rollback);
    const { url } = await serve();
    expect(await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(id, 'SUCCESS') }, fakeContext()))
      .toMatchObject({ verdict: 'ignored' });
    expect(await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(failed, 'STOP') }, fakeContext()))
      .toMatchObject({ verdict: 'ignored', reason: expect.stringMatching(`rolled back by deployment ${rollback}`) });
    expect(putDetails()).toEqual([]);
    expect(server!.requests).toEqual([]);
  });

  test('a rule shared by several services: the deployment of another group, or another ECS service, is ignored without a call', async () => {
    const { url } = await serve();
    const other = codeDeployEvent(`d-OTHER${sequence}`, 'FAILURE');
    expect(await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url),
      event: { ...other, detail: { ...other.detail, deploymentGroup: 'billing-prod' } } }, fakeContext()))
      .toMatchObject({ verdict: 'ignored', reason: expect.stringMatching(/of orders\/billing-prod, not of orders-api \(orders\/orders-prod\)/) });
    const ecsEvent = { 'source': 'aws.ecs', 'detail-type': 'ECS Deployment State Change', 'resources': [`${SERVICE_ARN}-billing`],
      'detail': { eventName: 'SERVICE_DEPLOYMENT_FAILED', deploymentId: 'ecs-svc/7' } };
    expect(await handler({ [ROLLBACK_VERIFICATION_FIELD]: { ...settings(url, 'ECS'), serviceArn: SERVICE_ARN }, event: ecsEvent } as never,
      fakeContext())).toMatchObject({ verdict: 'ignored', reason: expect.stringMatching(/orders-api-billing, not of orders-api/) });
    expect(codeDeploy.calls()).toEqual([]);
    expect(ecs.calls()).toEqual([]);
    expect(putDetails()).toEqual([]);
    expect(server!.requests).toEqual([]);
    expect(verdictLines().map((line) => line.verdict)).toEqual(['ignored', 'ignored']);
  });

  test('a rollback within the deployment that failed (no rollback deployment): verified on its FAILURE', async () => {
    const id = `d-INPLACE${sequence}`;
    codeDeploy.on(GetDeploymentCommand, { deploymentId: id }).resolves({ deploymentInfo: {
      deploymentId: id, creator: 'user', status: 'Failed', autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    } });
    stubCodeDeployRollback(id, `d-UNUSED${sequence}`);
    // The stub above answers for `id` as a deployment rolled back by another; this one rolled back within itself.
    codeDeploy.on(GetDeploymentCommand, { deploymentId: id }).resolves({ deploymentInfo: {
      deploymentId: id, creator: 'user', status: 'Failed', autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    } });
    const { url } = await serve();
    await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url), event: codeDeployEvent(id, 'FAILURE') }, fakeContext());
    expect(putDetails()).toEqual([expect.objectContaining({ outcome: 'VERIFIED', deploymentId: id, restoredVersion: '1.4.1' })]);
  });

  test('on Amazon ECS, a completed rollback is verified against the source revision\'s version', async () => {
    const arn = `arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/orders-api/rollback${sequence}`;
    ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [{
      serviceDeploymentArn: arn, serviceArn: SERVICE_ARN, status: 'ROLLBACK_SUCCESSFUL', startedAt: new Date(),
      sourceServiceRevisions: [{ arn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/orders-api/41' }],
      targetServiceRevision: { arn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/orders-api/42' },
    }] });
    ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [{ taskDefinition: TASK_DEFINITION_ARN }] });
    stubTaskDefinition();
    const { url } = await serve('1.4.1');
    const ecsEvent = { 'source': 'aws.ecs', 'detail-type': 'ECS Deployment State Change', 'resources': [SERVICE_ARN],
      'detail': { eventName: 'SERVICE_DEPLOYMENT_COMPLETED', deploymentId: 'ecs-svc/42', serviceDeploymentArn: arn } };
    // Settings naming the service, as a rule shared by several services gives them.
    const summary = await handler({ [ROLLBACK_VERIFICATION_FIELD]: { ...settings(url, 'ECS'), serviceArn: SERVICE_ARN }, event: ecsEvent } as never,
      fakeContext());
    expect(summary).toMatchObject({ verdict: 'VERIFIED' });
    expect(putDetails()).toEqual([expect.objectContaining({
      outcome: 'VERIFIED', engine: 'ECS', deploymentId: arn, serviceArn: SERVICE_ARN, restoredVersion: '1.4.1',
    })]);
    expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries![0].Resources).toEqual([SERVICE_ARN]);
    expect(ecs.commandCalls(DescribeServiceRevisionsCommand)[0].args[0].input.serviceRevisionArns).toEqual([
      'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/orders-api/41']);
  });

  test('on Amazon ECS, through the ECS entry point, an event naming the deployment by its ecs-svc id finds it among the service\'s newest', async () => {
    const arn = `arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/orders-api/listed${sequence}`;
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [
      { serviceDeploymentArn: `${arn}-older`, createdAt: new Date(Date.now() - 3_600_000) },
      { serviceDeploymentArn: arn, createdAt: new Date(Date.now() - 60_000) },
    ] });
    ecs.on(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [arn] }).resolves({ serviceDeployments: [{
      serviceDeploymentArn: arn, serviceArn: SERVICE_ARN, status: 'ROLLBACK_FAILED', statusReason: 'tasks failed to start',
      sourceServiceRevisions: [{ arn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/orders-api/41' }],
    }] });
    ecs.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [{ taskDefinition: TASK_DEFINITION_ARN }] });
    stubTaskDefinition();
    const { url } = await serve('1.4.1');
    const ecsEvent = { 'source': 'aws.ecs', 'detail-type': 'ECS Deployment State Change', 'resources': [SERVICE_ARN], 'time': new Date().toISOString(),
      'detail': { eventName: 'SERVICE_DEPLOYMENT_FAILED', deploymentId: 'ecs-svc/42' } };
    const ecsEntry = handler === source.handler ? source.ecsHandler
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      : (require(BUNDLE) as { ecsHandler: typeof source.ecsHandler }).ecsHandler;
    const summary = await ecsEntry({ [ROLLBACK_VERIFICATION_FIELD]: settings(url, 'ECS'), event: ecsEvent } as never, fakeContext());
    expect(summary).toMatchObject({ verdict: 'UNVERIFIED' });
    // The checks pass, but the rollback itself failed: production may run neither version.
    expect(putDetails()).toEqual([expect.objectContaining({
      outcome: 'UNVERIFIED', deploymentId: arn, reason: expect.stringMatching(/the rollback of .* failed: tasks failed to start/),
      checks: [expect.objectContaining({ passed: true }), expect.objectContaining({ passed: true })],
    })]);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0].args[0].input).toMatchObject({ service: SERVICE_ARN, cluster: 'prod' });
  });

  test('on Amazon ECS, a deployment that completed without rolling back is not reported', async () => {
    const arn = `arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/orders-api/plain${sequence}`;
    ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: arn, status: 'SUCCESSFUL' }] });
    const { url } = await serve();
    const ecsEvent = { 'source': 'aws.ecs', 'detail-type': 'ECS Deployment State Change', 'resources': [SERVICE_ARN],
      'detail': { eventName: 'SERVICE_DEPLOYMENT_COMPLETED', serviceDeploymentArn: arn } };
    expect(await handler({ [ROLLBACK_VERIFICATION_FIELD]: settings(url, 'ECS'), event: ecsEvent } as never, fakeContext()))
      .toMatchObject({ verdict: 'ignored' });
    expect(putDetails()).toEqual([]);
  });
});
