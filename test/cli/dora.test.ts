import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { FakeRecordTable, QueryInput, wireItem } from '../../bench/fake-record-table';
import { duration } from '../../cli/commands/dora';
import { renderTable } from '../../cli/table';
import { SERVICE_STATE_RECORD_ID, restoreRecordId } from '../../contract/deployment-record';
import { awsError, mocks, recordTableName, resetMocks, run, tagAccount } from './helpers';

beforeEach(resetMocks);

const PRODUCTION = 'orders-api#Production';
const STAGING = 'orders-api#Staging';

function deployment(releaseKey: string, recordId: string, status: string, times: { started: string; completed?: string; commit?: string },
  extra: Record<string, string> = {}) {
  return wireItem({
    releaseKey, recordId, kind: 'deployment', status, serviceName: 'orders-api', stageName: releaseKey.split('#')[1],
    startedAt: times.started, statusOrder: `${times.completed ?? times.started}#2`, lastEventTime: times.completed ?? times.started,
    seenEvents: ['event-1'], ...(times.completed ? { completedAt: times.completed } : {}), ...(times.commit ? { commitTime: times.commit } : {}),
    ...extra,
  });
}

/**
 * Over the 30 days to NOW (2026-12-03T10:00Z): production ran 4 releases (one started before the
 * range), one rolled back and was restored in 3 h 40 min, CodeDeploy's rollback deployment and a
 * release in progress; staging one release, and a failure open since an hour.
 */
const ITEMS = [
  deployment(PRODUCTION, 'd-0', 'success', { started: '2026-11-02T09:00:00Z', completed: '2026-11-03T11:00:00Z', commit: '2026-11-02T08:00:00Z' }),
  deployment(PRODUCTION, 'd-1', 'success', { started: '2026-11-10T09:00:00Z', completed: '2026-11-10T10:00:00Z', commit: '2026-11-10T09:00:00Z' }),
  deployment(PRODUCTION, 'd-2', 'rolled_back', { started: '2026-11-12T09:00:00Z', completed: '2026-11-12T09:30:00Z', commit: '2026-11-12T08:00:00Z' }),
  deployment(PRODUCTION, 'd-3', 'rolled_back', { started: '2026-11-12T09:21:00Z', completed: '2026-11-12T09:29:00Z' }, { rollbackOf: 'd-2' }),
  deployment(PRODUCTION, 'd-4', 'success', { started: '2026-11-12T12:00:00Z', completed: '2026-11-12T13:00:00Z' }),
  deployment(PRODUCTION, 'd-5', 'in_progress', { started: '2026-12-03T09:30:00Z' }),
  // Ended long before the range, and outside the margin the query reads.
  deployment(PRODUCTION, 'd-old', 'failed', { started: '2026-10-01T09:00:00Z', completed: '2026-10-01T09:10:00Z' }),
  wireItem({ releaseKey: PRODUCTION, recordId: restoreRecordId('2026-11-12T13:00:00Z'), kind: 'restore', status: 'success', statusOrder: 'x',
    seenEvents: [], lastEventTime: '2026-11-12T13:00:00Z', failingSince: '2026-11-12T09:20:00Z', failedBy: 'd-2',
    restoredAt: '2026-11-12T13:00:00Z', restoredBy: 'd-4', restoreSeconds: 13_200 }),
  wireItem({ releaseKey: PRODUCTION, recordId: SERVICE_STATE_RECORD_ID, kind: 'service', status: 'success', statusOrder: 'x', seenEvents: [],
    lastEventTime: '2026-11-12T13:00:00Z' }),
  deployment(STAGING, 's-1', 'success', { started: '2026-11-20T09:00:00Z', completed: '2026-11-20T09:20:00Z', commit: '2026-11-20T08:50:00Z' }),
  wireItem({ releaseKey: STAGING, recordId: SERVICE_STATE_RECORD_ID, kind: 'service', status: 'failed', statusOrder: 'x', seenEvents: [],
    lastEventTime: '2026-12-03T09:00:00Z', failingSince: '2026-12-03T09:00:00Z', failedBy: 'alarm staging-5xx' }),
];

function serveTable(pageSize = 1000): FakeRecordTable {
  const table = new FakeRecordTable(ITEMS, pageSize);
  mocks.dynamoDb.on(QueryCommand).callsFake((input: QueryInput) => table.query(input));
  mocks.dynamoDb.on(GetItemCommand).callsFake((input) => table.getItem(input));
  return table;
}

