/**
 * The recorder's one DynamoDB client, and the reads and conditional writes of the steps after a
 * record's write (linking, DORA facts, time to restore, the incident report), beside write.ts's
 * event-ordered updates. A refused condition is an answer (`undefined`), every other error is
 * thrown: the invocation fails and the event is retried.
 */
import type { AttributeValue as DynamoValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AwsCallOptions, AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';

/** One client for every path of the recorder: a cold start builds it once. */
export const dynamoApi = lazy(() => import('@aws-sdk/client-dynamodb')
  .then((sdk) => ({ client: new sdk.DynamoDBClient(clientConfig()) as DynamoDBClient, sdk })));

export type Item = Record<string, DynamoValue>;

export interface ItemKey {
  readonly releaseKey: string;
  readonly recordId: string;
}

/** A value a conditional write sets or compares: strings and numbers. */
export type StoredValue = string | number;

/** Builds one expression's placeholders. */
export class Expression {
  public readonly names: Record<string, string> = {};
  public readonly values: Item = {};
  private n = 0;

  /** The placeholder of an attribute. */
  public name(attribute: string): string {
    const placeholder = `#n${this.n++}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  /** The placeholder of a value. */
  public value(v: StoredValue): string {
    const placeholder = `:v${this.n++}`;
    this.values[placeholder] = typeof v === 'number' ? { N: String(v) } : { S: v };
    return placeholder;
  }
}

export interface ConditionalUpdate {
  /** Attributes set as given. */
  readonly set?: Record<string, StoredValue>;
  /** Attributes set only when the item has none yet. */
  readonly setOnce?: Record<string, StoredValue>;
  readonly remove?: string[];
  /** The condition, written with `e`'s placeholders; none writes unconditionally. */
  readonly condition?: (e: Expression) => string;
}

/** The item, read consistently; undefined when there is none. */
export async function getItem(scope: AwsCallScope, tableName: string, key: ItemKey, options?: AwsCallOptions): Promise<Item | undefined> {
  const { client, sdk } = await dynamoApi();
  const answer = await awsCall(scope, 'dynamodb:GetItem', (abortSignal) => client.send(new sdk.GetItemCommand({
    TableName: tableName, Key: keyOf(key), ConsistentRead: true,
  }), { abortSignal }), options);
  return answer.Item;
}

/** Applies `update` when its condition holds: the item after the write, or undefined when the condition refused it. */
export async function updateIf(scope: AwsCallScope, tableName: string, key: ItemKey, update: ConditionalUpdate): Promise<Item | undefined> {
  const e = new Expression();
  const sets = [
    ...Object.entries(update.setOnce ?? {}).map(([attribute, v]) => {
      const a = e.name(attribute);
      return `${a} = if_not_exists(${a}, ${e.value(v)})`;
    }),
    ...Object.entries(update.set ?? {}).map(([attribute, v]) => `${e.name(attribute)} = ${e.value(v)}`),
  ];
  const removes = (update.remove ?? []).map((attribute) => e.name(attribute));
  const condition = update.condition?.(e);
  const expression = [sets.length > 0 ? `SET ${sets.join(', ')}` : '', removes.length > 0 ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
  const { client, sdk } = await dynamoApi();
  try {
    const answer = await awsCall(scope, 'dynamodb:UpdateItem', (abortSignal) => client.send(new sdk.UpdateItemCommand({
      TableName: tableName,
      Key: keyOf(key),
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeNames: e.names,
      ExpressionAttributeValues: Object.keys(e.values).length > 0 ? e.values : undefined,
      ReturnValues: 'ALL_NEW',
    }), { abortSignal }));
    return answer.Attributes ?? {};
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      return undefined;
    }
    throw error;
  }
}

export function stringOf(v: DynamoValue | undefined): string | undefined {
  return v?.S;
}

export function numberOf(v: DynamoValue | undefined): number | undefined {
  return v?.N === undefined ? undefined : Number(v.N);
}

/** An ISO 8601 time in one format (UTC, milliseconds): the times compared in conditions sort as strings. */
export function canonicalTime(time: string | undefined): string | undefined {
  const ms = time === undefined ? NaN : Date.parse(time);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function keyOf(key: ItemKey): Item {
  return { releaseKey: { S: key.releaseKey }, recordId: { S: key.recordId } };
}
