import { DoraBand, DoraKeys, computeDoraKeys } from '../../contract/dora';
import { PIPELINE_TAG, RECORD_TABLE_TAG } from '../../contract/release-tags';
import { Command } from '../command';
import { FoundPipeline, FoundRecordTable, discover } from '../discovery';
import { OperationError, UsageError } from '../errors';
import { readPartition } from '../record-table';
import { Table, renderSections } from '../table';

const DEFAULT_DAYS = 30;
const MAX_DAYS = 3650;
/**
 * How long before the range a release that ends in it may have started: CodeDeploy waits at most
 * two days before it ends a blue/green deployment, and each hook at most an hour; a week is ample
 * and costs only the few releases of that week.
 */
const START_MARGIN_DAYS = 7;
const DAY_MS = 86_400_000;

/** One service and stage whose keys are computed: a partition of one pipeline's record table. */
interface Partition {
  readonly pipeline: FoundPipeline;
  readonly table: FoundRecordTable;
  readonly serviceName: string;
  readonly stageName: string;
}

export interface DoraRow extends DoraKeys {
  readonly pipeline: string;
  readonly recordTable: string;
}

export const dora: Command = {
  name: 'dora',
  summary: 'DORA\'s four keys of each service and stage, from the deployment record',
  usage: 'cdk-ecs-release dora [--pipeline P] [--service S] [--stage St] [--days N]\n\n'
    + `Computes, for each service and stage the pipelines deploy (or only P, S, St), over the last N days (${DEFAULT_DAYS} by default): `
    + 'deployment frequency (releases that ended, per week), lead time for changes (median and p90, commit to a successful release), '
    + 'change failure rate (failed or rolled-back releases of those that ended) and time to restore (median and longest, and a failure '
    + 'still open), each with its DORA performance band. It reads the pipelines\' deployment record tables (tagged '
    + `${RECORD_TABLE_TAG}); CodeDeploy's rollback deployments and releases in progress are not releases.`,
  options: ['pipeline', 'service', 'stage', 'days'],
  async run({ aws, options, now }) {
    const days = options.days === undefined ? DEFAULT_DAYS : Number(options.days);
    if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
      throw new UsageError(`--days takes a whole number from 1 to ${MAX_DAYS}, got '${options.days}'`);
    }
    const range = { from: new Date(now.getTime() - days * DAY_MS), to: now };
    const inventory = await discover(aws, { pipelines: true, recordTables: true });
    const pipelines = inventory.pipelines.filter((pipeline) => options.pipeline === undefined || pipeline.name === options.pipeline);
    if (pipelines.length === 0) {
      throw new OperationError(options.pipeline === undefined
        ? `no pipelines found: no pipeline in this account and region has the tag ${PIPELINE_TAG}; check --region and --profile`
        : `unknown pipeline '${options.pipeline}'; the pipelines found are: ${inventory.pipelines.map((p) => p.name).join(', ') || 'none'}`);
    }
    const notes: string[] = [];
    const partitions: Partition[] = [];
    for (const pipeline of pipelines) {
      const table = inventory.recordTables.find((candidate) => candidate.pipelinePath === pipeline.path);
      if (!table) {
        notes.push(`${pipeline.name}: no deployment record table (none is tagged ${RECORD_TABLE_TAG} with its path); `
          + 'deploy its stack with this version of cdk-ecs-release');
        continue;
      }
      partitions.push(...partitionsOf(pipeline, table, options.service, options.stage));
    }
    // The tags hold no release order (CloudFormation writes them sorted by key): by name, the same on every run.
    partitions.sort((a, b) => a.pipeline.name.localeCompare(b.pipeline.name) || a.serviceName.localeCompare(b.serviceName)
      || a.stageName.localeCompare(b.stageName));
    if (partitions.length === 0 && notes.length === 0) {
      const what = [options.service && `service '${options.service}'`, options.stage && `stage '${options.stage}'`].filter(Boolean).join(' in ');
      throw new OperationError(`no ${what || 'service'} deployed by ${pipelines.map((p) => p.name).join(', ')}; `
        + `the stages found are: ${pipelines.flatMap((p) => [...p.stages].map(([stage, entries]) => `${p.name}/${stage} (${entries.join(', ') || 'no service'})`)).join(', ')}`);
    }
    const rows = await Promise.all(partitions.map(async (partition): Promise<DoraRow> => {
      const records = await readPartition(aws, {
        tableName: partition.table.name,
        releaseKey: `${partition.serviceName}#${partition.stageName}`,
        startedSince: new Date(range.from.getTime() - START_MARGIN_DAYS * DAY_MS).toISOString(),
        restoredSince: range.from.toISOString(),
        until: range.to.toISOString(),
      });
      const keys = computeDoraKeys({
        serviceName: partition.serviceName, stageName: partition.stageName, range,
        items: [...records.deployments, ...records.restores, ...(records.service ? [records.service] : [])],
      });
      return { pipeline: partition.pipeline.name, recordTable: partition.table.name, ...keys };
    }));
    for (const row of rows) {
      const { withoutCommitTime, successfulReleases } = row.leadTime;
      if (withoutCommitTime > 0) {
        notes.push(`${row.serviceName} ${row.stageName}: ${withoutCommitTime} of ${successfulReleases} successful releases have no commit time; `
          + 'lead time counts the others');
      }
    }
    const table: Table = {
      title: `DORA's four keys, ${isoSeconds(range.from.toISOString())} to ${isoSeconds(range.to.toISOString())} (${days} days):`,
      columns: ['service', 'stage', 'releases', 'per week', 'lead time p50 / p90', 'change failure rate', 'time to restore p50 / max', 'failing since'],
      rows: rows.map(textRow),
    };
    return {
      json: { from: range.from.toISOString(), to: range.to.toISOString(), days, keys: rows, notes },
      text: renderSections([table, ...(notes.length > 0 ? [notes.join('\n')] : [])]),
    };
  },
};

