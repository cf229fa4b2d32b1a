/**
 * DORA's four keys of one service and stage over a time range, from the items of its partition of
 * the record table (contract/deployment-record.ts): deployment frequency, lead time for changes,
 * change failure rate and time to restore. Pure and deterministic: the same items and range give
 * the same figures, whatever their order.
 *
 * Pure TypeScript with no imports: the release CLI and the tests import this file.
 */

/**
 * What the figures read of a record item: a `ReleaseRecordItem` (contract/deployment-record.ts)
 * is one. Stated here, as a contract file imports nothing.
 */
export interface DoraRecordItem {
  readonly kind: string;
  /** Every deployment item has one; a `service` or `restore` item has none. */
  readonly status?: string;
  readonly rollbackOf?: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly commitTime?: string;
  readonly lastEventTime?: string;
  readonly restoredAt?: string;
  readonly failingSince?: string;
  readonly failedBy?: string;
  readonly restoreSeconds?: number;
}

/** A performance band of the 2023 Accelerate State of DevOps report. */
export type DoraBand = 'elite' | 'high' | 'medium' | 'low';

const HOUR = 3600;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** A month, for the bands: 30 days. */
const MONTH = 30 * DAY;

/**
 * The bands' cut-offs. The report describes each band by a span ("between once per day and once
 * per week"); where its spans overlap or leave gaps, each cut-off is the faster band's edge.
 */
export const DORA_BANDS = {
  /** Releases per day at least: daily or more (on demand), weekly, monthly; else low. */
  deploymentsPerDay: { elite: 1, high: 1 / 7, medium: 1 / 30 },
  /** Median lead time at most, seconds: a day, a week, a month; else low. */
  leadTimeSeconds: { elite: DAY, high: WEEK, medium: MONTH },
  /** Change failure rate at most, percent. */
  changeFailurePercent: { elite: 5, high: 10, medium: 15 },
  /** Median time to restore at most, seconds: an hour, a day, a week; else low. */
  timeToRestoreSeconds: { elite: HOUR, high: DAY, medium: WEEK },
} as const;

/** The time range: releases and restorations that ended at or after `from` and before `to`. */
export interface DoraRange {
  readonly from: Date;
  readonly to: Date;
}

export interface DeploymentFrequency {
  /** Releases that ended in the range (success, failed or rolled back), CodeDeploy's rollback deployments not counted. */
  readonly releases: number;
  readonly perDay: number;
  readonly perWeek: number;
  /** Releases started but not ended by the range's end: not counted anywhere. */
  readonly inProgress: number;
  readonly band?: DoraBand;
}

export interface LeadTimeForChanges {
  /** Successful releases in the range. */
  readonly successfulReleases: number;
  /** Of them, those whose record has the commit's time: the figures count these. */
  readonly measured: number;
  /** Of them, those without (not linked to their pipeline execution, or a source without a commit time). */
  readonly withoutCommitTime: number;
  readonly medianSeconds?: number;
  readonly p90Seconds?: number;
  readonly band?: DoraBand;
}

export interface ChangeFailureRate {
  readonly releases: number;
  /** Releases that failed or rolled back. */
  readonly failures: number;
  /** `100 * failures / releases`; absent without releases. */
  readonly percent?: number;
  readonly band?: DoraBand;
}

export interface TimeToRestore {
  /** Restorations in the range. */
  readonly restorations: number;
  readonly medianSeconds?: number;
  readonly maxSeconds?: number;
  /** A failure not restored yet: since when, what began it, and how long it has lasted at the range's end. */
  readonly failingSince?: string;
  readonly failedBy?: string;
  readonly failingSeconds?: number;
  readonly band?: DoraBand;
}

export interface DoraKeys {
  readonly serviceName: string;
  readonly stageName: string;
  readonly from: string;
  readonly to: string;
  readonly deploymentFrequency: DeploymentFrequency;
  readonly leadTime: LeadTimeForChanges;
  readonly changeFailureRate: ChangeFailureRate;
  readonly timeToRestore: TimeToRestore;
}

/** Milliseconds of an ISO time, undefined when absent or not a time. */
function timeOf(iso: string | undefined): number | undefined {
  if (iso === undefined) {
    return undefined;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function within(ms: number | undefined, range: DoraRange): ms is number {
  return ms !== undefined && ms >= range.from.getTime() && ms < range.to.getTime();
}

/** The middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle];
}

/** The nearest-rank percentile: the smallest value with at least `percent` % of the values at or below it. */
export function percentile(values: readonly number[], percent: number): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)];
}

