/**
 * The release notifier for services Amazon ECS deploys itself: failures and rollbacks always
 * notified, completions only when asked, starts never, other services ignored; the message names
 * the service, stage, version, lifecycle stage and why, and is published even when lookups fail.
 */
import {
  DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, DescribeTaskDefinitionCommand, ECSClient, ListServiceDeploymentsCommand,
} from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../../contract/release-notifier';
import { handler } from '../../../lambda/release-notifier';
import { CapturedLogs, awsError, captureLogs, fakeContext } from '../helpers';
import {
  CONSOLE_URL, ECS_CONFIG, EVENT_TIME, OTHER_SERVICE_ARN, SERVICE_ARN, SERVICE_DEPLOYMENT_ARN, SOURCE_REVISION, TARGET_REVISION,
  ecsEvent, publishedMessages, serviceDeployment, stubEcs,
} from './ecs-fixtures';

const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);
const CIRCUIT_BREAKER_REASON = 'ECS deployment circuit breaker: task failed to start.';

let logs: CapturedLogs;

function configure(config: Partial<ReleaseNotifierConfig> = {}): void {
  process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({ ...ECS_CONFIG, ...config });
}

function onlyMessage() {
  const messages = publishedMessages(sns);
  expect(messages).toHaveLength(1);
  return messages[0];
}

beforeEach(() => {
  ecs.reset();
  sns.reset();
  configure();
  jest.spyOn(Math, 'random').mockReturnValue(0);
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  jest.restoreAllMocks();
  delete process.env[RELEASE_NOTIFIER_CONFIG_ENV];
});