/** The services and stages of `pipeline` its stage tags name, optionally only `service` and `stage`. */
function partitionsOf(pipeline: FoundPipeline, table: FoundRecordTable, service: string | undefined, stage: string | undefined): Partition[] {
  const found: Partition[] = [];
  for (const [stageName, entries] of pipeline.stages) {
    if (stage !== undefined && stageName !== stage) {
      continue;
    }
    for (const entry of entries) {
      // `<cluster>/<service>` or the service's name alone; the record names the service alone.
      const serviceName = entry.split('/').pop() ?? entry;
      const wanted = service === undefined || service === entry || service === serviceName;
      if (wanted && !found.some((partition) => partition.serviceName === serviceName && partition.stageName === stageName)) {
        found.push({ pipeline, table, serviceName, stageName });
      }
    }
  }
  return found;
}

function textRow(row: DoraRow): string[] {
  const { deploymentFrequency: frequency, leadTime, changeFailureRate: failures, timeToRestore: restore } = row;
  return [
    row.serviceName,
    row.stageName,
    String(frequency.releases) + (frequency.inProgress > 0 ? ` (+${frequency.inProgress} in progress)` : ''),
    `${frequency.perWeek.toFixed(1)}${band(frequency.band)}`,
    leadTime.medianSeconds === undefined ? '-' : `${duration(leadTime.medianSeconds)} / ${duration(leadTime.p90Seconds!)}${band(leadTime.band)}`,
    failures.percent === undefined ? '-' : `${failures.percent.toFixed(1)}% (${failures.failures}/${failures.releases})${band(failures.band)}`,
    restore.medianSeconds === undefined ? '-' : `${duration(restore.medianSeconds)} / ${duration(restore.maxSeconds!)}${band(restore.band)}`,
    restore.failingSince === undefined ? '-'
      : `${isoSeconds(restore.failingSince)} (${duration(restore.failingSeconds ?? 0)}${restore.failedBy ? `, ${restore.failedBy}` : ''})`,
  ];
}

function band(value: DoraBand | undefined): string {
  return value === undefined ? '' : ` ${value}`;
}

/** `45s`, `12m`, `3.5h`, `2.1d`: what a person compares at a glance. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
}

function isoSeconds(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}
