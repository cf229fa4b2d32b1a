/**
 * Time to restore: a service and stage's `service` item holds its current failure, from the first
 * failed release or rollback alarm on, until the next successful release or verified rollback;
 * then a `restore` item keeps the failure's span and TimeToRestoreSeconds is emitted once.
 *
 * Events come in any order and more than once, so every step is a conditional write:
 * - a failure keeps the earliest start, and one that began before the latest restoration
 *   (`lastRestoredAt`) was over by then: it starts nothing;
 * - a restoration ends only a failure that began before it; its `restore` item is written before
 *   the failure is cleared, and its metric is guarded by the item's `doraCountedAt`, so a step
 *   that failed half way is completed by the event's redelivery.
 */
import { DORA_METRICS, RecordedAlarm, SERVICE_STATE_RECORD_ID, restoreRecordId } from '../../contract/deployment-record';
import type { AwsCallScope } from '../shared/aws-call';
import { emitDoraFacts } from './emf';
import type { RecordedEvent } from './events';
import { ItemKey, canonicalTime, getItem, numberOf, stringOf, updateIf } from './item-store';

export interface ServiceStage {
  readonly serviceName: string;
  readonly stageName: string;
}

/** What began a failure: a deployment's id, or `alarm:<alarm name>`. */
export interface FailureStart extends ServiceStage {
  readonly at: string;
  readonly by: string;
}

/** What ended it: a successful release's deployment id, or `rollback:<deployment id>` for a verified rollback. */
export interface Restoration extends ServiceStage {
  readonly at: string;
  readonly by: string;
  /** When the restoration's own deployment failed: the start of a failure the service item no longer holds (its events came late). */
  readonly failedAt?: string;
  readonly failedBy?: string;
}

export function serviceStateKey(stage: ServiceStage): ItemKey {
  return { releaseKey: `${stage.serviceName}#${stage.stageName}`, recordId: SERVICE_STATE_RECORD_ID };
}

/** The failure a rollback alarm's raw state change into ALARM starts, or why it starts none. */
export function alarmFailure(event: RecordedEvent, alarms: readonly RecordedAlarm[]): FailureStart | { readonly ignored: string } {
  const detail = event.detail ?? {};
  const alarmName = typeof detail.alarmName === 'string' ? detail.alarmName : undefined;
  const state = (detail.state as { value?: unknown } | undefined)?.value;
  const at = typeof event.time === 'string' ? event.time : undefined;
  const alarm = alarms.find((a) => a.alarmName === alarmName);
  if (!alarm || !at) {
    return { ignored: `alarm ${String(alarmName)} is not a rollback alarm of the pipeline's stages` };
  }
  if (state !== 'ALARM') {
    return { ignored: `alarm ${alarmName} went into ${String(state)}, which starts no failure` };
  }
  return { serviceName: alarm.serviceName, stageName: alarm.stageName, at, by: `alarm:${alarm.alarmName}` };
}

export function isAlarmEvent(event: RecordedEvent): boolean {
  return event.source === 'aws.cloudwatch' && event['detail-type'] === 'CloudWatch Alarm State Change';
}

/** Starts the failure, or moves its start earlier; false when it was already failing since then, or restored after. */
export async function startFailure(scope: AwsCallScope, tableName: string, start: FailureStart): Promise<boolean> {
  const at = canonicalTime(start.at);
  if (!at) {
    return false;
  }
  const started = await updateIf(scope, tableName, serviceStateKey(start), {
    setOnce: identity(start),
    set: { failingSince: at, failedBy: start.by },
    condition: (e) => {
      const since = e.name('failingSince');
      const restored = e.name('lastRestoredAt');
      const time = e.value(at);
      return `(attribute_not_exists(${since}) OR ${since} > ${time}) AND (attribute_not_exists(${restored}) OR ${restored} < ${time})`;
    },
  });
  if (started) {
    scope.logger.info('failure started', { service: start.serviceName, stage: start.stageName, failingSince: at, failedBy: start.by });
  }
  return started !== undefined;
}

/** Ends the failure the restoration ends, if any, and emits its time to restore once. */
export async function restore(scope: AwsCallScope, tableName: string, restoration: Restoration, eventId: string): Promise<void> {
  const at = canonicalTime(restoration.at);
  if (!at) {
    return;
  }
  const key = serviceStateKey(restoration);
  const state = await getItem(scope, tableName, key);
  const since = stringOf(state?.failingSince);
  const active = since !== undefined && since < at ? { since, by: stringOf(state?.failedBy) ?? 'unknown' } : undefined;
  const failedAt = canonicalTime(restoration.failedAt);
  const late = !active && failedAt !== undefined && failedAt < at ? { since: failedAt, by: restoration.failedBy ?? 'unknown' } : undefined;
  const failure = active ?? late;
  const restoreKey = { releaseKey: key.releaseKey, recordId: restoreRecordId(at) };
  if (failure) {
    await updateIf(scope, tableName, restoreKey, {
      set: {
        ...identity(restoration), kind: 'restore', failingSince: failure.since, failedBy: failure.by, restoredAt: at, restoredBy: restoration.by,
        restoreSeconds: Math.round((Date.parse(at) - Date.parse(failure.since)) / 1000),
      },
      // Rewritten until counted (a start moved earlier meanwhile); a late failure's only if none was written.
      condition: (e) => (active ? `attribute_not_exists(${e.name('doraCountedAt')})` : `attribute_not_exists(${e.name('recordId')})`),
    });
  }
  if (active) {
    const cleared = await updateIf(scope, tableName, key, {
      set: { lastRestoredAt: at },
      remove: ['failingSince', 'failedBy'],
      condition: (e) => `${e.name('failingSince')} = ${e.value(active.since)}`,
    });
    if (!cleared) {
      throw new Error(`the failure of ${key.releaseKey} changed while it was restored; retried`);
    }
    scope.logger.info('failure restored', { service: restoration.serviceName, stage: restoration.stageName, failingSince: active.since, restoredAt: at });
  } else {
    // No failure to end: one that began before now, delivered late, was over by then.
    await updateIf(scope, tableName, key, {
      setOnce: identity(restoration),
      set: { lastRestoredAt: at },
      condition: (e) => `attribute_not_exists(${e.name('lastRestoredAt')}) OR ${e.name('lastRestoredAt')} < ${e.value(at)}`,
    });
  }
  // Counted once, whichever invocation wrote the restore item.
  const counted = await updateIf(scope, tableName, restoreKey, {
    set: { doraCountedAt: new Date().toISOString() },
    condition: (e) => `attribute_exists(${e.name('restoredAt')}) AND attribute_not_exists(${e.name('doraCountedAt')})`,
  });
  const seconds = numberOf(counted?.restoreSeconds);
  if (counted && seconds !== undefined) {
    emitDoraFacts({
      serviceName: restoration.serviceName, stageName: restoration.stageName, time: at, eventId,
      metrics: { [DORA_METRICS.timeToRestore]: seconds },
      fields: { failingSince: stringOf(counted.failingSince), failedBy: stringOf(counted.failedBy), restoredAt: at, restoredBy: restoration.by },
    });
  }
}

function identity(stage: ServiceStage): Record<string, string> {
  return { kind: 'service', serviceName: stage.serviceName, stageName: stage.stageName };
}
