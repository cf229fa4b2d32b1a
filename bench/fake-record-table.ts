/**
 * A deployment record table in memory that answers the reads of `cdk-ecs-release dora`: Query of
 * a partition (by its sort key or the `byStartedAt` index) with a key condition of `=` and
 * `BETWEEN` or `begins_with`, a page at a time as DynamoDB pages (`LastEvaluatedKey`), and GetItem.
 * Its answers are the wire shapes, so the unit tests' SDK mock and the bench's HTTP fake share it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { RECORD_BY_START_INDEX, RECORD_PARTITION_KEY, RECORD_SORT_KEY, RECORD_START_ATTRIBUTE } from '../contract/deployment-record';

export type WireItem = Record<string, AttributeValue>;

/** A plain item as DynamoDB holds it: strings, numbers, lists of strings. */
export function wireItem(item: object): WireItem {
  const wire: WireItem = {};
  for (const [name, value] of Object.entries(item)) {
    if (typeof value === 'string') wire[name] = { S: value };
    else if (typeof value === 'number') wire[name] = { N: String(value) };
    else if (Array.isArray(value)) wire[name] = { L: value.map((entry) => ({ S: String(entry) })) };
  }
  return wire;
}

export interface QueryInput {
  readonly TableName?: string;
  readonly IndexName?: string;
  readonly KeyConditionExpression?: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, AttributeValue>;
  readonly ExclusiveStartKey?: WireItem;
  readonly Limit?: number;
  readonly ProjectionExpression?: string;
}

/** The attributes of `item` a projection names (`#placeholder` or plain names, comma-separated), or all. */
function projected(item: WireItem, input: { ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }): WireItem {
  if (input.ProjectionExpression === undefined) {
    return item;
  }
  const names = input.ProjectionExpression.split(',').map((part) => part.trim()).map((part) => input.ExpressionAttributeNames?.[part] ?? part);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.includes(name)));
}

export interface QueryOutput {
  readonly Items: WireItem[];
  readonly Count: number;
  readonly LastEvaluatedKey?: WireItem;
}

const CONDITION = /^(#\w+) = (:\w+)(?: AND (?:(#\w+) BETWEEN (:\w+) AND (:\w+)|begins_with\((#\w+), (:\w+)\)))?$/;

export class FakeRecordTable {
  /** Queries answered, for the tests to read. */
  public readonly queries: QueryInput[] = [];
  private readonly partitions = new Map<string, WireItem[]>();

  /** @param pageSize items per page: DynamoDB's 1 MB page holds about a thousand record items. */
  constructor(items: readonly WireItem[], private readonly pageSize = 1000) {
    for (const item of items) {
      const key = item[RECORD_PARTITION_KEY].S!;
      this.partitions.set(key, [...(this.partitions.get(key) ?? []), item]);
    }
  }

  public query(input: QueryInput): QueryOutput {
    this.queries.push(input);
    const match = CONDITION.exec(input.KeyConditionExpression ?? '');
    if (!match) {
      throw new Error(`the fake table does not evaluate the key condition '${input.KeyConditionExpression}'`);
    }
    const name = (placeholder: string) => input.ExpressionAttributeNames?.[placeholder] ?? placeholder;
    const value = (placeholder: string) => input.ExpressionAttributeValues?.[placeholder]?.S ?? '';
    const [, keyName, keyValue, rangeName, low, high, prefixName, prefix] = match;
    const sortKey = input.IndexName === RECORD_BY_START_INDEX ? RECORD_START_ATTRIBUTE : RECORD_SORT_KEY;
    if (name(keyName) !== RECORD_PARTITION_KEY || (rangeName ?? prefixName) !== undefined && name(rangeName ?? prefixName) !== sortKey) {
      throw new Error(`the key condition names attributes that are not the key of ${input.IndexName ?? 'the table'}`);
    }
    const order = (item: WireItem) => `${item[sortKey]?.S ?? ''}\u0000${item[RECORD_SORT_KEY].S}`;
    const matching = (this.partitions.get(value(keyValue)) ?? [])
      // An index holds only the items that have its sort key.
      .filter((item) => item[sortKey]?.S !== undefined)
      .filter((item) => {
        const sorted = item[sortKey].S!;
        if (rangeName !== undefined) return sorted >= value(low) && sorted <= value(high);
        if (prefixName !== undefined) return sorted.startsWith(value(prefix));
        return true;
      })
      .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
    const start = input.ExclusiveStartKey ? matching.findIndex((item) => order(item) === order(input.ExclusiveStartKey!)) + 1 : 0;
    const size = Math.min(this.pageSize, input.Limit ?? Number.POSITIVE_INFINITY);
    const page = matching.slice(start, start + size);
    const last = page[page.length - 1];
    const more = start + size < matching.length;
    return {
      Items: page.map((item) => projected(item, input)),
      Count: page.length,
      ...(more && last ? { LastEvaluatedKey: {
        [RECORD_PARTITION_KEY]: last[RECORD_PARTITION_KEY], [RECORD_SORT_KEY]: last[RECORD_SORT_KEY],
        ...(sortKey === RECORD_START_ATTRIBUTE ? { [RECORD_START_ATTRIBUTE]: last[RECORD_START_ATTRIBUTE] } : {}),
      } } : {}),
    };
  }

  public getItem(input: { Key?: WireItem; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> }): { Item?: WireItem } {
    const item = (this.partitions.get(input.Key?.[RECORD_PARTITION_KEY]?.S ?? '') ?? [])
      .find((candidate) => candidate[RECORD_SORT_KEY].S === input.Key?.[RECORD_SORT_KEY]?.S);
    return item ? { Item: projected(item, input) } : {};
  }
}
