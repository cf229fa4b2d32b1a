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
import { describeEcsDeployment } from '../shared/ecs-deployment';
import { createLogger, describeError } from '../shared/logger';
import { loadRecorderSettings } from './config';
import { RecordUpdate, RecordedEvent, mapEvent } from './events';
import { runFollowUps } from './follow-up';
import { approverOf, buildVariablesOf, commitTimeOf } from './pipeline-lookup';
import type { RecorderSettings } from './config';
import { rollbackFacts } from './rollback-lookup';
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
      await withApprover(scope, event, await withEcsRollback(scope, event, await withRollbackOrigin(scope, event, mapping.updates))))));
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
 * CodeDeploy's rollback: its success is then no release of its own, and the deployment it rolls
 * back is `rolled_back` from its start on, whether or not a verification follows.
 */
async function withRollbackOrigin(scope: AwsCallScope, event: RecordedEvent, updates: RecordUpdate[]): Promise<RecordUpdate[]> {
  const state = String(event.detail?.state);
  if (event.source !== 'aws.codedeploy' || !['START', 'SUCCESS', 'FAILURE', 'STOP'].includes(state) || updates.length !== 1) {
    return updates;
  }
  const { rollbackOf, rolledBackWithin } = await rollbackFacts(scope, updates[0].recordId);
  if (rolledBackWithin && (state === 'FAILURE' || state === 'STOP')) {
    // Production traffic went back to blue within the deployment: it is rolled back, not merely failed.
    return [{ ...updates[0], status: { status: 'rolled_back', fields: { ...updates[0].status?.fields } },
      note: `${event.time!} rolled back within the deployment: ${rolledBackWithin}` }];
  }
  if (!rollbackOf) {
    return updates;
  }
  scope.logger.info('the deployment is CodeDeploy\'s rollback', { deploymentId: updates[0].recordId, rollbackOf });
  const rollback = { ...updates[0], setOnce: { ...updates[0].setOnce, rollbackOf } };
  return rollbackOf === 'unknown' ? [rollback] : [rollback, rolledBackBy(updates[0], rollbackOf, state, event.time!)];
}

/** The rolled-back deployment's update for an event of its rollback deployment. */
function rolledBackBy(rollback: RecordUpdate, rolledBack: string, state: string, time: string): RecordUpdate {
  const note = state === 'START' ? `${time} CodeDeploy's rollback deployment ${rollback.recordId} started`
    : state === 'SUCCESS' ? `${time} rolled back by CodeDeploy's rollback deployment ${rollback.recordId}`
      : `${time} CodeDeploy's rollback deployment ${rollback.recordId} ended ${state}: the rollback did not complete`;
  // Who it is, as the rollback's own event tells its group; its console link by its own id.
  const who = Object.fromEntries(Object.entries(rollback.setOnce)
    .filter(([attribute]) => ['kind', 'stageName', 'serviceName', 'engine', 'url'].includes(attribute))
    .map(([attribute, value]) => [attribute, attribute === 'url' ? value.split(rollback.recordId).join(rolledBack) : value]));
  return { releaseKey: rollback.releaseKey, recordId: rolledBack, setOnce: { ...who, deploymentId: rolledBack }, status: { status: 'rolled_back' }, note };
}

/**
 * An Amazon ECS deployment's end is a rollback's when ECS says so (`ROLLBACK_SUCCESSFUL`,
 * `ROLLBACK_FAILED`): the event does not, `DescribeServiceDeployments` does. The lookup never
 * costs the record: when it fails, the end is recorded as the event tells it.
 */
async function withEcsRollback(scope: AwsCallScope, event: RecordedEvent, updates: RecordUpdate[]): Promise<RecordUpdate[]> {
  const eventName = String(event.detail?.eventName);
  if (event.source !== 'aws.ecs' || !/^SERVICE_DEPLOYMENT_(COMPLETED|FAILED)$/.test(eventName) || updates.length !== 1
    || !updates[0].recordId.includes(':service-deployment/')) {
    return updates;
  }
  const rolledBack = await ecsRollbackOf(scope, updates[0].recordId);
  if (!rolledBack) {
    return updates;
  }
  const time = event.time!;
  const said = typeof event.detail?.reason === 'string' && event.detail.reason ? ` (the event: ${event.detail.reason})` : '';
  const note = `${time} ${rolledBack.failed ? 'the rollback failed' : 'rolled back by Amazon ECS'}${rolledBack.reason ? `: ${rolledBack.reason}` : ''}${said}`;
  return [{ ...updates[0], status: { status: 'rolled_back', fields: { ...updates[0].status?.fields } }, note }];
}

/** Whether the service deployment rolled back, and why; undefined when it did not, or cannot be told. */
async function ecsRollbackOf(scope: AwsCallScope, serviceDeploymentArn: string): Promise<{ failed: boolean; reason?: string } | undefined> {
  try {
    const deployment = await describeEcsDeployment(scope, serviceDeploymentArn);
    if (deployment.status !== 'ROLLBACK_SUCCESSFUL' && deployment.status !== 'ROLLBACK_FAILED') {
      return undefined;
    }
    scope.logger.info('the Amazon ECS deployment rolled back', { serviceDeploymentArn, status: deployment.status });
    const reason = deployment.rollbackReason ?? deployment.statusReason;
    return { failed: deployment.status === 'ROLLBACK_FAILED', ...(reason ? { reason } : {}) };
  } catch (error) {
    scope.logger.warn('could not tell whether the Amazon ECS deployment rolled back; recorded as the event tells it', {
      serviceDeploymentArn, error: describeError(error) });
    return undefined;
  }
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
