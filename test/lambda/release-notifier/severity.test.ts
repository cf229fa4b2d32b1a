/**
 * Severities and routing in the release notifier: each message carries its severity (an SNS
 * attribute, and the facts a forwarder pages by) and goes to every topic its severity reaches;
 * a CodeDeploy deployment waiting at READY, a start, and a rollback's verification are told; a
 * publish that fails on one topic is thrown once, after the others were published.
 */
import { CodeDeployClient, GetDeploymentCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeTaskDefinitionCommand, ECSClient, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import type { NotificationFacts, RollbackAlarmNotice } from '../../../contract/notification-routing';
import { RollbackVerificationDetail } from '../../../contract/release-events';
import { RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../../contract/release-notifier';
import { handler } from '../../../lambda/release-notifier';
import { CapturedLogs, awsError, captureLogs, fakeContext, stubDeploymentTarget } from '../helpers';
import { ECS_CONFIG, SERVICE_ARN, ecsEvent, serviceDeployment, stubEcs } from './ecs-fixtures';

const codeDeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:release-notifications';
const WARNING_TOPIC = 'arn:aws:sns:eu-west-1:111122223333:release-warnings';
const CRITICAL_TOPIC = 'arn:aws:sns:eu-west-1:111122223333:release-critical';
const TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:42';
const CONFIG: ReleaseNotifierConfig = {
  topicArn: TOPIC,
  severityTopics: [{ topicArn: WARNING_TOPIC, minimumSeverity: 'WARNING' }, { topicArn: CRITICAL_TOPIC, minimumSeverity: 'CRITICAL' }],
  releaseVersionVariable: 'RELEASE_VERSION',
  deploymentGroups: [{
    applicationName: 'orders-app', deploymentGroupName: 'orders-prod', serviceName: 'orders-api', stageName: 'Production',
    consoleUrl: 'https://console/dg', cluster: 'orders-cluster', service: 'orders-api', containerName: 'web',
  }],
  ecsServices: ECS_CONFIG.ecsServices,
};

function codeDeployEvent(state: string) {
  return {
    'id': 'event-1',
    'source': 'aws.codedeploy',
    'detail-type': 'CodeDeploy Deployment State-change Notification',
    'region': 'eu-west-1',
    'detail': { region: 'eu-west-1', deploymentId: 'd-ABC123', application: 'orders-app', deploymentGroup: 'orders-prod', state },
  };
}

function verification(detail: Partial<RollbackVerificationDetail>) {
  const full: RollbackVerificationDetail = {
    outcome: 'VERIFIED', engine: 'CODE_DEPLOY', serviceName: 'orders-api', deploymentId: 'd-ABC123',
    applicationName: 'orders-app', deploymentGroupName: 'orders-prod', reason: 'every smoke check passed against production',
    checks: [{ name: 'health', passed: true, detail: 'status 200 in 12 ms' }], url: 'https://orders.example.com',
    restoredVersion: '3e0a9b1', startedAt: '2026-12-03T07:00:00Z', completedAt: '2026-12-03T07:01:00Z', ...detail,
  };
  return { 'id': 'event-9', 'source': 'cdk-ecs-release', 'detail-type': 'Rollback Verification Result', 'region': 'eu-west-1', 'detail': full };
}

interface Publish {
  topic: string;
  subject: string;
  email: string;
  severity?: string;
  resolves?: string;
  facts?: NotificationFacts;
}

function publishes(): Publish[] {
  return sns.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    const message = JSON.parse(input.Message!) as { email: string; lambda?: string };
    return {
      topic: input.TopicArn!,
      subject: input.Subject!,
      email: message.email,
      severity: input.MessageAttributes?.severity?.StringValue,
      resolves: input.MessageAttributes?.resolves?.StringValue,
      facts: message.lambda ? (JSON.parse(message.lambda) as { facts: NotificationFacts }).facts : undefined,
    };
  });
}

let logs: CapturedLogs;