function account(options: { recordTable?: boolean } = {}): void {
  tagAccount({
    services: ['staging/orders-api', 'production/orders-api'],
    pipelines: { 'orders-release': { Staging: 'staging/orders-api', Production: 'production/orders-api' } },
    recordTables: options.recordTable === false ? [] : ['orders-release'],
  });
}

/** The attributes dora reads of each item, and no others. */
const READ = {
  ProjectionExpression: '#a0, #a1, #a2, #a3, #a4, #a5, #a6, #a7, #a8, #a9, #a10, #a11, #a12',
  names: {
    '#a0': 'releaseKey', '#a1': 'recordId', '#a2': 'kind', '#a3': 'status', '#a4': 'rollbackOf', '#a5': 'startedAt', '#a6': 'completedAt',
    '#a7': 'commitTime', '#a8': 'lastEventTime', '#a9': 'restoredAt', '#a10': 'failingSince', '#a11': 'failedBy', '#a12': 'restoreSeconds',
  },
};

const HEADER = ['service', 'stage', 'releases', 'per week', 'lead time p50 / p90', 'change failure rate', 'time to restore p50 / max', 'failing since'];
const STAGING_ROW = ['orders-api', 'Staging', '1', '0.2 medium', '30m / 30m elite', '0.0% (0/1) elite', '-', '2026-12-03T09:00:00Z (1.0h, alarm staging-5xx)'];
const PRODUCTION_ROW = ['orders-api', 'Production', '4 (+1 in progress)', '0.9 medium', '14.0h / 1.1d elite', '25.0% (1/4) low', '3.7h / 3.7h high', '-'];