describe('a failed ECS deployment', () => {
  test('names the service, stage, version, lifecycle stage and the circuit breaker\'s reason, with the deployments console link', async () => {
    stubEcs(ecs, serviceDeployment({
      status: 'STOPPED',
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      lifecycleStage: 'SCALE_UP',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
    }));

    const result = await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON), fakeContext());

    const message = onlyMessage();
    expect(result).toEqual({ subject: message.subject, messageId: 'm-1' });
    expect(message.subject).toBe('orders-api Production: deployment NCWGC2ZR-taawPAYrIaU5 failed, not rolled back (1.4.0)');
    expect(message.email).toContain('Service: orders-api');
    expect(message.email).toContain('Stage: Production');
    expect(message.email).toContain('Version: 1.4.0 (RELEASE_VERSION of task definition orders-api:42)');
    expect(message.email).toContain('Lifecycle stage: SCALE_UP');
    expect(message.email).toContain('Why: the circuit breaker counted 3 failed tasks (threshold 3) '
      + '(ECS: ECS deployment circuit breaker: tasks failed to start.; ECS deployment circuit breaker: task failed to start.)');
    expect(message.email).toContain(`Service deployments: ${CONSOLE_URL}`);
    expect(message.email).toContain(ECS_CONFIG.pipelineConsoleUrl);
    expect(message.email).not.toContain('Rolled back to');
    expect(message.chatbot.content.title).toBe(':x: orders-api Production: deployment NCWGC2ZR-taawPAYrIaU5 failed, not rolled back (version 1.4.0)');
    expect(message.chatbot.metadata).toMatchObject({ eventType: 'DeploymentFailed', threadId: SERVICE_DEPLOYMENT_ARN });
    expect(message.chatbot.id).toBe('ddca6449-b258-46c0-8653-e0e3aEXAMPLE');
    // The event names the deployment by ecs-svc id only: found among the service's newest by its target revision.
    expect(message.email).toContain('Deployment found by: its target service revision 4980306466373577095');
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)[0].args[0].input).toEqual({
      service: SERVICE_ARN,
      cluster: 'orders-cluster',
      createdAt: { before: new Date(Date.parse(EVENT_TIME) + 60_000) },
      maxResults: 20,
    });
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)[0].args[0].input).toEqual({ serviceDeploymentArns: [SERVICE_DEPLOYMENT_ARN] });
  });

  test('names every triggered alarm in quotes and the failed lifecycle hook by its function', async () => {
    stubEcs(ecs, serviceDeployment({
      status: 'ROLLBACK_IN_PROGRESS',
      statusReason: 'Service deployment rolled back because of alarms.',
      lifecycleStage: 'BAKE_TIME',
      alarms: { status: 'TRIGGERED', alarmNames: ['orders-api: 5xx rate > 1% for 2 min (Production)', 'orders-p99'], triggeredAlarmNames: ['orders-api: 5xx rate > 1% for 2 min (Production)'] },
      lifecycleHookDetails: [
        { hookId: 'h-1', targetType: 'AWS_LAMBDA', targetArn: 'arn:aws:lambda:eu-west-1:111122223333:function:orders-smoke-test', status: 'SUCCEEDED' },
        { hookId: 'h-2', targetType: 'AWS_LAMBDA', targetArn: 'arn:aws:lambda:eu-west-1:111122223333:function:orders-metric-gate', status: 'FAILED' },
      ],
      rollback: { reason: 'alarms', serviceRevisionArn: SOURCE_REVISION },
    }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'ECS deployment failed: alarms in ALARM state.'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment NCWGC2ZR-taawPAYrIaU5 failed and is rolling back (1.4.0)');
    expect(message.email).toContain('Why: rollback alarm "orders-api: 5xx rate > 1% for 2 min (Production)" went into ALARM; '
      + 'lifecycle hook orders-metric-gate failed (ECS: Service deployment rolled back because of alarms.; ECS deployment failed: alarms in ALARM state.)');
    expect(message.email).not.toContain('orders-smoke-test');
    expect(message.email).toContain('Lifecycle stage: BAKE_TIME');
    expect(message.email).toContain('Rolled back to: 1.3.9 (RELEASE_VERSION of task definition orders-api:41)');
  });

  test('an event naming the service deployment by ARN is described directly, without listing the service\'s deployments', async () => {
    stubEcs(ecs, serviceDeployment({ status: 'STOPPED', statusReason: 'stopped by the circuit breaker' }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON, { detail: { serviceDeploymentArn: SERVICE_DEPLOYMENT_ARN } }), fakeContext());

    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(0);
    expect(onlyMessage().email).not.toContain('Deployment found by');
  });

  test('a deployment id that matches no listed revision falls back to the newest deployment, and says so', async () => {
    stubEcs(ecs, serviceDeployment({ status: 'STOPPED', statusReason: 'stopped by the circuit breaker' }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON, { detail: { deploymentId: 'ecs-svc/1234' } }), fakeContext());

    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)[0].args[0].input).toEqual({ serviceDeploymentArns: [SERVICE_DEPLOYMENT_ARN] });
    expect(onlyMessage().email).toContain('Deployment found by: the newest deployment of the service created before the event (the event names ecs-svc/1234)');
  });
});

