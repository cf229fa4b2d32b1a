/**
 * The approval wait's events on EventBridge: one when a deployment starts waiting, and one when
 * it is approved, rejected or runs out of time. They tell people; they decide nothing, so a
 * failure to publish is logged and never fails the hook.
 */
import { ApprovalDecisionDetail, ApprovalWaitingDetail } from '../../contract/approval-wait';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { answerOf } from '../shared/answer';
import { clientConfig, lazy } from '../shared/clients';
import { HookContext } from '../shared/hook';
import { describeError, errorName } from '../shared/logger';
import { ApprovalWaitSettings } from './config';

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const eventBridgeApi = lazy(() => import('@aws-sdk/client-eventbridge').then((sdk) => ({
  client: new sdk.EventBridgeClient(clientConfig()),
  sdk,
})));

/**
 * The most one publication takes, retries included: the approval's read and the hook's answer
 * come first, and the waiting event is tried again on the next run anyway.
 */
export const PUBLISH_BUDGET_MS = 5_000;

/** Time kept before the run's deadline for what follows an AWS call (the hook's answer). */
export const RUN_RESERVE_MS = 1_000;

/**
 * A scope for the calls of one step of the run: the run's signal and logger, and a deadline no
 * later than `budgetMs` from now, nor than the run's own minus {@link RUN_RESERVE_MS}, so that
 * a step that keeps failing leaves the run time to answer.
 */
export function stepScope(context: HookContext<unknown>, budgetMs: number): AwsCallScope {
  return {
    signal: context.signal,
    logger: context.logger,
    deadline: Math.min(Date.now() + budgetMs, context.deadline - RUN_RESERVE_MS),
  };
}

/**
 * Publishes one event on the configured bus; `true` once EventBridge has accepted it. Every
 * failure (a refused call, an entry EventBridge did not take, the step's time running out) is a
 * warning in the log and `false`.
 */
export async function publishApprovalEvent(
  context: HookContext<unknown>,
  settings: ApprovalWaitSettings,
  detailType: string,
  detail: ApprovalWaitingDetail | ApprovalDecisionDetail,
): Promise<boolean> {
  const call = 'events:PutEvents';
  const fields = { detailType, eventBusName: settings.eventBusName, eventSource: settings.eventSource };
  try {
    const { client, sdk } = await eventBridgeApi();
    const answer = answerOf(call, await awsCall(stepScope(context, PUBLISH_BUDGET_MS), call, (abortSignal) => client.send(new sdk.PutEventsCommand({
      Entries: [{
        Source: settings.eventSource,
        DetailType: detailType,
        Detail: JSON.stringify(detail),
        EventBusName: settings.eventBusName,
        Resources: [detail.deploymentArn],
      }],
    }), { abortSignal }), { maxAttempts: 3, logFields: fields }));
    const entry = answer.Entries?.[0];
    if ((answer.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
      throw new Error(`${call} did not take the event: ${entry?.ErrorCode ?? 'no event id'}${entry?.ErrorMessage ? `: ${entry.ErrorMessage}` : ''}`);
    }
    context.logger.info('approval event published', { ...fields, eventId: entry.EventId });
    return true;
  } catch (error) {
    context.logger.warn('could not publish the approval event; the hook goes on without it', {
      ...fields,
      error: describeError(error),
      ...(errorName(error) === 'AccessDeniedException'
        ? { fix: `the function's role needs ${call} on the event bus ${settings.eventBusName}` }
        : {}),
    });
    return false;
  }
}
