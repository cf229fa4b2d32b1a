/**
 * The release notifier: one message per failed, stopped or rolled-back deployment, naming the
 * service, stage, version and why; published even when the lookups fail, and thrown only when
 * the publish itself fails.
 */
import {
  CodeDeployClient, DeploymentInfo, ECSTarget, GetDeploymentCommand, GetDeploymentTargetCommand, ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeTaskDefinitionCommand, DescribeTaskSetsCommand, ECSClient } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../../lib/private/contract/release-notifier';
import { DeploymentStateChangeEvent, handler } from '../../../lambda/release-notifier';
import { CapturedLogs, awsError, captureLogs, fakeContext, stubDeploymentTarget } from '../helpers';

const codeDeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:release-notifications';
const GREEN_TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:42';
const CONFIG: ReleaseNotifierConfig = {
  topicArn: TOPIC,
  releaseVersionVariable: 'RELEASE_VERSION',
  pipelineConsoleUrl: 'https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders/executions?region=eu-west-1',
  deploymentGroups: [{
    applicationName: 'orders-app',
    deploymentGroupName: 'orders-prod',
    serviceName: 'orders-api',
    stageName: 'Production',
    consoleUrl: 'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/applications/orders-app/deployment-groups/orders-prod?region=eu-west-1',
    cluster: 'orders-cluster',
    service: 'orders-api',
    containerName: 'web',
  }],
};

function stateChange(state: string, overrides: Partial<{ application: string; deploymentGroup: string }> = {}): DeploymentStateChangeEvent {
  return {
    'id': 'event-1',
    'detail-type': 'CodeDeploy Deployment State-change Notification',
    'region': 'eu-west-1',
    'detail': { region: 'eu-west-1', deploymentId: 'd-ABC123', application: 'orders-app', deploymentGroup: 'orders-prod', state, ...overrides },
  };
}

function deployment(fields: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } {
  return {
    deploymentInfo: {
      deploymentId: 'd-ABC123',
      applicationName: 'orders-app',
      deploymentGroupName: 'orders-prod',
      status: 'Failed',
      creator: 'user',
      ...fields,
    },
  };
}

const GREEN_TARGET: ECSTarget = {
  taskSetsInfo: [
    { identifer: 'ecs-svc/1111', taskSetLabel: 'Blue' },
    { identifer: 'ecs-svc/2222', taskSetLabel: 'Green' },
  ],
  lifecycleEvents: [
    { lifecycleEventName: 'BeforeInstall', status: 'Succeeded' },
    { lifecycleEventName: 'Install', status: 'Succeeded' },
    {
      lifecycleEventName: 'AfterAllowTestTraffic',
      status: 'Failed',
      diagnostics: { errorCode: 'ScriptFailed', message: 'check /health: status 500, expected 200', logTail: 'GET /health -> 500 in 12 ms' },
    },
    { lifecycleEventName: 'BeforeAllowTraffic', status: 'Skipped' },
  ],
};

interface Published {
  subject: string;
  email: string;
  chatbot: { version: string; source: string; content: { textType: string; title: string; description: string; nextSteps?: string[] }; metadata: Record<string, string> };
}

function published(): Published[] {
  return sns.commandCalls(PublishCommand).map((call) => {
    const input = call.args[0].input;
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.MessageStructure).toBe('json');
    const message = JSON.parse(input.Message!) as { default: string; email: string };
    return { subject: input.Subject!, email: message.email, chatbot: JSON.parse(message.default) };
  });
}

function onlyMessage(): Published {
  const messages = published();
  expect(messages).toHaveLength(1);
  const [message] = messages;
  expect(message.subject.length).toBeLessThanOrEqual(100);
  expect(message.subject).toMatch(/^[\x20-\x7e]+$/);
  expect(message.chatbot).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
  return message;
}

let logs: CapturedLogs;