/** A release: a deployment item that is not CodeDeploy's rollback of another. */
function isRelease(item: DoraRecordItem): boolean {
  return item.kind === 'deployment' && item.status !== undefined && item.rollbackOf === undefined;
}

/** When a release ended: its completion, else the event that ended it. */
function endOf(item: DoraRecordItem): number | undefined {
  return timeOf(item.completedAt) ?? timeOf(item.lastEventTime);
}

/** The band of `value` where a higher value is better (frequency). */
function bandAtLeast(value: number, cutOffs: { elite: number; high: number; medium: number }): DoraBand {
  return value >= cutOffs.elite ? 'elite' : value >= cutOffs.high ? 'high' : value >= cutOffs.medium ? 'medium' : 'low';
}

/** The band of `value` where a lower value is better (times, failure rate). */
function bandAtMost(value: number, cutOffs: { elite: number; high: number; medium: number }): DoraBand {
  return value <= cutOffs.elite ? 'elite' : value <= cutOffs.high ? 'high' : value <= cutOffs.medium ? 'medium' : 'low';
}

export interface DoraInput {
  readonly serviceName: string;
  readonly stageName: string;
  /** The items of the partition `<service>#<stage>`: deployments, restores and the service item; others are ignored. */
  readonly items: readonly DoraRecordItem[];
  readonly range: DoraRange;
}

/** The four keys of one service and stage over `range`. */
export function computeDoraKeys(input: DoraInput): DoraKeys {
  const { range } = input;
  const releases = input.items.filter(isRelease);
  const ended = releases.filter((item) => item.status !== 'in_progress' && within(endOf(item), range));
  const inProgress = releases.filter((item) => item.status === 'in_progress'
    && (timeOf(item.startedAt) ?? Number.POSITIVE_INFINITY) < range.to.getTime()).length;
  const days = Math.max(0, range.to.getTime() - range.from.getTime()) / (DAY * 1000);
  const perDay = days > 0 ? ended.length / days : 0;

  const successful = ended.filter((item) => item.status === 'success');
  const leadTimes = successful.flatMap((item) => {
    const commit = timeOf(item.commitTime);
    const end = endOf(item);
    return commit === undefined || end === undefined ? [] : [Math.max(0, (end - commit) / 1000)];
  });
  const leadMedian = median(leadTimes);

  const failures = ended.filter((item) => item.status === 'failed' || item.status === 'rolled_back').length;
  const percent = ended.length > 0 ? (100 * failures) / ended.length : undefined;

  const restores = input.items.filter((item) => item.kind === 'restore' && within(timeOf(item.restoredAt), range));
  const restoreTimes = restores.flatMap((item) => {
    if (item.restoreSeconds !== undefined) {
      return [item.restoreSeconds];
    }
    const start = timeOf(item.failingSince);
    const end = timeOf(item.restoredAt);
    return start === undefined || end === undefined ? [] : [Math.max(0, (end - start) / 1000)];
  });
  const restoreMedian = median(restoreTimes);
  const serviceItem = input.items.find((item) => item.kind === 'service');
  const failingSince = timeOf(serviceItem?.failingSince);
  const open = failingSince !== undefined && failingSince < range.to.getTime() ? serviceItem : undefined;

  return {
    serviceName: input.serviceName,
    stageName: input.stageName,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    deploymentFrequency: {
      releases: ended.length,
      perDay,
      perWeek: perDay * 7,
      inProgress,
      ...(ended.length > 0 ? { band: bandAtLeast(perDay, DORA_BANDS.deploymentsPerDay) } : {}),
    },
    leadTime: {
      successfulReleases: successful.length,
      measured: leadTimes.length,
      withoutCommitTime: successful.length - leadTimes.length,
      ...(leadMedian !== undefined ? {
        medianSeconds: leadMedian,
        p90Seconds: percentile(leadTimes, 90),
        band: bandAtMost(leadMedian, DORA_BANDS.leadTimeSeconds),
      } : {}),
    },
    changeFailureRate: {
      releases: ended.length,
      failures,
      ...(percent !== undefined ? { percent, band: bandAtMost(percent, DORA_BANDS.changeFailurePercent) } : {}),
    },
    timeToRestore: {
      restorations: restoreTimes.length,
      ...(restoreMedian !== undefined ? {
        medianSeconds: restoreMedian,
        maxSeconds: Math.max(...restoreTimes),
        band: bandAtMost(restoreMedian, DORA_BANDS.timeToRestoreSeconds),
      } : {}),
      ...(open ? {
        failingSince: open.failingSince,
        ...(open.failedBy !== undefined ? { failedBy: open.failedBy } : {}),
        failingSeconds: (range.to.getTime() - failingSince!) / 1000,
      } : {}),
    },
  };
}
