/**
 * The notification forwarder: SNS invokes it with each message of the topic of its route's
 * threshold, and it sends the message to PagerDuty's Events API v2 (trigger, or resolve when a
 * later message ends the incident), with the integration key read from Secrets Manager; or, for
 * an HTTPS route, POSTs it as JSON with the secret as the `Authorization` header.
 *
 * Every invocation ends one way: delivered (PagerDuty accepted the event), or thrown (the key
 * could not be read; PagerDuty refused the event, throttled, failed or did not answer in time),
 * so that Lambda's retries and then the dead-letter queue, with its alarm, take over. A refusal
 * (HTTP 400: a malformed event, or a wrong integration key) is kept too rather than dropped: a
 * page nobody receives must be seen. The dedup key makes a retried delivery one incident, not two.
 */
import { awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import type { LambdaContext } from '../shared/hook';
import { Logger, createLogger, describeError } from '../shared/logger';
import { loadForwarderSettings } from './config';
import { jsonBodyOf } from './json-body';
import { PagerDutyEvent, SnsMessage, pagerDutyEventOf } from './pagerduty-event';

export type { PagerDutyEvent, SnsMessage } from './pagerduty-event';

/** The SNS event Lambda receives: one record per message. */
export interface SnsEvent {
  readonly Records?: readonly { readonly Sns?: SnsMessage }[];
}

export interface ForwarderResult {
  /** Per record, what PagerDuty answered: `delivered` (HTTP 2xx) and the dedup key. */
  readonly delivered: { readonly dedupKey: string; readonly action: string; readonly status: number }[];
}

/** Thrown for a response worth another attempt: throttling, a server error. */
export class EndpointError extends Error {
  constructor(readonly status: number, body: string) {
    super(`the endpoint answered HTTP ${status}: ${body.slice(0, 300)}`);
    this.name = 'EndpointError';
  }
}

const secretsSdk = lazy(() => import('@aws-sdk/client-secrets-manager'));
const secretsClient = lazy(() => secretsSdk().then((sdk) => ({ sdk, client: new sdk.SecretsManagerClient(clientConfig()) })));

/** The key, per secret, for the life of the container: read once, not per message. A failed read is not kept. */
const routingKeys = new Map<string, string>();

/** Forgets the cached keys (tests). */
export function clearRoutingKeyCache(): void {
  routingKeys.clear();
}

export async function handler(event: SnsEvent, context?: LambdaContext): Promise<ForwarderResult> {
  const started = Date.now();
  const deadline = started + (context?.getRemainingTimeInMillis() ?? 30_000) - 1000;
  const logger = createLogger({ ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}) });
  const settings = loadForwarderSettings();
  const records = (event?.Records ?? []).flatMap((record) => record?.Sns ? [record.Sns] : []);
  if (records.length === 0) {
    logger.warn('event ignored', { reason: 'the event holds no SNS message' });
    return { delivered: [] };
  }
  const scope = { signal: new AbortController().signal, deadline, logger };
  let routingKey: string;
  try {
    routingKey = await readRoutingKey(scope, settings.routingKeySecret);
  } catch (error) {
    logger.error('could not read the routing key; the message is retried, then kept in the dead-letter queue', {
      secret: settings.routingKeySecret, messageIds: records.map((r) => r.MessageId), error: describeError(error),
    });
    throw error;
  }
  const delivered: ForwarderResult['delivered'][number][] = [];
  for (const message of records) {
    const timeoutMs = Math.min(settings.requestTimeoutMs, deadline - Date.now());
    if (settings.format === 'JSON') {
      const body = jsonBodyOf(message);
      const status = await send(logger, settings.endpointUrl, body, { authorization: routingKey }, timeoutMs,
        { messageId: message.MessageId, action: 'post', dedupKey: body.facts?.dedupKey ?? message.MessageId, summary: body.subject });
      delivered.push({ dedupKey: body.facts?.dedupKey ?? message.MessageId ?? '', action: 'post', status });
      continue;
    }
    const pagerDutyEvent: PagerDutyEvent = { routing_key: routingKey, ...pagerDutyEventOf(message, settings.source) };
    const status = await send(logger, settings.endpointUrl, pagerDutyEvent, {}, timeoutMs,
      { messageId: message.MessageId, action: pagerDutyEvent.event_action, dedupKey: pagerDutyEvent.dedup_key, summary: pagerDutyEvent.payload?.summary });
    delivered.push({ dedupKey: pagerDutyEvent.dedup_key, action: pagerDutyEvent.event_action, status });
  }
  return { delivered };
}

async function readRoutingKey(scope: { signal: AbortSignal; deadline: number; logger: Logger }, secretId: string): Promise<string> {
  const cached = routingKeys.get(secretId);
  if (cached) {
    return cached;
  }
  const { client, sdk } = await secretsClient();
  const out = await awsCall(scope, 'secretsmanager:GetSecretValue', (abortSignal) =>
    client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }), { abortSignal }), { maxAttempts: 3, attemptTimeoutMs: 5000 });
  const key = out.SecretString?.trim();
  if (!key) {
    throw new Error(`secret ${secretId} holds no SecretString; store the PagerDuty integration key as its plain text value`);
  }
  routingKeys.set(secretId, key);
  return key;
}

/** One POST: its status when accepted, else thrown. `logged` names it in the log, without the secret. */
async function send(logger: Logger, url: string, payload: unknown, headers: Record<string, string>, timeoutMs: number,
  logged: Record<string, unknown>): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
  } catch (error) {
    logger.error('the endpoint did not answer; the message is retried, then kept in the dead-letter queue', { ...logged, timeoutMs, error: describeError(error) });
    throw error;
  }
  const body = await response.text().catch(() => '');
  if (response.ok) {
    logger.info('event delivered', { ...logged, status: response.status });
    return response.status;
  }
  const error = new EndpointError(response.status, body);
  logger.error(response.status === 400
    ? 'the endpoint refused the event (malformed, or a wrong integration key); the message is retried, then kept in the dead-letter queue'
    : 'the endpoint did not accept the event; the message is retried, then kept in the dead-letter queue', {
    ...logged, status: response.status, error: describeError(error),
  });
  throw error;
}