beforeEach(() => {
  codeDeploy.reset();
  ecs.reset();
  sns.reset();
  process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify(CONFIG);
  jest.spyOn(Math, 'random').mockReturnValue(0);
  codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: {
    deploymentId: 'd-ABC123', status: 'Failed', errorInformation: { code: 'ALARM_ACTIVE', message: 'Activated alarms: <orders-api: 5xx rate>' },
    revision: { revisionType: 'AppSpecContent', appSpecContent: { content: `{"Resources":[{"TargetService":{"Properties":{"TaskDefinition":"${TASK_DEFINITION}"}}}]}` } },
  } });
  stubDeploymentTarget(codeDeploy, { lifecycleEvents: [] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: {
    taskDefinitionArn: TASK_DEFINITION, family: 'orders-api', revision: 42, containerDefinitions: [{ name: 'web', environment: [{ name: 'RELEASE_VERSION', value: '4f1c7d2' }] }],
  } });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  jest.restoreAllMocks();
  delete process.env[RELEASE_NOTIFIER_CONFIG_ENV];
});

describe('severity routing', () => {
  test('a failed deployment is WARNING: published to the pipeline topic and the WARNING topic, not the CRITICAL one', async () => {
    await handler(codeDeployEvent('FAILURE'), fakeContext());
    const sent = publishes();
    expect(sent.map((p) => p.topic).sort()).toEqual([TOPIC, WARNING_TOPIC].sort());
    for (const publish of sent) {
      expect(publish.severity).toBe('WARNING');
      expect(publish.resolves).toBeUndefined();
      expect(publish.facts).toEqual({
        severity: 'WARNING', eventType: 'DeploymentFailed', serviceName: 'orders-api', stageName: 'Production', version: '4f1c7d2',
        dedupKey: 'release:orders-api/Production', why: 'rollback alarm "orders-api: 5xx rate" went into ALARM',
        consoleUrl: 'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC123?region=eu-west-1',
      });
    }
  });

  test('a successful deployment is INFO and resolves the stage\'s incident: the pipeline topic alone', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-ABC123', status: 'Succeeded' } });
    await handler(codeDeployEvent('SUCCESS'), fakeContext());
    expect(publishes()).toEqual([expect.objectContaining({ topic: TOPIC, severity: 'INFO', resolves: 'true' })]);
  });

  test('without severity topics a message goes to the pipeline topic alone, as before', async () => {
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({ ...CONFIG, severityTopics: undefined });
    await handler(codeDeployEvent('FAILURE'), fakeContext());
    expect(publishes().map((p) => p.topic)).toEqual([TOPIC]);
  });

  test('a publish that fails on one topic is thrown once, with the topics it reached logged', async () => {
    sns.on(PublishCommand, { TopicArn: WARNING_TOPIC }).rejects(awsError('AuthorizationErrorException', 403, 'not authorized to publish'));
    await expect(handler(codeDeployEvent('FAILURE'), fakeContext())).rejects.toThrow('not authorized to publish');
    const errors = logs.lines.filter((line) => line.level === 'error');
    expect(errors).toEqual([expect.objectContaining({ message: 'could not publish the notification', failedTopics: [WARNING_TOPIC], publishedTopics: [TOPIC] })]);
  });

  test('a bad severity topic in the configuration fails with the field named', async () => {
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({ ...CONFIG, severityTopics: [{ topicArn: WARNING_TOPIC, minimumSeverity: 'LOUD' }] });
    await expect(handler(codeDeployEvent('FAILURE'), fakeContext())).rejects.toThrow('severityTopics[0].minimumSeverity must be one of INFO, WARNING, CRITICAL');
    expect(publishes()).toHaveLength(0);
  });
});

