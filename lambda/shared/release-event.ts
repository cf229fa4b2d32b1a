/**
 * Puts one event of this library on the default EventBridge bus: a rollback verification's
 * result, which pages and lands in the deployment record, or a lifecycle hook's result, which
 * lands there too.
 */
import { MAX_RELEASE_EVENT_DETAIL_BYTES, RELEASE_EVENT_SOURCE } from '../../contract/release-events';
import { answerOf, objectList } from './answer';
import { AwsCallScope, awsCall } from './aws-call';
import { clientConfig, lazy } from './clients';

const eventBridgeApi = lazy(() => import('@aws-sdk/client-eventbridge').then((sdk) => ({
  client: new sdk.EventBridgeClient(clientConfig()),
  sdk,
})));

/** A PutEvents entry EventBridge refused: retried when EventBridge says the fault was its own or throttling. */
export class EventNotPutError extends Error {
  /** Read by the shared retry policy. */
  public readonly $retryable?: { readonly throttling: boolean };

  constructor(public readonly code: string | undefined, message: string) {
    super(message);
    this.name = 'EventNotPutError';
    if (code === undefined || code === 'InternalFailure' || code === 'ThrottlingException') {
      this.$retryable = { throttling: code === 'ThrottlingException' };
    }
  }
}

/**
 * Puts the event and returns its id. Retries with the shared policy (a refused entry counts as a
 * failed call) until the scope's deadline, then throws the last error. Needs `events:PutEvents`
 * on the default bus, with `events:source` = `cdk-ecs-release` and the event's `events:detail-type`.
 */
export async function putReleaseEvent(scope: AwsCallScope, detailType: string, detail: object, resources: readonly string[]): Promise<string> {
  const text = JSON.stringify(detail);
  if (Buffer.byteLength(text) > MAX_RELEASE_EVENT_DETAIL_BYTES) {
    throw new Error(`the ${detailType} detail takes ${Buffer.byteLength(text)} bytes, over ${MAX_RELEASE_EVENT_DETAIL_BYTES}`);
  }
  const { client, sdk } = await eventBridgeApi();
  const call = 'events:PutEvents';
  return awsCall(scope, call, async (abortSignal) => {
    const answer = answerOf(call, await client.send(new sdk.PutEventsCommand({
      Entries: [{ Source: RELEASE_EVENT_SOURCE, DetailType: detailType, Detail: text, Resources: [...resources] }],
    }), { abortSignal }));
    const entry = objectList<{ EventId?: unknown; ErrorCode?: unknown; ErrorMessage?: unknown }>(call, answer, 'Entries')[0];
    if (typeof entry?.EventId === 'string' && entry.EventId) {
      return entry.EventId;
    }
    const code = typeof entry?.ErrorCode === 'string' ? entry.ErrorCode : undefined;
    throw new EventNotPutError(code, `${call}: the event was not put (${code ?? 'no error code'}: ${String(entry?.ErrorMessage ?? 'no message')})`);
  }, { baseDelayMs: 200 });
}
