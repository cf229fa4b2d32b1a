/**
 * Messages about a rollback link the rolled-back deployment's incident report, by the key the
 * deployment recorder writes it under; other messages, and a notifier without the bucket, do not.
 */
import { CodeDeployClient, DeploymentInfo, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../../contract/release-notifier';
import { handler } from '../../../lambda/release-notifier';
import { fakeContext, useHandlerEnvironment } from '../helpers';
import { ECS_CONFIG, SERVICE_DEPLOYMENT_ARN, ecsEvent, serviceDeployment, stubEcs } from './ecs-fixtures';

const codeDeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);
const BUCKET = 'orders-incident-reports';
const CONFIG: ReleaseNotifierConfig = {
  ...ECS_CONFIG,
  incidentReports: { bucket: BUCKET, releaseKeys: ['orders-api#Production'] },
  deploymentGroups: [{
    applicationName: 'orders-app', deploymentGroupName: 'orders-prod', serviceName: 'orders-api', stageName: 'Production', consoleUrl: 'https://console/dg',
  }],
};

function link(stage: string, file: string): string {
  return `https://eu-west-1.console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&bucketType=general`
    + `&prefix=${encodeURIComponent(`incidents/orders-api/${stage}/${file}`)}`;
}

function message(): { email: string; description: string } {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const body = JSON.parse(calls[0].args[0].input.Message!) as { email: string; default: string };
  return { email: body.email, description: (JSON.parse(body.default) as { content: { description: string } }).content.description };
}

function codeDeployEvent(state: string, deploymentId = 'd-ABC123') {
  return {
    'id': 'event-1', 'source': 'aws.codedeploy', 'detail-type': 'CodeDeploy Deployment State-change Notification', 'region': 'eu-west-1',
    'detail': { region: 'eu-west-1', deploymentId, application: 'orders-app', deploymentGroup: 'orders-prod', state },
  };
}

function deployment(fields: Partial<DeploymentInfo>): { deploymentInfo: DeploymentInfo } {
  return { deploymentInfo: { deploymentId: 'd-ABC123', applicationName: 'orders-app', deploymentGroupName: 'orders-prod', status: 'Failed', creator: 'user', ...fields } };
}

useHandlerEnvironment({ [RELEASE_NOTIFIER_CONFIG_ENV]: JSON.stringify(CONFIG) });

beforeEach(() => {
  codeDeploy.reset();
  ecs.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});


describe('the incident report\'s link', () => {
  test('a rollback\'s verification links the rolled-back deployment\'s report, in the e-mail and in chat', async () => {
    await handler({ 'id': 'event-9', 'source': 'cdk-ecs-release', 'detail-type': 'Rollback Verification Result', 'region': 'eu-west-1', 'detail': {
      outcome: 'UNVERIFIED', engine: 'CODE_DEPLOY', serviceName: 'orders-api', deploymentId: 'd-ABC123', applicationName: 'orders-app',
      deploymentGroupName: 'orders-prod', reason: 'health check failed', checks: [], startedAt: '2026-12-03T07:00:00Z', completedAt: '2026-12-03T07:01:00Z',
    } }, fakeContext());

    const { email, description } = message();
    expect(email).toContain(`Incident report: ${link('Production', 'd-ABC123.md')}`);
    expect(description).toContain(`<${link('Production', 'd-ABC123.md')}|Incident report>`);
  });

  test('a CodeDeploy failure that rolled back links its own report; its rollback deployment\'s end links the one it rolled back', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({ rollbackInfo: { rollbackDeploymentId: 'd-RB1', rollbackMessage: 'rolled back by d-RB1' } }));
    await handler(codeDeployEvent('FAILURE'), fakeContext());
    expect(message().email).toContain(`Incident report: ${link('Production', 'd-ABC123.md')}`);

    sns.resetHistory();
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({ deploymentId: 'd-RB1', status: 'Failed', creator: 'codeDeployRollback',
      rollbackInfo: { rollbackTriggeringDeploymentId: 'd-ABC123' } }));
    await handler(codeDeployEvent('FAILURE', 'd-RB1'), fakeContext());
    expect(message().email).toContain(`Incident report: ${link('Production', 'd-ABC123.md')}`);
  });

  test('a CodeDeploy failure without a rollback links none', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({ errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'a hook failed' } }));
    await handler(codeDeployEvent('FAILURE'), fakeContext());
    expect(message().email).not.toContain('Incident report');
  });

  test('an Amazon ECS rollback links the report keyed by its service deployment; a failure without a rollback links none', async () => {
    stubEcs(ecs, serviceDeployment({ status: 'ROLLBACK_SUCCESSFUL', rollback: { reason: 'the circuit breaker initiated the rollback' } }));
    await handler(ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', 'rolled back', { detail: { serviceDeploymentArn: SERVICE_DEPLOYMENT_ARN } }), fakeContext());
    expect(message().email).toContain(`Incident report: ${link('Production', 'NCWGC2ZR-taawPAYrIaU5.md')}`);

    sns.resetHistory();
    ecs.reset();
    stubEcs(ecs, serviceDeployment({ status: 'STOPPED' }));
    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'stopped', { detail: { serviceDeploymentArn: SERVICE_DEPLOYMENT_ARN } }), fakeContext());
    expect(message().email).not.toContain('Incident report');
  });

  test('a service and stage the recorder writes no report of (another environment\'s, a notified service\'s) links none', async () => {
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({ ...CONFIG, incidentReports: { bucket: BUCKET, releaseKeys: ['orders-api#Staging'] } });
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({ rollbackInfo: { rollbackDeploymentId: 'd-RB1' } }));
    await handler(codeDeployEvent('FAILURE'), fakeContext());
    expect(message().email).not.toContain('Incident report');
  });
});
