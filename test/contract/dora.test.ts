import { ReleaseRecordItem, ReleaseRecordStatus, SERVICE_STATE_RECORD_ID, restoreRecordId } from '../../contract/deployment-record';
import { DoraInput, computeDoraKeys, median, percentile } from '../../contract/dora';

const KEY = 'orders-api#Production';
/** 30 days, ending at the test's now. */
const RANGE = { from: new Date('2026-11-03T10:00:00Z'), to: new Date('2026-12-03T10:00:00Z') };

function deployment(id: string, status: ReleaseRecordStatus, times: { started?: string; completed?: string; commit?: string },
  extra: Partial<ReleaseRecordItem> = {}): ReleaseRecordItem {
  return {
    releaseKey: KEY, recordId: id, kind: 'deployment', serviceName: 'orders-api', stageName: 'Production', status,
    statusOrder: `${times.completed ?? times.started}#2`, seenEvents: [], lastEventTime: times.completed ?? times.started ?? '',
    ...(times.started ? { startedAt: times.started } : {}),
    ...(times.completed ? { completedAt: times.completed } : {}),
    ...(times.commit ? { commitTime: times.commit } : {}),
    ...extra,
  };
}

function restore(restoredAt: string, failingSince: string, restoreSeconds?: number): ReleaseRecordItem {
  return {
    releaseKey: KEY, recordId: restoreRecordId(restoredAt), kind: 'restore', status: 'success', statusOrder: `${restoredAt}#1`,
    seenEvents: [], lastEventTime: restoredAt, restoredAt, failingSince, failedBy: 'alarm orders-5xx', restoredBy: 'd-NEXT',
    ...(restoreSeconds !== undefined ? { restoreSeconds } : {}),
  };
}

function serviceItem(failingSince?: string): ReleaseRecordItem {
  return {
    releaseKey: KEY, recordId: SERVICE_STATE_RECORD_ID, kind: 'service', status: 'in_progress', statusOrder: '', seenEvents: [],
    lastEventTime: failingSince ?? '2026-11-01T00:00:00Z', ...(failingSince ? { failingSince, failedBy: 'd-BROKEN' } : {}),
  };
}

function keys(items: ReleaseRecordItem[], range = RANGE) {
  const input: DoraInput = { serviceName: 'orders-api', stageName: 'Production', items, range };
  return computeDoraKeys(input);
}

/**
 * Seven releases ended in the range (5 succeeded, 1 failed, 1 rolled back), lead times of 1, 2, 3
 * and 4 hours and one without a commit time; a release ended before the range, one in progress,
 * and CodeDeploy's rollback deployment, none of which count.
 */
const MONTH_OF_RELEASES: ReleaseRecordItem[] = [
  deployment('d-1', 'success', { started: '2026-11-05T09:00:00Z', completed: '2026-11-05T10:00:00Z', commit: '2026-11-05T09:00:00Z' }),
  deployment('d-2', 'success', { started: '2026-11-10T09:00:00Z', completed: '2026-11-10T11:00:00Z', commit: '2026-11-10T09:00:00Z' }),
  deployment('d-3', 'rolled_back', { started: '2026-11-12T09:00:00Z', completed: '2026-11-12T09:30:00Z', commit: '2026-11-12T08:00:00Z' }),
  deployment('d-4', 'rolled_back', { started: '2026-11-12T09:01:00Z', completed: '2026-11-12T09:20:00Z' }, { rollbackOf: 'd-3' }),
  deployment('d-5', 'success', { started: '2026-11-12T12:00:00Z', completed: '2026-11-12T15:00:00Z', commit: '2026-11-12T12:00:00Z' }),
  deployment('d-6', 'failed', { started: '2026-11-20T09:00:00Z', completed: '2026-11-20T09:10:00Z' }),
  deployment('d-7', 'success', { started: '2026-11-21T09:00:00Z', completed: '2026-11-21T10:00:00Z' }),
  // Started before the range, ended in it: counted.
  deployment('d-0', 'success', { started: '2026-11-03T09:00:00Z', completed: '2026-11-03T10:30:00Z', commit: '2026-11-03T06:30:00Z' }),
  // Ended before the range: not counted.
  deployment('d-old', 'failed', { started: '2026-11-02T09:00:00Z', completed: '2026-11-02T09:10:00Z' }),
  deployment('d-8', 'in_progress', { started: '2026-12-03T09:00:00Z' }),
  restore('2026-11-12T15:00:00Z', '2026-11-12T09:15:00Z', 20_700),
  restore('2026-11-21T10:00:00Z', '2026-11-20T09:05:00Z'),
  // Restored before the range.
  restore('2026-11-02T10:00:00Z', '2026-11-02T09:05:00Z', 3300),
  serviceItem(),
];

