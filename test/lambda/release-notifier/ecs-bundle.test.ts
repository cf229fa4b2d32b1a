/**
 * The bundled release notifier (`assets/handlers/release-notifier/index.js`, built by
 * `node scripts/bundle-handlers.js`) with Amazon ECS's events, as Lambda runs it: a rollback is
 * published with both versions, an unknown service and a start are ignored, and a lookup denied
 * still publishes.
 */
import * as path from 'path';
import { ECSClient, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { RELEASE_NOTIFIER_CONFIG_ENV } from '../../../contract/release-notifier';
import type { ReleaseNotifierResult } from '../../../lambda/release-notifier';
import { CapturedLogs, awsError, captureLogs, fakeContext } from '../helpers';
import { ECS_CONFIG, OTHER_SERVICE_ARN, SOURCE_REVISION, ecsEvent, publishedMessages, serviceDeployment, stubEcs } from './ecs-fixtures';

type Handler = (event: unknown, context: unknown) => Promise<ReleaseNotifierResult>;

function bundledHandler(): Handler {
  const file = path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'release-notifier', 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { handler: Handler }).handler;
}

const ecs = mockClient(ECSClient);
const sns = mockClient(SNSClient);
let logs: CapturedLogs;

beforeEach(() => {
  ecs.reset();
  sns.reset();
  process.env[RELEASE_NOTIFIER_CONFIG_ENV] = JSON.stringify(ECS_CONFIG);
  jest.spyOn(Math, 'random').mockReturnValue(0);
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  jest.restoreAllMocks();
  delete process.env[RELEASE_NOTIFIER_CONFIG_ENV];
});

describe('the bundled release notifier with Amazon ECS events', () => {
  test('a rollback is published naming the version that failed and the one production is back on', async () => {
    stubEcs(ecs, serviceDeployment({
      status: 'ROLLBACK_SUCCESSFUL',
      statusReason: 'Service deployment rolled back because the lifecycle hook failed.',
      lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      rollback: { serviceRevisionArn: SOURCE_REVISION },
    }));

    const result = await bundledHandler()(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'ECS deployment failed.'), fakeContext());

    const messages = publishedMessages(sns);
    expect(messages).toHaveLength(1);
    expect(result).toEqual({ subject: messages[0].subject, messageId: 'm-1' });
    expect(messages[0].subject).toBe('orders-api Production: deployment NCWGC2ZR-taawPAYrIaU5 rolled back (1.4.0)');
    expect(messages[0].email).toContain('Rolled back to: 1.3.9 (RELEASE_VERSION of task definition orders-api:41)');
    expect(messages[0].email).toContain('Lifecycle stage: POST_TEST_TRAFFIC_SHIFT');
  });

  test('a service that is not a stage, and a start, are ignored without a message', async () => {
    const handler = bundledHandler();

    const unknown = await handler(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'failed', { resources: [OTHER_SERVICE_ARN] }), fakeContext());
    const start = await handler(ecsEvent('SERVICE_DEPLOYMENT_IN_PROGRESS', 'ECS deployment ecs-svc/1 in progress.'), fakeContext());

    expect(unknown.ignored).toBe(`service ${OTHER_SERVICE_ARN} is not one of the pipeline's stages`);
    expect(start.ignored).toContain('is not notified');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(ecs.calls()).toHaveLength(0);
  });

  test('a lookup denied still publishes, saying what is unknown and why', async () => {
    ecs.on(ListServiceDeploymentsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:ListServiceDeployments'));

    await bundledHandler()(ecsEvent('SERVICE_DEPLOYMENT_FAILED', 'ECS deployment circuit breaker: task failed to start.'), fakeContext());

    const messages = publishedMessages(sns);
    expect(messages).toHaveLength(1);
    expect(messages[0].email).toContain('Version: version unknown: the service deployment could not be read: AccessDeniedException');
    expect(messages[0].email).toContain('Why: ECS deployment circuit breaker: task failed to start.');
  });
});
