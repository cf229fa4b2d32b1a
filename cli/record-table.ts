/**
 * Reads one service and stage's partition of a deployment record table (contract/deployment-record.ts):
 * its deployments started since a time (the `byStartedAt` index), its restorations, and its
 * `service` item. Every Query is read to its last page.
 */
import type { AttributeValue, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import {
  RECORD_BY_START_INDEX, RECORD_PARTITION_KEY, RECORD_SORT_KEY, RECORD_START_ATTRIBUTE, ReleaseRecordItem, SERVICE_STATE_RECORD_ID,
  restoreRecordId,
} from '../contract/deployment-record';
import { Aws } from './aws';

/** A DynamoDB attribute value as plain data: strings, numbers, lists, maps, sets as lists. */
export function plainValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(plainValue);
  if (value.M !== undefined) return plainItem(value.M);
  if (value.SS !== undefined) return [...value.SS];
  if (value.NS !== undefined) return value.NS.map(Number);
  return undefined;
}

export function plainItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, plainValue(value)]));
}

/** The items of a partition a command reads. */
export interface PartitionRecords {
  /** Deployments started at or after the time asked, oldest first. */
  readonly deployments: ReleaseRecordItem[];
  /** Restorations at or after the time asked, oldest first. */
  readonly restores: ReleaseRecordItem[];
  /** The service and stage's current failure, when the item exists. */
  readonly service?: ReleaseRecordItem;
}

export interface PartitionQuery {
  readonly tableName: string;
  /** `<service>#<stage>`. */
  readonly releaseKey: string;
  /** The earliest start of a deployment to read (ISO 8601). */
  readonly startedSince: string;
  /** The earliest restoration to read (ISO 8601). */
  readonly restoredSince: string;
  /** The latest start or restoration to read (ISO 8601). */
  readonly until: string;
}

async function queryAll(aws: Aws, input: QueryCommandInput): Promise<ReleaseRecordItem[]> {
  const dynamoDb = await aws.dynamoDb();
  const items: ReleaseRecordItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await aws.call('dynamodb:Query', `table ${input.TableName}`, () => dynamoDb.client.send(new dynamoDb.sdk.QueryCommand({
      ...input, ...(start ? { ExclusiveStartKey: start } : {}),
    })));
    for (const item of page.Items ?? []) {
      items.push(plainItem(item) as unknown as ReleaseRecordItem);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function readPartition(aws: Aws, query: PartitionQuery): Promise<PartitionRecords> {
  const dynamoDb = await aws.dynamoDb();
  const key = { [RECORD_PARTITION_KEY]: { S: query.releaseKey } };
  const [deployments, restores, service] = await Promise.all([
    queryAll(aws, {
      TableName: query.tableName,
      IndexName: RECORD_BY_START_INDEX,
      KeyConditionExpression: '#key = :key AND #started BETWEEN :since AND :until',
      ExpressionAttributeNames: { '#key': RECORD_PARTITION_KEY, '#started': RECORD_START_ATTRIBUTE },
      ExpressionAttributeValues: { ':key': key[RECORD_PARTITION_KEY], ':since': { S: query.startedSince }, ':until': { S: query.until } },
    }),
    // Restorations sort by time (`restore#<restoredAt>`): the range is one key condition.
    queryAll(aws, {
      TableName: query.tableName,
      KeyConditionExpression: '#key = :key AND #id BETWEEN :first AND :last',
      ExpressionAttributeNames: { '#key': RECORD_PARTITION_KEY, '#id': RECORD_SORT_KEY },
      ExpressionAttributeValues: {
        ':key': key[RECORD_PARTITION_KEY], ':first': { S: restoreRecordId(query.restoredSince) },
        // `~` sorts after every character of a time: a restoration at `until` itself is read too.
        ':last': { S: `${restoreRecordId(query.until)}~` },
      },
    }),
    aws.call('dynamodb:GetItem', `table ${query.tableName}`, () => dynamoDb.client.send(new dynamoDb.sdk.GetItemCommand({
      TableName: query.tableName,
      Key: { ...key, [RECORD_SORT_KEY]: { S: SERVICE_STATE_RECORD_ID } },
    }))),
  ]);
  return {
    deployments: deployments.filter((item) => item.kind === 'deployment'),
    restores: restores.filter((item) => item.kind === 'restore'),
    ...(service.Item ? { service: plainItem(service.Item) as unknown as ReleaseRecordItem } : {}),
  };
}