describe('computeDoraKeys', () => {
  test('a month of releases: frequency, lead time, change failure rate and time to restore', () => {
    expect(keys(MONTH_OF_RELEASES)).toEqual({
      serviceName: 'orders-api', stageName: 'Production', from: '2026-11-03T10:00:00.000Z', to: '2026-12-03T10:00:00.000Z',
      deploymentFrequency: { releases: 7, perDay: 7 / 30, perWeek: 49 / 30, inProgress: 1, band: 'high' },
      // 1 h, 2 h, 3 h and 4 h (d-0); d-7 has no commit time; the rolled-back d-3 is no successful release.
      leadTime: { successfulReleases: 5, measured: 4, withoutCommitTime: 1, medianSeconds: 2.5 * 3600, p90Seconds: 4 * 3600, band: 'elite' },
      changeFailureRate: { releases: 7, failures: 2, percent: 200 / 7, band: 'low' },
      // 20,700 s as recorded; 24 h 55 min from the failure's start to its restoration.
      timeToRestore: { restorations: 2, medianSeconds: (20_700 + 89_700) / 2, maxSeconds: 89_700, band: 'high' },
    });
  });

  test('the items\' order does not change the figures', () => {
    expect(keys([...MONTH_OF_RELEASES].reverse())).toEqual(keys(MONTH_OF_RELEASES));
  });

  test('an empty range has no figures and no bands, only zero counts', () => {
    expect(keys([])).toEqual({
      serviceName: 'orders-api', stageName: 'Production', from: '2026-11-03T10:00:00.000Z', to: '2026-12-03T10:00:00.000Z',
      deploymentFrequency: { releases: 0, perDay: 0, perWeek: 0, inProgress: 0 },
      leadTime: { successfulReleases: 0, measured: 0, withoutCommitTime: 0 },
      changeFailureRate: { releases: 0, failures: 0 },
      timeToRestore: { restorations: 0 },
    });
    // A range of no length, with releases outside it.
    const instant = { from: RANGE.to, to: RANGE.to };
    expect(keys(MONTH_OF_RELEASES, instant).deploymentFrequency).toEqual({ releases: 0, perDay: 0, perWeek: 0, inProgress: 1 });
  });

  test('without commit times, lead time says how many releases lacked one and gives no figure', () => {
    const items = [
      deployment('d-1', 'success', { started: '2026-11-05T09:00:00Z', completed: '2026-11-05T10:00:00Z' }),
      deployment('d-2', 'success', { started: '2026-11-06T09:00:00Z', completed: '2026-11-06T10:00:00Z' }),
    ];
    expect(keys(items).leadTime).toEqual({ successfulReleases: 2, measured: 0, withoutCommitTime: 2 });
    expect(keys(items).changeFailureRate).toEqual({ releases: 2, failures: 0, percent: 0, band: 'elite' });
  });

  test('CodeDeploy\'s rollback deployments and releases in progress are not releases', () => {
    const items = [
      deployment('d-1', 'rolled_back', { started: '2026-11-05T09:00:00Z', completed: '2026-11-05T09:30:00Z' }),
      deployment('d-2', 'success', { started: '2026-11-05T09:05:00Z', completed: '2026-11-05T09:20:00Z' }, { rollbackOf: 'd-1' }),
      deployment('d-3', 'success', { started: '2026-11-06T09:05:00Z', completed: '2026-11-06T09:20:00Z' }, { rollbackOf: 'unknown' }),
      deployment('d-4', 'in_progress', { started: '2026-11-07T09:00:00Z' }),
    ];
    const figures = keys(items);
    expect(figures.deploymentFrequency).toMatchObject({ releases: 1, inProgress: 1 });
    expect(figures.changeFailureRate).toEqual({ releases: 1, failures: 1, percent: 100, band: 'low' });
    expect(figures.leadTime.successfulReleases).toBe(0);
  });

  test('a release without a completion time counts at the event that ended it', () => {
    const item = { ...deployment('d-1', 'failed', { started: '2026-11-05T09:00:00Z' }), lastEventTime: '2026-11-05T09:40:00Z' };
    expect(keys([item]).changeFailureRate.failures).toBe(1);
    expect(keys([item], { from: new Date('2026-11-05T09:30:00Z'), to: new Date('2026-11-05T09:40:00Z') }).changeFailureRate.failures).toBe(0);
  });

  test('the range includes its start and excludes its end', () => {
    const atStart = deployment('d-1', 'success', { completed: '2026-11-03T10:00:00Z' });
    const atEnd = deployment('d-2', 'success', { completed: '2026-12-03T10:00:00Z' });
    expect(keys([atStart, atEnd]).deploymentFrequency.releases).toBe(1);
    expect(keys([atStart, atEnd], { from: new Date('2026-11-03T10:00:00.001Z'), to: new Date('2026-12-03T10:00:00.001Z') })
      .deploymentFrequency.releases).toBe(1);
  });

  test('a failure still open: since when, what began it, how long at the range\'s end', () => {
    const figures = keys([serviceItem('2026-12-03T08:30:00Z'), restore('2026-11-12T15:00:00Z', '2026-11-12T14:30:00Z', 1800)]);
    expect(figures.timeToRestore).toEqual({
      restorations: 1, medianSeconds: 1800, maxSeconds: 1800, band: 'elite',
      failingSince: '2026-12-03T08:30:00Z', failedBy: 'd-BROKEN', failingSeconds: 5400,
    });
    // A failure that began after the range is not open in it; a service item without one is none.
    expect(keys([serviceItem('2026-12-04T00:00:00Z')]).timeToRestore).toEqual({ restorations: 0 });
    expect(keys([serviceItem()]).timeToRestore).toEqual({ restorations: 0 });
  });

  test.each([
    // releases in 30 days → band
    [30, 'elite'], [5, 'high'], [4, 'medium'], [1, 'medium'],
  ] as const)('deployment frequency of %d releases in 30 days is %s', (count, band) => {
    const items = Array.from({ length: count }, (_, i) =>
      deployment(`d-${i}`, 'success', { completed: new Date(RANGE.from.getTime() + (i + 1) * 3_600_000).toISOString() }));
    expect(keys(items).deploymentFrequency.band).toBe(band);
  });

  test('one release in 60 days is a low deployment frequency; 1 failure in 20 an elite change failure rate', () => {
    const range = { from: new Date('2026-10-04T10:00:00Z'), to: RANGE.to };
    expect(keys([deployment('d-1', 'success', { completed: '2026-11-05T10:00:00Z' })], range).deploymentFrequency.band).toBe('low');
    const twenty = Array.from({ length: 20 }, (_, i) =>
      deployment(`d-${i}`, i === 0 ? 'failed' : 'success', { completed: new Date(RANGE.from.getTime() + (i + 1) * 3_600_000).toISOString() }));
    expect(keys(twenty).changeFailureRate).toEqual({ releases: 20, failures: 1, percent: 5, band: 'elite' });
  });

  test('lead time bands: under a day elite, a week high, a month medium, longer low', () => {
    const withLead = (hours: number) => keys([deployment('d-1', 'success', {
      completed: '2026-12-01T10:00:00Z', commit: new Date(Date.parse('2026-12-01T10:00:00Z') - hours * 3_600_000).toISOString(),
    })]).leadTime.band;
    expect([withLead(23), withLead(24 * 6), withLead(24 * 29), withLead(24 * 31)]).toEqual(['elite', 'high', 'medium', 'low']);
  });
});

describe('median and percentile', () => {
  test('of odd and even counts, unsorted', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 90)).toBe(9);
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([], 90)).toBeUndefined();
  });
});