describe('dora', () => {
  test('prints the four keys of each service and stage over the last 30 days, from the record table', async () => {
    account();
    serveTable();
    const result = await run('dora');
    expect(result).toEqual({ code: 0, err: '', out: [
      'DORA\'s four keys, 2026-11-03T10:00:00Z to 2026-12-03T10:00:00Z (30 days):',
      renderTable({ columns: HEADER, rows: [PRODUCTION_ROW, STAGING_ROW] }),
      '',
      'orders-api Production: 1 of 3 successful releases have no commit time; lead time counts the others',
    ].join('\n') });
  });

  test('reads each partition\'s deployments from a week before the range, its restorations in it, and its service item', async () => {
    account();
    const table = serveTable();
    await run('dora', '--stage', 'Production');
    const queries = mocks.dynamoDb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toEqual([
      {
        TableName: recordTableName('orders-release'), IndexName: 'byStartedAt',
        KeyConditionExpression: '#key = :key AND #started BETWEEN :since AND :until',
        ProjectionExpression: READ.ProjectionExpression,
        ExpressionAttributeNames: { '#key': 'releaseKey', '#started': 'startedAt', ...READ.names },
        ExpressionAttributeValues: { ':key': { S: PRODUCTION }, ':since': { S: '2026-10-27T10:00:00.000Z' }, ':until': { S: '2026-12-03T10:00:00.000Z' } },
      },
      {
        TableName: recordTableName('orders-release'),
        KeyConditionExpression: '#key = :key AND #id BETWEEN :first AND :last',
        ProjectionExpression: READ.ProjectionExpression,
        ExpressionAttributeNames: { '#key': 'releaseKey', '#id': 'recordId', ...READ.names },
        ExpressionAttributeValues: { ':key': { S: PRODUCTION }, ':first': { S: 'restore#2026-11-03T10:00:00.000Z' }, ':last': { S: 'restore#2026-12-03T10:00:00.000Z~' } },
      },
    ]);
    expect(mocks.dynamoDb.commandCalls(GetItemCommand).map((call) => call.args[0].input))
      .toEqual([{ TableName: recordTableName('orders-release'), Key: { releaseKey: { S: PRODUCTION }, recordId: { S: '#service' } },
        ProjectionExpression: READ.ProjectionExpression, ExpressionAttributeNames: READ.names }]);
    expect(table.queries).toHaveLength(2);
  });

  test('reads every page of a partition', async () => {
    account();
    serveTable(2);
    const document = JSON.parse((await run('dora', '--service', 'orders-api', '--stage', 'Production', '--json')).out);
    const byIndex = mocks.dynamoDb.commandCalls(QueryCommand).map((call) => call.args[0].input).filter((input) => input.IndexName);
    // d-0 … d-5 started since the margin's start: 6 items, 2 a page.
    expect(byIndex.map((input) => input.ExclusiveStartKey?.recordId?.S)).toEqual([undefined, 'd-1', 'd-3']);
    expect(document.keys).toHaveLength(1);
    expect(document.keys[0]).toMatchObject({ deploymentFrequency: { releases: 4, inProgress: 1 }, changeFailureRate: { failures: 1, percent: 25 } });
  });

  test('--json: one document with the range and each service and stage\'s keys', async () => {
    account();
    serveTable();
    const document = JSON.parse((await run('dora', '--service', 'orders-api', '--days', '7', '--json')).out);
    expect(document).toEqual({
      from: '2026-11-26T10:00:00.000Z', to: '2026-12-03T10:00:00.000Z', days: 7, notes: [],
      keys: [
        {
          pipeline: 'orders-release', recordTable: recordTableName('orders-release'), serviceName: 'orders-api', stageName: 'Production',
          from: '2026-11-26T10:00:00.000Z', to: '2026-12-03T10:00:00.000Z',
          deploymentFrequency: { releases: 0, perDay: 0, perWeek: 0, inProgress: 1 },
          leadTime: { successfulReleases: 0, measured: 0, withoutCommitTime: 0 },
          changeFailureRate: { releases: 0, failures: 0 },
          timeToRestore: { restorations: 0 },
        },
        expect.objectContaining({ stageName: 'Staging', timeToRestore: { restorations: 0, failingSince: '2026-12-03T09:00:00Z', failedBy: 'alarm staging-5xx', failingSeconds: 3600 } }),
      ],
    });
  });

  test('--service takes the service\'s name, or <cluster>/<name> for the stage of that cluster', async () => {
    account();
    serveTable();
    const stages = async (service: string) => JSON.parse((await run('dora', '--service', service, '--json')).out).keys
      .map((keys: { stageName: string }) => keys.stageName);
    expect(await stages('orders-api')).toEqual(['Production', 'Staging']);
    expect(await stages('staging/orders-api')).toEqual(['Staging']);
  });

  test('a pipeline without a record table is named, with what to do', async () => {
    account({ recordTable: false });
    serveTable();
    const result = await run('dora');
    expect(result.code).toBe(0);
    expect(result.out).toContain('orders-release: no deployment record table (none is tagged cdk-ecs-release:record-table with its path); '
      + 'deploy its stack with this version of cdk-ecs-release');
    expect(mocks.dynamoDb.send.called).toBe(false);
  });

  test('an unknown service, stage or pipeline fails with what there is', async () => {
    account();
    serveTable();
    expect(await run('dora', '--service', 'payments')).toEqual({ code: 1, out: '', err: 'cdk-ecs-release: no service \'payments\' deployed by orders-release; '
      + 'the stages found are: orders-release/Staging (staging/orders-api), orders-release/Production (production/orders-api)' });
    expect((await run('dora', '--stage', 'Prod')).err).toMatch(/^cdk-ecs-release: no stage 'Prod' deployed by orders-release; /);
    expect((await run('dora', '--pipeline', 'payments-release')).err)
      .toBe('cdk-ecs-release: unknown pipeline \'payments-release\'; the pipelines found are: orders-release');
    expect(mocks.dynamoDb.send.called).toBe(false);
  });

  test('an account without pipelines says where it looked', async () => {
    tagAccount({});
    expect(await run('dora')).toEqual({ code: 1, out: '', err: 'cdk-ecs-release: no pipelines found: no pipeline in this account and region '
      + 'has the tag cdk-ecs-release:pipeline; check --region and --profile' });
  });

  test('a bad --days is bad usage; a denied Query names the action and the table', async () => {
    expect(await run('dora', '--days', '0')).toEqual({ code: 2, out: '', err: "cdk-ecs-release: --days takes a whole number from 1 to 3650, got '0'" });
    expect((await run('dora', '--days', '2.5')).code).toBe(2);
    account();
    mocks.dynamoDb.on(QueryCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform: dynamodb:Query'));
    mocks.dynamoDb.on(GetItemCommand).resolves({});
    expect((await run('dora')).err).toMatch(/^cdk-ecs-release: access denied: dynamodb:Query on table orders-release-records is not allowed for your identity/);
  });

  test('help dora shows its usage', async () => {
    expect((await run('help', 'dora')).out).toMatch(/^cdk-ecs-release dora \[--pipeline P\] \[--service S\] \[--stage St\] \[--days N\]\n/);
  });
});

describe('durations', () => {
  test.each([[42, '42s'], [720, '12m'], [12_600, '3.5h'], [181_440, '2.1d']])('%d seconds read %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});
