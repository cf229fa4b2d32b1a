/**
 * The deployment recorder: EventBridge invokes it with the pipeline's stage and action state
 * changes, the CodeDeploy and Amazon ECS deployments of its stages, and the rollback
 * verifications; it keeps one item per release and stage in the record table.
 *
 * Every invocation ends in one outcome, logged as one `decision` line: recorded, duplicate
 * (the event was applied before), ignored (not an event of the pipeline's stages), or an error
 * thrown after the write's retries, so that EventBridge's and Lambda's retries, then the
 * dead-letter queue, take over and no record is lost silently.
 */
import type { AwsCallScope } from '../shared/aws-call';
import type { LambdaContext } from '../shared/hook';
import { createLogger, describeError } from '../shared/logger';
import { loadRecorderSettings } from './config';
import { RecordUpdate, RecordedEvent, mapEvent } from './events';
import { runFollowUps } from './follow-up';
import { approverOf, buildVariablesOf } from './pipeline-lookup';
import type { RecorderSettings } from './config';
import { rolledBackDeployment } from './rollback-lookup';
import { WriteResult, applyUpdate } from './write';

export type { RecordedEvent } from './events';

/** What one invocation did. */
export interface RecorderResult {
  readonly outcome: 'recorded' | 'duplicate' | 'ignored';
  /** `<releaseKey> <recordId>` of each item the event concerned. */
  readonly records?: string[];
  /** Why the event was not recorded. */
  readonly reason?: string;
}

/** Time kept back from the function's timeout, so a write in progress ends in an error Lambda retries rather than a timeout. */
const DEADLINE_MARGIN_MS = 2_000;

export async function handler(event: RecordedEvent, context?: LambdaContext): Promise<RecorderResult> {
  const eventId = typeof event?.id === 'string' ? event.id : undefined;
  const logger = createLogger({
    ...(eventId ? { eventId } : {}),
    detailType: String(event?.['detail-type']),
    ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
  });
  const settings = loadRecorderSettings();
  const mapping = eventId ? mapEvent(event, settings) : { ignored: 'the event has no id' };
  if ('ignored' in mapping) {
    logger.info('decision', { verdict: 'ignored', reason: mapping.ignored });
    return { outcome: 'ignored', reason: mapping.ignored };
  }
  const scope: AwsCallScope = {
    signal: new AbortController().signal,
    deadline: Date.now() + (context?.getRemainingTimeInMillis() ?? 60_000) - DEADLINE_MARGIN_MS,
    logger,
  };
  const updates = await withBuildImage(scope, event, settings,
    await withApprover(scope, event, await withRollbackOrigin(scope, event, mapping.updates)));
  const records = updates.map((update) => `${update.releaseKey} ${update.recordId}`);
  const results: WriteResult[] = [];
  try {
    for (const update of updates) {
      results.push(await applyUpdate(scope, settings.tableName, update, eventId!, event.time!));
    }
    await runFollowUps(updates.map((update, index) => ({ scope, settings, event, update, result: results[index] })));
  } catch (error) {
    logger.error('decision', { verdict: 'failed', records, error: describeError(error),
      reason: 'the record could not be written; the event is retried, then kept in the dead-letter queue' });
    throw error;
  }
  const outcome = results.some((result) => result.outcome === 'recorded') ? 'recorded' : 'duplicate';
  logger.info('decision', { verdict: outcome, records, ...(outcome === 'duplicate' ? { reason: 'the event was recorded before' } : {}) });
  return { outcome, records };
}

/**
 * A CodeDeploy deployment's start or success names the deployment it rolled back, when it is
 * CodeDeploy's rollback: its success is then no release of its own.
 */
async function withRollbackOrigin(scope: AwsCallScope, event: RecordedEvent, updates: RecordUpdate[]): Promise<RecordUpdate[]> {
  const state = event.detail?.state;
  if (event.source !== 'aws.codedeploy' || (state !== 'START' && state !== 'SUCCESS') || updates.length !== 1) {
    return updates;
  }
  const rollbackOf = await rolledBackDeployment(scope, updates[0].recordId);
  if (!rollbackOf) {
    return updates;
  }
  scope.logger.info('the deployment is CodeDeploy\'s rollback', { deploymentId: updates[0].recordId, rollbackOf });
  return [{ ...updates[0], setOnce: { ...updates[0].setOnce, rollbackOf } }];
}

/** An approval's decision names who decided it. */
async function withApprover(scope: AwsCallScope, event: RecordedEvent, updates: RecordUpdate[]): Promise<RecordUpdate[]> {
  const detail = event.detail ?? {};
  const category = (detail.type as { category?: unknown } | undefined)?.category;
  if (event['detail-type'] !== 'CodePipeline Action Execution State Change' || category !== 'Approval' || updates.length !== 1
    || updates[0].set?.approvalOutcome === undefined) {
    return updates;
  }
  const approvedBy = await approverOf(scope, {
    pipelineName: String(detail.pipeline), executionId: String(detail['execution-id']), stageName: String(detail.stage), actionName: String(detail.action),
  });
  return approvedBy ? [{ ...updates[0], set: { ...updates[0].set, approvedBy } }] : updates;
}

/** A build's success names the image it pushed, by digest, and its tag. */
async function withBuildImage(scope: AwsCallScope, event: RecordedEvent, settings: RecorderSettings, updates: RecordUpdate[])
  : Promise<RecordUpdate[]> {
  const detail = event.detail ?? {};
  const category = (detail.type as { category?: unknown } | undefined)?.category;
  if (event['detail-type'] !== 'CodePipeline Action Execution State Change' || category !== 'Build' || !settings.buildVariables || updates.length !== 1) {
    return updates;
  }
  const variables = await buildVariablesOf(scope, {
    pipelineName: String(detail.pipeline), executionId: String(detail['execution-id']), stageName: String(detail.stage), actionName: String(detail.action),
  });
  const imageUri = variables[settings.buildVariables.imageUri];
  const imageTag = variables[settings.buildVariables.imageTag];
  return [{ ...updates[0], setOnce: { ...updates[0].setOnce, ...(imageUri ? { imageUri } : {}), ...(imageTag ? { imageTag } : {}) } }];
}
