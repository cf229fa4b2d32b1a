/**
 * The bundled release notifier (`assets/handlers/release-notifier/index.js`) on its new paths, as
 * Lambda runs it: an unverified rollback goes to every topic with its severity, and a publish
 * denied on one topic is thrown once.
 */
import * as path from 'path';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../../contract/release-notifier';
import type { ReleaseNotifierResult } from '../../../lambda/release-notifier';
import { awsError, fakeContext, useHandlerEnvironment } from '../helpers';

type Handler = (event: unknown, context: unknown) => Promise<ReleaseNotifierResult>;

function bundledHandler(): Handler {
  const file = path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'release-notifier', 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { handler: Handler }).handler;
}

const sns = mockClient(SNSClient);
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:release';
const CRITICAL = 'arn:aws:sns:eu-west-1:111122223333:release-critical';
const CONFIG: ReleaseNotifierConfig = {
  topicArn: TOPIC,
  severityTopics: [{ topicArn: CRITICAL, minimumSeverity: 'CRITICAL' }],
  releaseVersionVariable: 'RELEASE_VERSION',
  deploymentGroups: [{ applicationName: 'orders-app', deploymentGroupName: 'orders-prod', serviceName: 'orders-api', stageName: 'Production', consoleUrl: 'https://console/dg' }],
};
const UNVERIFIED = {
  'source': 'cdk-ecs-release', 'detail-type': 'Rollback Verification Result', 'region': 'eu-west-1',
  'detail': {
    outcome: 'UNVERIFIED', engine: 'CODE_DEPLOY', serviceName: 'orders-api', deploymentId: 'd-ABC123', applicationName: 'orders-app',
    deploymentGroupName: 'orders-prod', reason: 'the rollback did not complete in time', checks: [], startedAt: '2026-12-03T07:00:00Z', completedAt: '2026-12-03T07:20:00Z',
  },
};
const environment = useHandlerEnvironment({ [RELEASE_NOTIFIER_CONFIG_ENV]: JSON.stringify(CONFIG) });

beforeEach(() => {
  sns.reset();
});


test('an unverified rollback reaches every topic, marked CRITICAL', async () => {
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  await expect(bundledHandler()(UNVERIFIED, fakeContext())).resolves.toEqual({ subject: 'orders-api Production: rollback of d-ABC123 UNVERIFIED', messageId: 'm-1' });
  const calls = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
  expect(calls.map((input) => [input.TopicArn, input.MessageAttributes?.severity?.StringValue]).sort()).toEqual([[TOPIC, 'CRITICAL'], [CRITICAL, 'CRITICAL']]);
});

test('a publish denied on the CRITICAL topic is thrown once, for the retries and the dead-letter queue', async () => {
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sns.on(PublishCommand, { TopicArn: CRITICAL }).rejects(awsError('AuthorizationErrorException', 403, 'not authorized'));
  await expect(bundledHandler()(UNVERIFIED, fakeContext())).rejects.toThrow('not authorized');
  expect(environment.logs.lines.filter((line) => line.level === 'error').map((line) => line.message)).toEqual(['could not publish the notification']);
});