describe('new sources', () => {
  test('a CodeDeploy deployment waiting at READY is WARNING, with the commands that continue it', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-ABC123', status: 'Ready',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: `{"TaskDefinition":"${TASK_DEFINITION}"}` } } } });
    await handler(codeDeployEvent('READY'), fakeContext());
    const sent = publishes();
    expect(sent.map((p) => p.topic).sort()).toEqual([TOPIC, WARNING_TOPIC].sort());
    expect(sent[0].subject).toBe('orders-api Production: deployment d-ABC123 awaits approval (4f1c7d2)');
    expect(sent[0].email).toContain('aws deploy continue-deployment --deployment-id d-ABC123 --deployment-wait-type READY_WAIT');
    expect(sent[0].email).toContain('npx cdk-ecs-release promote --service orders-api');
    expect(sent[0].facts).toEqual(expect.objectContaining({ severity: 'WARNING', eventType: 'DeploymentAwaitingApproval' }));
  });

  test('a CodeDeploy start is ignored unless asked for, then INFO', async () => {
    await expect(handler(codeDeployEvent('START'), fakeContext())).resolves.toEqual({ ignored: expect.stringMatching(/notifyDeploymentStart/) });
    expect(publishes()).toHaveLength(0);
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({ ...CONFIG, notifyDeploymentStart: true });
    await handler(codeDeployEvent('START'), fakeContext());
    expect(publishes()).toEqual([expect.objectContaining({ topic: TOPIC, severity: 'INFO', subject: 'orders-api Production: deployment d-ABC123 started (4f1c7d2)' })]);
  });

  test('an Amazon ECS start is INFO when asked for; a rollback\'s start is not told', async () => {
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({ ...CONFIG, notifyDeploymentStart: true });
    stubEcs(ecs, serviceDeployment({ status: 'IN_PROGRESS' }));
    await handler(ecsEvent('SERVICE_DEPLOYMENT_IN_PROGRESS', 'ECS deployment in progress.'), fakeContext());
    expect(publishes()).toEqual([expect.objectContaining({ topic: TOPIC, severity: 'INFO', subject: expect.stringMatching(/^orders-api Production: deployment by Amazon ECS started/) })]);
    sns.resetHistory();
    stubEcs(ecs, serviceDeployment({ status: 'ROLLBACK_IN_PROGRESS' }));
    await expect(handler(ecsEvent('SERVICE_DEPLOYMENT_IN_PROGRESS', 'rolling back'), fakeContext())).resolves.toEqual({ ignored: expect.stringMatching(/rollback/) });
    expect(publishes()).toHaveLength(0);
  });

  test('an unverified rollback is CRITICAL: every topic, naming the failed check', async () => {
    await handler(verification({ outcome: 'UNVERIFIED', reason: 'smoke check health answered 503',
      checks: [{ name: 'health', passed: false, detail: 'status 503, expected 200' }] }), fakeContext());
    const sent = publishes();
    expect(sent.map((p) => p.topic).sort()).toEqual([TOPIC, WARNING_TOPIC, CRITICAL_TOPIC].sort());
    expect(sent[0].subject).toBe('orders-api Production: rollback of d-ABC123 UNVERIFIED');
    expect(sent[0].email).toContain('FAILED health: status 503, expected 200');
    expect(sent[0].email).toContain('Why: smoke check health answered 503');
    expect(sent[0].facts).toEqual(expect.objectContaining({ severity: 'CRITICAL', eventType: 'RollbackUnverified', dedupKey: 'release:orders-api/Production' }));
    expect(sent[0].resolves).toBeUndefined();
  });

  test('a verified rollback is WARNING and resolves the stage\'s incident', async () => {
    await handler(verification({}), fakeContext());
    const sent = publishes();
    expect(sent.map((p) => p.topic).sort()).toEqual([TOPIC, WARNING_TOPIC].sort());
    expect(sent[0]).toEqual(expect.objectContaining({ severity: 'WARNING', resolves: 'true', subject: 'orders-api Production: rollback of d-ABC123 verified' }));
    expect(sent[0].email).toContain('Version: 3e0a9b1 (serving after the rollback)');
  });

  test('a verification of an Amazon ECS service is found by its ARN', async () => {
    await handler(verification({ engine: 'ECS', applicationName: undefined, deploymentGroupName: undefined, serviceArn: SERVICE_ARN, deploymentId: 'NCWGC2ZR' }), fakeContext());
    expect(publishes()[0].subject).toBe('orders-api Production: rollback of NCWGC2ZR verified');
  });

  test('a verification of a service that is no stage here is ignored, saying so', async () => {
    await expect(handler(verification({ applicationName: 'other', deploymentGroupName: 'other', serviceName: 'billing-api' }), fakeContext()))
      .resolves.toEqual({ ignored: 'rollback verification of billing-api concerns no stage of this pipeline' });
    expect(publishes()).toHaveLength(0);
  });

  test('an outcome nobody can read is told as UNVERIFIED', async () => {
    await handler(verification({ outcome: 'MAYBE' as 'VERIFIED' }), fakeContext());
    expect(publishes().map((p) => p.severity)).toEqual(['CRITICAL', 'CRITICAL', 'CRITICAL']);
  });
});

