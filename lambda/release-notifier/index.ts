/**
 * The release notifier: EventBridge invokes it when a CodeDeploy deployment of one of the
 * pipeline's stages fails or is stopped (and, if asked, succeeds). It reads why from CodeDeploy
 * and which version from the deployed task definition, and publishes one message to the
 * notification topic.
 *
 * Lookups never fail the invocation: the message says what is unknown and why. Only a publish
 * that fails after retries throws, so that EventBridge's and Lambda's retries, then the
 * dead-letter queue, take over.
 */
import type { NotifiedDeploymentGroup } from '../../contract/release-notifier';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { awsRegion, clientConfig, lazy } from '../shared/clients';
import type { LambdaContext } from '../shared/hook';
import { createLogger, describeError } from '../shared/logger';
import { loadNotifierSettings } from './config';
import { DeploymentFacts, lookUpDeployment } from './lookup';
import { Notification, renderNotification } from './message';

/** The EventBridge event `CodeDeploy Deployment State-change Notification`. */
export interface DeploymentStateChangeEvent {
  readonly 'id'?: string;
  readonly 'detail-type'?: string;
  readonly 'region'?: string;
  readonly 'time'?: string;
  readonly 'detail'?: {
    readonly deploymentId?: string;
    readonly application?: string;
    readonly deploymentGroup?: string;
    readonly state?: string;
    readonly region?: string;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

export interface ReleaseNotifierResult {
  readonly subject: string;
  readonly messageId?: string;
}

/** The lookups leave at least this much of the function's time to publish. */
const PUBLISH_RESERVE_MS = 15_000;
/** And take at most this long, however long the function may run. */
const MAX_LOOKUP_MS = 30_000;
const PUBLISH_RETRY = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5000, attemptTimeoutMs: 10_000 } as const;

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const snsApi = lazy(() => import('@aws-sdk/client-sns').then((sdk) => ({ client: new sdk.SNSClient(clientConfig()), sdk })));

export async function handler(event: DeploymentStateChangeEvent, context?: LambdaContext): Promise<ReleaseNotifierResult> {
  const started = Date.now();
  const remainingMs = context?.getRemainingTimeInMillis() ?? 60_000;
  const functionDeadline = started + remainingMs - 1000;
  const detail = event?.detail ?? {};
  const deploymentId = stringOr(detail.deploymentId, 'unknown');
  const logger = createLogger({
    deploymentId,
    ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
  });
  const settings = loadNotifierSettings();
  const applicationName = stringOr(detail.application, 'unknown application');
  const deploymentGroupName = stringOr(detail.deploymentGroup, 'unknown deployment group');
  const state = stringOr(detail.state, 'UNKNOWN');
  const region = stringOr(detail.region ?? event?.region, awsRegion() ?? 'us-east-1');
  const group = settings.deploymentGroups.find((g) => g.applicationName === applicationName && g.deploymentGroupName === deploymentGroupName);
  logger.info('deployment state change', { state, application: applicationName, deploymentGroup: deploymentGroupName, known: group !== undefined });
  if (!group) {
    logger.warn('deployment group is not in the configuration; naming it by its CodeDeploy names', { application: applicationName, deploymentGroup: deploymentGroupName });
  }

  const lookupScope: AwsCallScope = {
    signal: new AbortController().signal,
    deadline: Math.min(started + MAX_LOOKUP_MS, functionDeadline - PUBLISH_RESERVE_MS),
    logger,
  };
  const facts = await lookUp(lookupScope, detail.deploymentId, group, settings.releaseVersionVariable, state);
  const notification = renderNotification({
    deploymentId,
    state,
    region,
    eventId: typeof event?.id === 'string' ? event.id : undefined,
    applicationName,
    deploymentGroupName,
    serviceName: group?.serviceName,
    stageName: group?.stageName,
    deploymentGroupConsoleUrl: group?.consoleUrl,
    pipelineConsoleUrl: settings.pipelineConsoleUrl,
    facts,
  });

  const publishScope: AwsCallScope = { signal: new AbortController().signal, deadline: functionDeadline, logger };
  try {
    const published = await publish(publishScope, settings.topicArn, notification);
    logger.info('notification published', {
      subject: notification.subject, messageId: published.MessageId, version: facts.version.known ? facts.version.value : undefined, elapsedMs: Date.now() - started,
    });
    return { subject: notification.subject, messageId: published.MessageId };
  } catch (error) {
    // Logged with the whole text, so that the message can still be read if every retry fails.
    logger.error('could not publish the notification', { subject: notification.subject, text: notification.text, error: describeError(error) });
    throw error;
  }
}

async function lookUp(
  scope: AwsCallScope,
  deploymentId: unknown,
  group: NotifiedDeploymentGroup | undefined,
  releaseVersionVariable: string,
  state: string,
): Promise<DeploymentFacts> {
  if (typeof deploymentId !== 'string' || deploymentId === '') {
    scope.logger.error('the event carries no deployment id', {});
    return { deploymentError: 'the event carries no deployment id', version: { known: false, reason: 'the event carries no deployment id' } };
  }
  try {
    return await lookUpDeployment(scope, deploymentId, group, releaseVersionVariable, state);
  } catch (error) {
    // lookUpDeployment records each failure itself; this is the net under a defect.
    scope.logger.error('lookup failed', { error: describeError(error) });
    return { deploymentError: String(error), version: { known: false, reason: String(error) } };
  }
}

/**
 * One SNS message with a text for each kind of subscriber: AWS Chatbot's JSON by default (Slack,
 * and any HTTPS, SQS or Lambda subscriber), plain text for e-mail.
 */
async function publish(scope: AwsCallScope, topicArn: string, notification: Notification) {
  const { client, sdk } = await snsApi();
  return awsCall(scope, 'sns:Publish', (abortSignal) => client.send(new sdk.PublishCommand({
    TopicArn: topicArn,
    Subject: notification.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({
      default: JSON.stringify(notification.chatbot),
      email: notification.text,
    }),
  }), { abortSignal }), PUBLISH_RETRY);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
