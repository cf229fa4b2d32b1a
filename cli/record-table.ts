/**
 * Reads one service and stage's partition of a deployment record table (contract/deployment-record.ts):
 * its deployments started since a time (the `byStartedAt` index), its restorations, and its
 * `service` item, each with only the attributes DORA's keys read. Every Query is read to its last page.
 */
import type { AttributeValue, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import {
  RECORD_BY_START_INDEX, RECORD_PARTITION_KEY, RECORD_SORT_KEY, RECORD_START_ATTRIBUTE, SERVICE_STATE_RECORD_ID, restoreRecordId,
} from '../contract/deployment-record';
import { DoraRecordItem } from '../contract/dora';
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

/** An item as read: its key and what the keys read of it. */
export interface ReadRecordItem extends DoraRecordItem {
  readonly releaseKey: string;
  readonly recordId: string;
}

/** The items of a partition a command reads. */
export interface PartitionRecords {
  /** Deployments started at or after the time asked, oldest first. */
  readonly deployments: ReadRecordItem[];
  /** Restorations at or after the time asked, oldest first. */
  readonly restores: ReadRecordItem[];
  /** The service and stage's current failure, when the item exists. */
  readonly service?: ReadRecordItem;
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

/**
 * What the keys read of an item (contract/dora.ts), and its key: a record item also carries its
 * event ids, notes and hook results, several times the size, which a Query would only carry over.
 */
const DORA_FIELDS: Record<keyof DoraRecordItem, true> = {
  kind: true, status: true, rollbackOf: true, startedAt: true, completedAt: true, commitTime: true, lastEventTime: true,
  restoredAt: true, failingSince: true, failedBy: true, restoreSeconds: true,
};
const READ_ATTRIBUTES = [RECORD_PARTITION_KEY, RECORD_SORT_KEY, ...Object.keys(DORA_FIELDS)];

/** The projection of {@link READ_ATTRIBUTES}, each by a placeholder (`status` is a reserved word). */
function projection(names: Record<string, string>): { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } {
  const placeholders = Object.fromEntries(READ_ATTRIBUTES.map((name, index) => [`#a${index}`, name]));
  return { ProjectionExpression: Object.keys(placeholders).join(', '), ExpressionAttributeNames: { ...names, ...placeholders } };
}

async function queryAll(aws: Aws, input: QueryCommandInput): Promise<ReadRecordItem[]> {
  const dynamoDb = await aws.dynamoDb();
  const items: ReadRecordItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await aws.call('dynamodb:Query', `table ${input.TableName}`, () => dynamoDb.client.send(new dynamoDb.sdk.QueryCommand({
      ...input, ...(start ? { ExclusiveStartKey: start } : {}),
    })));
    for (const item of page.Items ?? []) {
      items.push(plainItem(item) as unknown as ReadRecordItem);
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
      ...projection({ '#key': RECORD_PARTITION_KEY, '#started': RECORD_START_ATTRIBUTE }),
      ExpressionAttributeValues: { ':key': key[RECORD_PARTITION_KEY], ':since': { S: query.startedSince }, ':until': { S: query.until } },
    }),
    // Restorations sort by time (`restore#<restoredAt>`): the range is one key condition.
    queryAll(aws, {
      TableName: query.tableName,
      KeyConditionExpression: '#key = :key AND #id BETWEEN :first AND :last',
      ...projection({ '#key': RECORD_PARTITION_KEY, '#id': RECORD_SORT_KEY }),
      ExpressionAttributeValues: {
        ':key': key[RECORD_PARTITION_KEY], ':first': { S: restoreRecordId(query.restoredSince) },
        // `~` sorts after every character of a time: a restoration at `until` itself is read too.
        ':last': { S: `${restoreRecordId(query.until)}~` },
      },
    }),
    aws.call('dynamodb:GetItem', `table ${query.tableName}`, () => dynamoDb.client.send(new dynamoDb.sdk.GetItemCommand({
      TableName: query.tableName,
      Key: { ...key, [RECORD_SORT_KEY]: { S: SERVICE_STATE_RECORD_ID } },
      ...projection({}),
    }))),
  ]);
  return {
    deployments: deployments.filter((item) => item.kind === 'deployment'),
    restores: restores.filter((item) => item.kind === 'restore'),
    ...(service.Item ? { service: plainItem(service.Item) as unknown as ReadRecordItem } : {}),
  };
}