beforeEach(() => {
  codeDeploy.reset();
  ecs.reset();
  sns.reset();
  process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify(CONFIG);
  // No backoff waits: the retries themselves are what these tests look at.
  jest.spyOn(Math, 'random').mockReturnValue(0);
  codeDeploy.on(GetDeploymentCommand).resolves(deployment({
    errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'The deployment failed because a specified lifecycle event hook failed.' },
  }));
  stubDeploymentTarget(codeDeploy, GREEN_TARGET);
  ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ id: 'ecs-svc/2222', taskDefinition: GREEN_TASK_DEFINITION }] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: GREEN_TASK_DEFINITION,
      family: 'orders-api',
      revision: 42,
      containerDefinitions: [{ name: 'web', environment: [{ name: 'RELEASE_VERSION', value: '4f1c7d2' }] }],
    },
  });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  jest.restoreAllMocks();
  delete process.env[RELEASE_NOTIFIER_CONFIG_ENV];
});

describe('release notifier', () => {
  test('a failed hook: the message names the service, stage, version, the lifecycle event and its diagnostics', async () => {
    const result = await handler(stateChange('FAILURE'), fakeContext());

    const message = onlyMessage();
    expect(result).toEqual({ subject: message.subject, messageId: 'm-1' });
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 failed (4f1c7d2)');
    expect(message.email).toContain('Service: orders-api');
    expect(message.email).toContain('Stage: Production');
    expect(message.email).toContain('Version: 4f1c7d2 (RELEASE_VERSION of task definition orders-api:42)');
    expect(message.email).toContain('Why: AfterAllowTestTraffic failed: check /health: status 500, expected 200 (ScriptFailed)');
    expect(message.email).toContain('GET /health -> 500 in 12 ms');
    expect(message.email).toContain('https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC123?region=eu-west-1');
    expect(message.email).toContain(CONFIG.pipelineConsoleUrl);
    expect(message.chatbot.content.title).toContain('orders-api Production: deployment d-ABC123 failed (version 4f1c7d2)');
    expect(message.chatbot.content.description).toContain('*Why:* AfterAllowTestTraffic failed: check /health: status 500, expected 200');
    expect(message.chatbot.metadata).toMatchObject({ eventType: 'DeploymentFailed', threadId: 'd-ABC123' });
    expect(ecs.commandCalls(DescribeTaskSetsCommand)[0].args[0].input).toEqual({ cluster: 'orders-cluster', service: 'orders-api', taskSets: ['ecs-svc/2222'] });
  });

  test('an alarm stop: the message names the alarm that fired, and the rollback', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({
      status: 'Stopped',
      errorInformation: {
        code: 'ALARM_ACTIVE',
        message: 'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. '
          + 'Activated alarms: <orders-api-target-5xx>',
      },
      rollbackInfo: { rollbackMessage: 'Deployment d-ABC123 was rolled back: traffic is back on the original task set.' },
    }));
    stubDeploymentTarget(codeDeploy, { ...GREEN_TARGET, lifecycleEvents: [{ lifecycleEventName: 'AfterAllowTraffic', status: 'Succeeded' }] });

    await handler(stateChange('STOP'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 rolled back (4f1c7d2)');
    expect(message.email).toContain('Why: rollback alarm orders-api-target-5xx went into ALARM');
    expect(message.email).toContain('Rollback: Deployment d-ABC123 was rolled back: traffic is back on the original task set.');
    expect(message.chatbot.metadata.eventType).toBe('DeploymentStopped');
  });

  test('a rolled-back deployment names the rollback deployment', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({
      errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'The deployment failed because a specified lifecycle event hook failed.' },
      rollbackInfo: { rollbackDeploymentId: 'd-RB4567', rollbackMessage: 'Rolled back by CodeDeploy after the deployment failed.' },
    }));

    await handler(stateChange('FAILURE'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 rolled back (4f1c7d2)');
    expect(message.email).toContain('Rollback: rolled back by deployment d-RB4567; Rolled back by CodeDeploy after the deployment failed.');
    expect(message.chatbot.content.nextSteps?.[0]).toMatch(/^Production traffic is back on the previous \(blue\) task set/);
  });

  test('a throttled GetDeployment is retried', async () => {
    codeDeploy.on(GetDeploymentCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .resolves(deployment({ errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'hook failed' } }));

    await handler(stateChange('FAILURE'), fakeContext());

    expect(codeDeploy.commandCalls(GetDeploymentCommand)).toHaveLength(2);
    expect(onlyMessage().email).toContain('Deployment: d-ABC123, failed (status Failed)');
    expect(logs.lines.some((line) => line.message === 'retrying AWS call' && line.call === 'codedeploy:GetDeployment')).toBe(true);
  });

  test('the version lookup fails: the message is still published, with "version unknown" and the error', async () => {
    ecs.on(DescribeTaskSetsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:DescribeTaskSets'));

    await handler(stateChange('FAILURE'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 failed');
    expect(message.email).toContain('Version: version unknown: not authorized to perform ecs:DescribeTaskSets');
    expect(message.email).toContain('Why: AfterAllowTestTraffic failed');
    expect(message.chatbot.content.title).toContain('(version unknown: not authorized');
  });

  test('the green task set is gone after the rollback: the version comes from the deployment\'s AppSpec', async () => {
    ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [], failures: [{ arn: 'ecs-svc/2222', reason: 'MISSING' }] });
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({
      revision: {
        revisionType: 'AppSpecContent',
        appSpecContent: { content: JSON.stringify({ Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: GREEN_TASK_DEFINITION } } }] }) },
      },
    }));

    await handler(stateChange('FAILURE'), fakeContext());

    expect(onlyMessage().email).toContain('Version: 4f1c7d2 (RELEASE_VERSION of task definition orders-api:42)');
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0].args[0].input).toEqual({ taskDefinition: GREEN_TASK_DEFINITION });
  });

  test('GetDeployment and the target fail for good: the message still names what the event says', async () => {
    codeDeploy.on(GetDeploymentCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform codedeploy:GetDeployment'));
    codeDeploy.on(ListDeploymentTargetsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform codedeploy:ListDeploymentTargets'));

    await handler(stateChange('FAILURE'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 failed');
    expect(message.email).toContain('Why: unknown: not authorized to perform codedeploy:GetDeployment; not authorized to perform codedeploy:ListDeploymentTargets');
    expect(message.email).toContain('version unknown');
    expect(codeDeploy.commandCalls(GetDeploymentTargetCommand)).toHaveLength(0);
  });

  test('fails when the publish fails after its retries, so that EventBridge and Lambda retry', async () => {
    sns.on(PublishCommand).rejects(awsError('ThrottlingException'));

    await expect(handler(stateChange('FAILURE'), fakeContext())).rejects.toThrow('ThrottlingException from the service');

    expect(sns.commandCalls(PublishCommand)).toHaveLength(6);
    const failure = logs.lines.find((line) => line.message === 'could not publish the notification');
    expect(failure).toMatchObject({ level: 'error', subject: 'orders-api Production: deployment d-ABC123 failed (4f1c7d2)' });
    expect(String(failure?.text)).toContain('AfterAllowTestTraffic failed');
  });

  test('a deployment group the configuration does not know is named by its CodeDeploy names', async () => {
    await handler(stateChange('FAILURE', { application: 'billing-app', deploymentGroup: 'billing-prod' }), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('billing-app/billing-prod unknown stage: deployment d-ABC123 failed');
    expect(message.email).toContain('Deployment group: billing-app/billing-prod (not a stage of this pipeline\'s configuration)');
    expect(message.email).toContain('Why: AfterAllowTestTraffic failed: check /health: status 500, expected 200');
    expect(message.email).toContain('version unknown');
    expect(ecs.commandCalls(DescribeTaskSetsCommand)).toHaveLength(0);
  });

  test('a success, when asked for, says so without a reason', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment({ status: 'Succeeded' }));
    stubDeploymentTarget(codeDeploy, { ...GREEN_TARGET, lifecycleEvents: [{ lifecycleEventName: 'AfterAllowTraffic', status: 'Succeeded' }] });

    await handler(stateChange('SUCCESS'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment d-ABC123 succeeded (4f1c7d2)');
    expect(message.email).not.toContain('Why:');
    expect(message.chatbot.metadata.eventType).toBe('DeploymentSucceeded');
  });

  test('a long service and stage name keep the subject within 100 characters', async () => {
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({
      ...CONFIG,
      deploymentGroups: [{ ...CONFIG.deploymentGroups[0], serviceName: 'a-very-long-service-name-'.repeat(3), stageName: 'Production-eu-central-1-and-more' }],
    });

    await handler(stateChange('FAILURE'), fakeContext());

    expect(onlyMessage().subject).toMatch(/^a-very-long-service-name-.*\.\.\.$/);
  });
});