describe('rollback alarms outside a deployment', () => {
  function alarmNotice(fields: Partial<RollbackAlarmNotice> = {}): RollbackAlarmNotice {
    return {
      kind: 'cdk-ecs-release:rollback-alarm', serviceName: 'orders-api', stageName: 'Production', engine: 'CODE_DEPLOY',
      applicationName: 'orders-app', deploymentGroupName: 'orders-prod', requiresApproval: 'true', consoleUrl: 'https://console/dg',
      alarmName: 'orders-api: 5xx rate > 1% for 2 min (Production)', alarmArn: 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-api-5xx',
      reason: 'Threshold Crossed: 2 datapoints were greater than the threshold (1.0)', time: '2026-12-03T07:10:00Z', region: 'eu-west-1', ...fields,
    };
  }

  test('on a stage that requires approval, with no deployment in flight, it is CRITICAL: every topic', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    await handler(alarmNotice() as never, fakeContext());
    const sent = publishes();
    expect(sent.map((p) => p.topic).sort()).toEqual([TOPIC, WARNING_TOPIC, CRITICAL_TOPIC].sort());
    expect(sent[0].subject).toBe('orders-api Production: rollback alarm in ALARM outside a deployment');
    expect(sent[0].email).toContain('Alarm: orders-api: 5xx rate > 1% for 2 min (Production)');
    expect(sent[0].facts).toEqual(expect.objectContaining({ severity: 'CRITICAL', eventType: 'RollbackAlarmOutsideDeployment', dedupKey: 'release:orders-api/Production' }));
    expect(codeDeploy.commandCalls(ListDeploymentsCommand)[0].args[0].input).toEqual({
      applicationName: 'orders-app', deploymentGroupName: 'orders-prod', includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
    });
  });

  test('on another stage it is WARNING', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    await handler(alarmNotice({ requiresApproval: 'false', stageName: 'Staging' }) as never, fakeContext());
    expect(publishes().map((p) => p.severity)).toEqual(['WARNING', 'WARNING']);
  });

  test('during a deployment nothing is published: the deployment\'s own message follows', async () => {
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-XYZ789'] });
    await expect(handler(alarmNotice() as never, fakeContext())).resolves.toEqual({ ignored: expect.stringMatching(/deployment d-XYZ789 is in flight/) });
    expect(publishes()).toHaveLength(0);
  });

  test('on Amazon ECS the service\'s deployments in flight are listed', async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/orders-cluster/orders-api/NCW' }] });
    await expect(handler(alarmNotice({ engine: 'ECS', serviceArn: SERVICE_ARN, applicationName: undefined, deploymentGroupName: undefined }) as never, fakeContext()))
      .resolves.toEqual({ ignored: expect.stringMatching(/deployment NCW is in flight/) });
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0].args[0].input).toEqual({ cluster: 'orders-cluster', service: 'orders-api', status: ['PENDING', 'IN_PROGRESS'] });
  });

  test('when it cannot tell whether a deployment is in flight, the alarm is published, saying so', async () => {
    codeDeploy.on(ListDeploymentsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform codedeploy:ListDeployments'));
    await handler(alarmNotice() as never, fakeContext());
    const sent = publishes();
    expect(sent).toHaveLength(3);
    expect(sent[0].email).toContain('Deployment in flight: unknown: not authorized to perform codedeploy:ListDeployments');
  });
});
