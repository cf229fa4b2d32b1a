/**
 * The DORA facts of a deployment record, a step after each write of a `deployment` item (a
 * redelivered event's too). A rollback deployment is no release: it counts nothing, starts and
 * ends no failure. A release counts once, at its first final status (Deployments 1,
 * ChangeFailures 0 or 1), guarded by `doraCountedAt`: a failure later marked rolled back is still
 * one change failure. Its lead time counts once (`doraLeadTimeCountedAt`) when it succeeded and
 * its commit's time is known, which linking to its pipeline execution brings. A failed release
 * starts a failure of its service and stage; a successful release, or a verified rollback, ends it.
 * Each line is written after its guard's write succeeded: a fact is emitted at most once.
 */
import { DORA_METRICS } from '../../contract/deployment-record';
import { emitDoraFacts } from './emf';
import type { AwsCallScope } from '../shared/aws-call';
import type { RecorderSettings } from './config';
import type { RecordUpdate, RecordedEvent } from './events';
import { stringOf, updateIf } from './item-store';
import { restore, startFailure } from './service-state';
import type { WriteResult } from './write';

/** What follow-up.ts gives each step. */
export interface DoraInput {
  readonly scope: AwsCallScope;
  readonly settings: RecorderSettings;
  readonly event: RecordedEvent;
  readonly update: RecordUpdate;
  readonly result: WriteResult;
}

export async function recordDoraFacts({ scope, settings, event, update, result }: DoraInput): Promise<void> {
  const item = result.item;
  const status = stringOf(item.status);
  const serviceName = stringOf(item.serviceName);
  const stageName = stringOf(item.stageName);
  const deploymentId = stringOf(item.deploymentId) ?? update.recordId;
  if (stringOf(item.kind) !== 'deployment' || stringOf(item.rollbackOf) !== undefined || !serviceName || !stageName
    || (status !== 'success' && status !== 'failed' && status !== 'rolled_back')) {
    return;
  }
  const key = { releaseKey: update.releaseKey, recordId: update.recordId };
  const completedAt = stringOf(item.completedAt);
  const commitTime = stringOf(item.commitTime);
  const now = new Date().toISOString();
  const facts = { serviceName, stageName, eventId: event.id ?? '', time: completedAt ?? event.time ?? now };
  const fields = { releaseKey: update.releaseKey, deploymentId, status, pipelineExecutionId: stringOf(item.pipelineExecutionId) };

  if (await updateIf(scope, settings.tableName, key, { set: { doraCountedAt: now }, condition: (e) => `attribute_not_exists(${e.name('doraCountedAt')})` })) {
    emitDoraFacts({ ...facts, fields, metrics: { [DORA_METRICS.deployments]: 1, [DORA_METRICS.changeFailures]: status === 'success' ? 0 : 1 } });
  }
  const leadTime = status === 'success' && completedAt && commitTime ? Math.round((Date.parse(completedAt) - Date.parse(commitTime)) / 1000) : undefined;
  if (leadTime !== undefined && Number.isFinite(leadTime) && leadTime >= 0
    && await updateIf(scope, settings.tableName, key, { set: { doraLeadTimeCountedAt: now }, condition: (e) => `attribute_not_exists(${e.name('doraLeadTimeCountedAt')})` })) {
    emitDoraFacts({ ...facts, fields: { ...fields, commitTime }, metrics: { [DORA_METRICS.leadTime]: leadTime } });
  }

  const stage = { serviceName, stageName };
  const eventId = event.id ?? '';
  if (status === 'success' && completedAt) {
    await restore(scope, settings.tableName, { ...stage, at: completedAt, by: deploymentId }, eventId);
    return;
  }
  if (completedAt) {
    await startFailure(scope, settings.tableName, { ...stage, at: completedAt, by: deploymentId });
  }
  const verifiedAt = stringOf(item.rollbackVerifiedAt);
  if (stringOf(item.rollbackVerification) === 'VERIFIED' && verifiedAt) {
    await restore(scope, settings.tableName, { ...stage, at: verifiedAt, by: `rollback:${deploymentId}`, failedAt: completedAt, failedBy: deploymentId }, eventId);
  }
}
