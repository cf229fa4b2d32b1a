/**
 * Publishing a notification to the topic, for every engine's deployments. A publish that fails
 * after retries throws, so that EventBridge's and Lambda's retries, then the dead-letter queue,
 * take over.
 */
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { Logger, describeError } from '../shared/logger';
import { clientConfig, lazy } from '../shared/clients';
import { RESOLVES_ATTRIBUTE, SEVERITY_ATTRIBUTE, SeverityTopic, reaches } from '../../contract/notification-routing';
import type { DeployedVersion } from './lookup';
import type { Notification } from './message';


const PUBLISH_RETRY = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5000, attemptTimeoutMs: 10_000 } as const;

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const snsSdk = lazy(() => import('@aws-sdk/client-sns'));
/** One client per region: the topic of a pipeline in another region is published to in its own. */
const snsClients = new Map<string, import('@aws-sdk/client-sns').SNSClient>();

async function snsApi(topicArn: string) {
  const sdk = await snsSdk();
  // arn:<partition>:sns:<region>:<account>:<name>
  const region = topicArn.split(':')[3] || clientConfig().region;
  const key = region ?? '';
  let client = snsClients.get(key);
  if (!client) {
    client = new sdk.SNSClient({ ...clientConfig(), region });
    snsClients.set(key, client);
  }
  return { client, sdk };
}

/** The topics a notification goes to: the pipeline's (every message), then each severity topic its severity reaches. */
export function topicsOf(topicArn: string, severityTopics: readonly SeverityTopic[], notification: Notification): string[] {
  const severity = notification.facts?.severity ?? 'WARNING';
  return [topicArn, ...severityTopics.filter((topic) => reaches(severity, topic.minimumSeverity)).map((topic) => topic.topicArn)];
}

/**
 * One SNS message with a text for each kind of subscriber: AWS Chatbot's JSON by default (Slack,
 * and any HTTPS or SQS subscriber), plain text for e-mail, and for a Lambda subscriber (a
 * forwarder) the facts with both texts. Its `severity` attribute lets subscribers filter.
 */
export async function publishNotification(scope: AwsCallScope, topicArn: string, notification: Notification) {
  const { client, sdk } = await snsApi(topicArn);
  const facts = notification.facts;
  return awsCall(scope, 'sns:Publish', (abortSignal) => client.send(new sdk.PublishCommand({
    TopicArn: topicArn,
    Subject: notification.subject,
    MessageStructure: 'json',
    Message: JSON.stringify({
      default: JSON.stringify(notification.chatbot),
      email: notification.text,
      ...(facts ? { lambda: JSON.stringify({ facts, subject: notification.subject, text: notification.text }) } : {}),
    }),
    ...(facts ? {
      MessageAttributes: {
        [SEVERITY_ATTRIBUTE]: { DataType: 'String', StringValue: facts.severity },
        ...(facts.resolves ? { [RESOLVES_ATTRIBUTE]: { DataType: 'String', StringValue: 'true' } } : {}),
      },
    } : {}),
  }), { abortSignal }), PUBLISH_RETRY);
}

/** The lookups leave at least this much of the function's time to publish. */
const PUBLISH_RESERVE_MS = 15_000;
/** And take at most this long, however long the function may run. */
const MAX_LOOKUP_MS = 30_000;

/** The lookups' scope: at most {@link MAX_LOOKUP_MS} from the start, and {@link PUBLISH_RESERVE_MS} left to publish. */
export function lookupScopeOf(logger: Logger, startedAt: number, functionDeadline: number): AwsCallScope {
  return { signal: new AbortController().signal, deadline: Math.min(startedAt + MAX_LOOKUP_MS, functionDeadline - PUBLISH_RESERVE_MS), logger };
}

/** What a notification knows when its lookup threw: nothing of the deployment or its version. */
export interface UnknownFacts {
  readonly deploymentError: string;
  readonly version: DeployedVersion;
}

/**
 * Runs `lookup`, which records each failure of its own; a throw is a defect, logged, and the
 * message then says the facts are unknown rather than not being published.
 */
export async function lookUpOrUnknown<T>(scope: AwsCallScope, lookup: () => Promise<T>): Promise<T | UnknownFacts> {
  try {
    return await lookup();
  } catch (error) {
    scope.logger.error('lookup failed', { error: describeError(error) });
    return { deploymentError: String(error), version: { known: false, reason: String(error) } };
  }
}

/**
 * Publishes `notification` before `deadline` to every topic its severity reaches (in parallel)
 * and logs the outcome; a publish that fails after retries is logged with the whole text and the
 * topics it did reach, so that the message can still be read, and thrown: the retried invocation
 * may then repeat it on a topic that had it (a forwarder's dedup key makes that one page).
 */
export async function publishAndLog(logger: Logger, topicArn: string | readonly string[], notification: Notification, deadline: number,
  fields: { readonly version?: string; readonly startedAt: number }): Promise<{ subject: string; messageId?: string }> {
  const scope: AwsCallScope = { signal: new AbortController().signal, deadline, logger };
  const topics = typeof topicArn === 'string' ? [topicArn] : [...topicArn];
  const results = await Promise.allSettled(topics.map((topic) => publishNotification(scope, topic, notification)));
  const failed = results.flatMap((result, index) => result.status === 'rejected' ? [{ topic: topics[index], error: result.reason as unknown }] : []);
  if (failed.length > 0) {
    logger.error('could not publish the notification', {
      subject: notification.subject, text: notification.text, error: describeError(failed[0].error),
      failedTopics: failed.map((f) => f.topic), publishedTopics: topics.filter((t) => !failed.some((f) => f.topic === t)),
    });
    throw failed[0].error;
  }
  const messageId = (results[0] as PromiseFulfilledResult<{ MessageId?: string }>).value.MessageId;
  logger.info('notification published', {
    subject: notification.subject, messageId, version: fields.version, elapsedMs: Date.now() - fields.startedAt,
    ...(notification.facts ? { severity: notification.facts.severity } : {}), ...(topics.length > 1 ? { topics: topics.length } : {}),
  });
  return { subject: notification.subject, messageId };
}
