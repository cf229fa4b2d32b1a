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
import { approverOf, buildVariablesOf, commitTimeOf } from './pipeline-lookup';
import type { RecorderSettings } from './config';
import { rolledBackDeployment } from './rollback-lookup';
import { alarmFailure, isAlarmEvent, serviceStateKey, startFailure } from './service-state';
import { getItem } from './item-store';
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
  const scope: AwsCallScope = {
    signal: new AbortController().signal,
    deadline: Date.now() + (context?.getRemainingTimeInMillis() ?? 60_000) - DEADLINE_MARGIN_MS,
    logger,
  };
  const settings = await loadRecorderSettings(scope);
  if (eventId && isAlarmEvent(event)) {
    return recordAlarm(scope, settings, event);
  }
  const mapping = eventId ? mapEvent(event, settings) : { ignored: 'the event has no id' };
  if ('ignored' in mapping) {
    logger.info('decision', { verdict: 'ignored', reason: mapping.ignored });
    return { outcome: 'ignored', reason: mapping.ignored };
  }
  const records = mapping.updates.map((update) => `${update.releaseKey} ${update.recordId}`);
  const results: WriteResult[] = [];
  try {
    const updates = await withRelease(scope, settings, event, await withCommitTime(scope, event, await withBuildImage(scope, event, settings,
      await withApprover(scope, event, await withRollbackOrigin(scope, event, mapping.updates)))));
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

/** A rollback alarm into ALARM starts its service and stage's failure (time to restore); it writes no record of its own. */
async function recordAlarm(scope: AwsCallScope, settings: RecorderSettings, event: RecordedEvent): Promise<RecorderResult> {
  const start = alarmFailure(event, settings.alarms);
  if ('ignored' in start) {
    scope.logger.info('decision', { verdict: 'ignored', reason: start.ignored });
    return { outcome: 'ignored', reason: start.ignored };
  }
  const key = serviceStateKey(start);
  const records = [`${key.releaseKey} ${key.recordId}`];
  let started: boolean;
  try {
    started = await startFailure(scope, settings.tableName, start);
  } catch (error) {
    scope.logger.error('decision', { verdict: 'failed', records, error: describeError(error),
      reason: 'the failure could not be recorded; the event is retried, then kept in the dead-letter queue' });
    throw error;
  }
  const reason = started ? undefined : 'the service was failing since then already, or was restored after the alarm';
  scope.logger.info('decision', { verdict: started ? 'recorded' : 'duplicate', records, ...(reason ? { reason } : {}) });
  return { outcome: started ? 'recorded' : 'duplicate', records, ...(reason ? { reason } : {}) };
}

/**
 * A CodeDeploy deployment's start or end names the deployment it rolled back, when it is
 * CodeDeploy's rollback: it is then no release of its own.
 */
async function withRollbackOrigin(scope: AwsCallScope, event: RecordedEvent, updates: RecordUpdate[]): Promise<RecordUpdate[]> {
  const state = event.detail?.state;
  // Its end too: a rollback's failure delivered before its start must not count as a release's.
  if (event.source !== 'aws.codedeploy' || !['START', 'SUCCESS', 'FAILURE', 'STOP'].includes(String(state)) || updates.length !== 1) {
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

/** A Git source's success names the commit's time (its variables; an S3 or ECR source has none). */
async function withCommitTime(scope: AwsCallScope, event: RecordedEvent, updates: RecordUpdate[]): Promise<RecordUpdate[]> {
  const detail = event.detail ?? {};
  const category = (detail.type as { category?: unknown } | undefined)?.category;
  if (event['detail-type'] !== 'CodePipeline Action Execution State Change' || category !== 'Source' || detail.state !== 'SUCCEEDED'
    || updates.length !== 1) {
    return updates;
  }
  const commitTime = await commitTimeOf(scope, {
    pipelineName: String(detail.pipeline), executionId: String(detail['execution-id']), stageName: String(detail.stage), actionName: String(detail.action),
  });
  return commitTime ? [{ ...updates[0], setOnce: { ...updates[0].setOnce, commitTime } }] : updates;
}

/** What the deployment item copies from its pipeline execution's when the deploy action links them: a self-contained record of the release. */
const RELEASE_FIELDS = ['commitTime', 'sourceRevision', 'sourceSummary', 'imageUri', 'imageTag', 'triggeredBy'] as const;

/**
 * A deploy action's completion links its deployment to the pipeline execution: the deployment
 * item takes the execution's commit, image and trigger, set once. (A deployment Amazon ECS runs is
 * never linked: its stage's action is a stack update, whose completion names a build, not the
 * deployment, and the deployment's events name no pipeline execution.)
 */
async function withRelease(scope: AwsCallScope, settings: RecorderSettings, event: RecordedEvent, updates: RecordUpdate[]): Promise<RecordUpdate[]> {
  const pipeline = event.detail?.pipeline;
  const linking = updates.findIndex((update) => update.setOnce.kind === 'deployment' && update.setOnce.pipelineExecutionId !== undefined);
  if (linking < 0 || typeof pipeline !== 'string') {
    return updates;
  }
  const execution = await getItem(scope, settings.tableName, { releaseKey: pipeline, recordId: updates[linking].setOnce.pipelineExecutionId });
  const copied = Object.fromEntries(RELEASE_FIELDS.flatMap((field) => (execution?.[field]?.S ? [[field, execution[field].S]] : [])));
  return updates.map((update, index) => (index === linking ? { ...update, setOnce: { ...update.setOnce, ...copied } } : update));
}
