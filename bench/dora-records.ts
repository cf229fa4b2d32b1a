/**
 * A busy account's deployment record for `cdk-ecs-release dora`: one pipeline deploying two
 * services to two stages, `count` deployment items spread over the 29 days before `now` (as the
 * recorder writes them, with their notes, hook results and event ids: about 1 KB each), a
 * restoration after each failure, and each service and stage's `service` item. Answered by the
 * fake AWS endpoint (bench/fake-aws.ts) from a {@link FakeRecordTable}.
 */
import { RECORD_TABLE_TAG } from '../contract/release-tags';
import { SERVICE_STATE_RECORD_ID, restoreRecordId } from '../contract/deployment-record';
import type { FakeAnswers } from './fake-aws';
import { FakeRecordTable, QueryInput, WireItem, wireItem } from './fake-record-table';

const PIPELINE_ARN = 'arn:aws:codepipeline:eu-west-1:123456789012:orders-release';
const TABLE_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders-release-records';
export const DORA_PARTITIONS = [['orders-api', 'Staging'], ['orders-api', 'Production'], ['orders-worker', 'Staging'], ['orders-worker', 'Production']];

/** Every 10th release fails, every 25th rolls back; two of each hundred have no commit time. */
export function doraRecords(count: number, now: Date): WireItem[] {
  const items: WireItem[] = [];
  const perPartition = Math.ceil(count / DORA_PARTITIONS.length);
  // 29 days: every record lies in the 30 days to `now` a command reads a little later.
  const spacing = (29 * 86_400_000) / perPartition;
  for (const [service, stage] of DORA_PARTITIONS) {
    const releaseKey = `${service}#${stage}`;
    for (let i = 0; i < perPartition; i++) {
      const started = new Date(now.getTime() - 29 * 86_400_000 + i * spacing);
      const completed = new Date(started.getTime() + 9 * 60_000);
      const status = i % 25 === 0 ? 'rolled_back' : i % 10 === 0 ? 'failed' : 'success';
      const id = `d-${service.length}${stage.length}${String(i).padStart(7, '0')}`;
      items.push(wireItem({
        releaseKey, recordId: id, kind: 'deployment', serviceName: service, stageName: stage, engine: 'CODE_DEPLOY', deploymentId: id,
        status, statusOrder: `${completed.toISOString()}#3`, startedAt: started.toISOString(), completedAt: completed.toISOString(),
        durationSeconds: 540, pipelineExecutionId: `6f1ab8e4-52c3-4f0d-9a55-${String(i).padStart(12, '0')}`,
        ...(i % 50 === 7 ? {} : { commitTime: new Date(started.getTime() - 40 * 60_000).toISOString() }),
        url: `https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/${id}?region=eu-west-1`,
        hookResults: ['BeforeInstall preflight: SUCCEEDED: 3 checks passed', 'AfterAllowTestTraffic smoke: SUCCEEDED: 12 checks in 840 ms'],
        notes: status === 'success' ? [] : [`${completed.toISOString()} deployment ${status === 'failed' ? 'failed' : 'rolled back'}: alarm ${service}-5xx`],
        seenEvents: Array.from({ length: 6 }, (_, n) => `c1a4b2a0-${n}-${String(i).padStart(12, '0')}`),
        lastEventTime: completed.toISOString(),
      }));
      if (status !== 'success') {
        const restoredAt = new Date(completed.getTime() + 20 * 60_000).toISOString();
        items.push(wireItem({
          releaseKey, recordId: restoreRecordId(restoredAt), kind: 'restore', status: 'success', statusOrder: `${restoredAt}#1`,
          failingSince: completed.toISOString(), failedBy: id, restoredAt, restoredBy: 'next release', restoreSeconds: 1200,
          seenEvents: [], lastEventTime: restoredAt,
        }));
      }
    }
    items.push(wireItem({ releaseKey, recordId: SERVICE_STATE_RECORD_ID, kind: 'service', status: 'success', statusOrder: '', seenEvents: [], lastEventTime: now.toISOString() }));
  }
  return items;
}

/** The fake AWS answers of `dora` over `table`: the pipeline and its record table by their tags, then the table's reads. */
export function doraAnswers(table: FakeRecordTable): FakeAnswers {
  return {
    'ResourceGroupsTaggingAPI_20170126.GetResources': (body: { TagFilters?: { Key: string }[] }) => ({
      ResourceTagMappingList: body.TagFilters?.[0]?.Key === RECORD_TABLE_TAG
        ? [{ ResourceARN: TABLE_ARN, Tags: [{ Key: RECORD_TABLE_TAG, Value: 'Orders/Release' }] }]
        : [{ ResourceARN: PIPELINE_ARN, Tags: [{ Key: 'cdk-ecs-release:pipeline', Value: 'Orders/Release' },
          { Key: 'cdk-ecs-release:stage:Staging', Value: 'staging/orders-api,staging/orders-worker' },
          { Key: 'cdk-ecs-release:stage:Production', Value: 'production/orders-api,production/orders-worker' }] }],
    }),
    'DynamoDB_20120810.Query': (body: QueryInput) => table.query(body),
    'DynamoDB_20120810.GetItem': (body: Parameters<FakeRecordTable['getItem']>[0]) => table.getItem(body),
  };
}