describe('a rolled-back ECS deployment', () => {
  test('names the version that failed and the version production is back on', async () => {
    stubEcs(ecs, serviceDeployment({
      status: 'ROLLBACK_SUCCESSFUL',
      statusReason: 'Service deployment rolled back because the lifecycle hook failed.',
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      rollback: { reason: 'lifecycle hook failed', startedAt: new Date('2026-11-30T12:29:00Z'), serviceRevisionArn: SOURCE_REVISION },
    }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'ECS deployment failed.'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment NCWGC2ZR-taawPAYrIaU5 rolled back (1.4.0)');
    expect(message.email).toContain('Version: 1.4.0 (RELEASE_VERSION of task definition orders-api:42)');
    expect(message.email).toContain('Rolled back to: 1.3.9 (RELEASE_VERSION of task definition orders-api:41)');
    expect(message.email).toContain('Lifecycle stage: POST_TEST_TRAFFIC_SHIFT');
    expect(message.email).toContain('Why: Service deployment rolled back because the lifecycle hook failed.; ECS deployment failed.');
    expect(message.email).toContain('Production traffic is back on the previous service revision.');
    expect(ecs.commandCalls(DescribeServiceRevisionsCommand).map((call) => call.args[0].input.serviceRevisionArns).sort())
      .toEqual([[SOURCE_REVISION], [TARGET_REVISION]].sort());
  });

  test('a completion that is a rollback\'s is notified without notifyDeploymentSuccess, from the source revision when ECS names no rollback revision', async () => {
    stubEcs(ecs, serviceDeployment({ status: 'ROLLBACK_SUCCESSFUL', statusReason: 'rolled back by a person' }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', 'ECS deployment ecs-svc/4980306466373577095 completed.'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment NCWGC2ZR-taawPAYrIaU5 rolled back (1.4.0)');
    expect(message.email).toContain('Rolled back to: 1.3.9');
    expect(message.chatbot.metadata.eventType).toBe('DeploymentFailed');
  });

  test('a failed rollback says so, and what to check', async () => {
    stubEcs(ecs, serviceDeployment({ status: 'ROLLBACK_FAILED', statusReason: 'rollback failed', rollback: { serviceRevisionArn: SOURCE_REVISION } }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'ECS deployment failed.'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toContain('failed, and so did its rollback');
    expect(message.email).toContain('The rollback failed too');
  });
});

describe('a completed ECS deployment', () => {
  test('is not notified without notifyDeploymentSuccess', async () => {
    stubEcs(ecs, serviceDeployment({ status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' }));

    const result = await handler(ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', 'ECS deployment ecs-svc/4980306466373577095 completed.'), fakeContext());

    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(result).toEqual({ ignored: 'a completed deployment is notified only with notifyDeploymentSuccess' });
    expect(logs.lines).toContainEqual(expect.objectContaining({ message: 'event ignored' }));
  });

  test('with notifyDeploymentSuccess, says which version was released, with no reason and no next step', async () => {
    configure({ notifyDeploymentSuccess: true });
    stubEcs(ecs, serviceDeployment({ status: 'SUCCESSFUL', lifecycleStage: 'CLEAN_UP' }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', 'ECS deployment ecs-svc/4980306466373577095 completed.'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment NCWGC2ZR-taawPAYrIaU5 succeeded (1.4.0)');
    expect(message.email).not.toContain('Why:');
    expect(message.email).not.toContain('Lifecycle stage:');
    expect(message.email).not.toContain('Rolled back to');
    expect(message.chatbot.content.title).toMatch(/^:white_check_mark: /);
    expect(message.chatbot.content.nextSteps).toBeUndefined();
    expect(message.chatbot.metadata.eventType).toBe('DeploymentSucceeded');
  });

  test('whose record cannot be read is notified even without notifyDeploymentSuccess, since it may be a rollback\'s', async () => {
    stubEcs(ecs, serviceDeployment());
    ecs.on(ListServiceDeploymentsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:ListServiceDeployments'));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_COMPLETED', 'ECS deployment ecs-svc/4980306466373577095 completed.'), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment ecs-svc/4980306466373577095 completed');
    expect(message.email).toContain('Why: whether it was released or rolled back is unknown: AccessDeniedException: not authorized to perform ecs:ListServiceDeployments');
  });
});

describe('events the notifier does not notify', () => {
  test('a service that is not one of the pipeline\'s stages is logged and ignored, with no lookup', async () => {
    const result = await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON, { resources: [OTHER_SERVICE_ARN] }), fakeContext());

    expect(result).toEqual({ ignored: `service ${OTHER_SERVICE_ARN} is not one of the pipeline's stages` });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(ecs.calls()).toHaveLength(0);
    expect(logs.lines).toContainEqual(expect.objectContaining({ message: 'ECS deployment state change', service: OTHER_SERVICE_ARN, known: false }));
  });

  test.each([
    ['a start', 'ECS deployment ecs-svc/4980306466373577095 in progress.'],
    ['a rollback\'s start', 'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/4980306466373570001.'],
  ])('%s (SERVICE_DEPLOYMENT_IN_PROGRESS) is never notified, even with notifyDeploymentSuccess', async (_what, reason) => {
    configure({ notifyDeploymentSuccess: true });

    const result = await handler(ecsEvent('SERVICE_DEPLOYMENT_IN_PROGRESS', reason), fakeContext());

    expect(result.ignored).toContain('SERVICE_DEPLOYMENT_IN_PROGRESS is not notified');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(ecs.calls()).toHaveLength(0);
  });
});

describe('lookups that fail', () => {
  test('AccessDenied on the service deployment: the message is still published, saying what is unknown and why, with the event\'s reason', async () => {
    ecs.on(ListServiceDeploymentsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:ListServiceDeployments'));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON), fakeContext());

    const message = onlyMessage();
    expect(message.subject).toBe('orders-api Production: deployment ecs-svc/4980306466373577095 failed');
    expect(message.email).toContain('Version: version unknown: the service deployment could not be read: '
      + 'AccessDeniedException: not authorized to perform ecs:ListServiceDeployments');
    expect(message.email).toContain(`Why: ${CIRCUIT_BREAKER_REASON}`);
    expect(message.email).toContain(CONSOLE_URL);
    expect(ecs.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(1);
  });

  test('AccessDenied on the task definition: the version falls back to the task definition, saying why', async () => {
    stubEcs(ecs, serviceDeployment({ status: 'STOPPED', statusReason: 'stopped by the circuit breaker' }));
    ecs.on(DescribeTaskDefinitionCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:DescribeTaskDefinition'));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON), fakeContext());

    expect(onlyMessage().email).toContain('Version: orders-api:42 (task definition arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:42 '
      + '(RELEASE_VERSION unknown: AccessDeniedException: not authorized to perform ecs:DescribeTaskDefinition))');
  });

  test('a service deployment ECS does not find: its failure is named in the version line', async () => {
    stubEcs(ecs, serviceDeployment());
    ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [], failures: [{ arn: SERVICE_DEPLOYMENT_ARN, reason: 'MISSING' }] });

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON), fakeContext());

    expect(onlyMessage().email).toContain(`the service deployment could not be read: ecs:DescribeServiceDeployments found no service deployment ${SERVICE_DEPLOYMENT_ARN} (MISSING)`);
  });

  test('a publish that keeps failing throws, after logging the whole text', async () => {
    stubEcs(ecs, serviceDeployment({ status: 'ROLLBACK_SUCCESSFUL', rollback: { serviceRevisionArn: SOURCE_REVISION } }));
    sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException', 403));

    await expect(handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'ECS deployment failed.'), fakeContext())).rejects.toThrow('AuthorizationErrorException');

    const line = logs.lines.find((l) => l.message === 'could not publish the notification');
    expect(line?.text).toContain('Rolled back to: 1.3.9');
  });
});

describe('configuration', () => {
  test('a console URL in the configuration is the one the message links', async () => {
    const consoleUrl = 'https://console.amazonaws.cn/ecs/v2/clusters/orders-cluster/services/orders-api/deployments?region=cn-north-1';
    configure({ ecsServices: [{ ...ECS_CONFIG.ecsServices![0], consoleUrl }] });
    stubEcs(ecs, serviceDeployment({ status: 'ROLLBACK_SUCCESSFUL', rollback: { serviceRevisionArn: SOURCE_REVISION } }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'ECS deployment failed.'), fakeContext());

    expect(onlyMessage().email).toContain(`Service deployments: ${consoleUrl}`);
  });

  test('without a container name the version is the target task definition', async () => {
    configure({ ecsServices: [{ serviceArn: SERVICE_ARN, serviceName: 'orders-api', stageName: 'Production' }] });
    stubEcs(ecs, serviceDeployment({ status: 'STOPPED' }));

    await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON), fakeContext());

    expect(onlyMessage().email).toContain('Version: orders-api:42 (task definition arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:42)');
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });

  test.each([
    [{ ecsServices: {} }, 'ecsServices must be an array'],
    [{ ecsServices: [{ serviceName: 'orders-api', stageName: 'Production' }] }, 'ecsServices[0].serviceArn must be a non-empty string'],
    [{ notifyDeploymentSuccess: 'yes' }, 'notifyDeploymentSuccess must be true or false'],
  ])('fails when the configuration is invalid: %j', async (config, problem) => {
    process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify({ ...ECS_CONFIG, ...config });

    await expect(handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', CIRCUIT_BREAKER_REASON), fakeContext()))
      .rejects.toThrow(`invalid ${RELEASE_NOTIFIER_CONFIG_ENV}: ${problem}`);
  });
});
