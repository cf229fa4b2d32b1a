/**
 * Applies one {@link RecordUpdate} to its item, idempotently and in event-time order:
 *
 * - the event's id joins the item's `seenEvents` in the same write, on the condition that it is
 *   not there yet: a redelivered event fails the condition and is "already recorded";
 * - the status changes only when no later event set it (`statusOrder`); an earlier event that
 *   arrives late still sets what it alone knows (a start time), without its status;
 * - durations are derived from the times the item holds after the write, on the condition that
 *   they are still those times, so a concurrent write never leaves a stale duration.
 */
import type { AttributeValue as DynamoValue } from '@aws-sdk/client-dynamodb';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import type { AttributeValue, RecordUpdate } from './events';
import { statusOrder } from './events';
import { Item, dynamoApi, numberOf as num, stringOf as str } from './item-store';

export type WriteOutcome = 'recorded' | 'duplicate';

/**
 * What a write did, and the item as it stands after it (before its derived durations): the steps
 * after a write (DORA facts, the incident report) read it. `item` is empty when a redelivered
 * event met an item that no longer exists.
 */
export interface WriteResult {
  readonly outcome: WriteOutcome;
  readonly item: Item;
}

export async function applyUpdate(scope: AwsCallScope, tableName: string, update: RecordUpdate, eventId: string, time: string): Promise<WriteResult> {
  const first = await write(scope, tableName, update, eventId, time, true);
  let item: Item | undefined;
  if (first.applied) {
    item = first.item;
  } else if (seen(first.item, eventId)) {
    // Applied before: the derived fields may still be missing if that invocation failed after its write.
    await derive(scope, tableName, update, first.item!, time);
    return { outcome: 'duplicate', item: first.item ?? {} };
  } else if (update.status) {
    // A later event set the status: what this one alone knows is still recorded.
    scope.logger.info('status kept: a later event set it', { releaseKey: update.releaseKey, recordId: update.recordId, statusOrder: str(first.item?.statusOrder) });
    const second = await write(scope, tableName, update, eventId, time, false);
    if (!second.applied) {
      return { outcome: 'duplicate', item: second.item ?? {} };
    }
    item = second.item;
  } else {
    return { outcome: 'duplicate', item: first.item ?? {} };
  }
  await derive(scope, tableName, update, item!, time);
  return { outcome: 'recorded', item: item ?? {} };
}

async function write(scope: AwsCallScope, tableName: string, update: RecordUpdate, eventId: string, time: string, withStatus: boolean)
  : Promise<{ applied: boolean; item?: Item }> {
  const names: Record<string, string> = {};
  const values: Item = {};
  const sets: string[] = [];
  let n = 0;
  const name = (attribute: string) => {
    const placeholder = `#a${n++}`;
    names[placeholder] = attribute;
    return placeholder;
  };
  const value = (v: AttributeValue | DynamoValue) => {
    const placeholder = `:v${n++}`;
    values[placeholder] = typeof v === 'object' && !Array.isArray(v) ? v : marshal(v);
    return placeholder;
  };
  for (const [attribute, v] of Object.entries(update.setOnce)) {
    const a = name(attribute);
    sets.push(`${a} = if_not_exists(${a}, ${value(v)})`);
  }
  for (const [attribute, v] of Object.entries(update.set ?? {})) {
    sets.push(`${name(attribute)} = ${value(v)}`);
  }
  const status = update.status?.status ?? 'in_progress';
  const order = statusOrder(time, status);
  const statusName = name('status');
  const orderName = name('statusOrder');
  if (update.status && withStatus) {
    sets.push(`${statusName} = ${value(status)}`, `${orderName} = ${value(order)}`);
    for (const [attribute, v] of Object.entries(update.status.fields ?? {})) {
      sets.push(`${name(attribute)} = ${value(v)}`);
    }
  } else {
    // A later event set the status: this one's end time is kept if the item has none (a late
    // failure after its rollback's verification).
    for (const [attribute, v] of Object.entries(update.status?.fields ?? {})) {
      const a = name(attribute);
      sets.push(`${a} = if_not_exists(${a}, ${value(v)})`);
    }
    // A record exists from its first event on: in progress, with an order any real status replaces.
    sets.push(`${statusName} = if_not_exists(${statusName}, ${value('in_progress')})`,
      `${orderName} = if_not_exists(${orderName}, ${value('0#0')})`);
  }
  if (update.note) {
    const notes = name('notes');
    sets.push(`${notes} = list_append(if_not_exists(${notes}, ${value({ L: [] })}), ${value({ L: [{ S: update.note }] })})`);
  }
  const lastEvent = name('lastEventTime');
  sets.push(`${lastEvent} = if_not_exists(${lastEvent}, ${value(time)})`);
  const seenName = name('seenEvents');
  const adds = [`${seenName} ${value({ SS: [eventId] })}`];
  for (const [attribute, v] of Object.entries(update.add ?? {})) {
    adds.push(`${name(attribute)} ${value({ SS: v })}`);
  }
  const id = value(eventId);
  const conditions = [`NOT contains(${seenName}, ${id})`];
  if (update.status && withStatus) {
    conditions.push(`(attribute_not_exists(${orderName}) OR ${orderName} <= ${value(order)})`);
  }
  const { client, sdk } = await dynamoApi();
  try {
    const answer = await awsCall(scope, 'dynamodb:UpdateItem', (abortSignal) => client.send(new sdk.UpdateItemCommand({
      TableName: tableName,
      Key: keyOf(update),
      UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }), { abortSignal }));
    return { applied: true, item: answer.Attributes ?? {} };
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      return { applied: false, item: (error as { Item?: Item }).Item ?? {} };
    }
    throw error;
  }
}

/**
 * The durations the item's times give, and its latest event time: written only when they
 * change, on the condition that the times they come from are still the item's.
 */
async function derive(scope: AwsCallScope, tableName: string, update: RecordUpdate, item: Item, time: string): Promise<void> {
  const startedAt = str(item.startedAt);
  const completedAt = str(item.completedAt);
  const requested = str(item.approvalRequestedAt);
  const decided = str(item.approvalDecidedAt);
  const derived: Record<string, number> = {};
  const duration = seconds(startedAt, completedAt);
  const waiting = seconds(requested, decided);
  if (duration !== undefined) {
    derived.durationSeconds = duration;
    if (str(item.kind) === 'stage' && (waiting !== undefined || requested === undefined)) {
      derived.waitingSeconds = waiting ?? 0;
      derived.activeSeconds = Math.max(0, duration - (waiting ?? 0));
    }
  } else if (waiting !== undefined) {
    derived.waitingSeconds = waiting;
  }
  const changed = Object.entries(derived).filter(([attribute, v]) => num(item[attribute]) !== v);
  const later = (str(item.lastEventTime) ?? '') < time;
  if (changed.length === 0 && !later) {
    return;
  }
  const { client, sdk } = await dynamoApi();
  const send = (expression: string, condition: string, names: Record<string, string>, values: Item) =>
    awsCall(scope, 'dynamodb:UpdateItem', (abortSignal) => client.send(new sdk.UpdateItemCommand({
      TableName: tableName, Key: keyOf(update), UpdateExpression: expression, ConditionExpression: condition,
      ExpressionAttributeNames: names, ExpressionAttributeValues: values,
    }), { abortSignal })).then(() => undefined, (error: unknown) => {
      // Another invocation changed the times first: it derives from what it wrote.
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') {
        throw error;
      }
    });
  if (changed.length > 0) {
    const names: Record<string, string> = {};
    const values: Item = {};
    const sources = { startedAt, completedAt, approvalRequestedAt: requested, approvalDecidedAt: decided };
    const conditions = Object.entries(sources).map(([attribute, v], index) => {
      names[`#s${index}`] = attribute;
      if (v === undefined) {
        return `attribute_not_exists(#s${index})`;
      }
      values[`:s${index}`] = { S: v };
      return `#s${index} = :s${index}`;
    });
    const sets = changed.map(([attribute, v], index) => {
      names[`#d${index}`] = attribute;
      values[`:d${index}`] = { N: String(v) };
      return `#d${index} = :d${index}`;
    });
    await send(`SET ${sets.join(', ')}`, conditions.join(' AND '), names, values);
  }
  if (later) {
    await send('SET #t = :t', 'attribute_not_exists(#t) OR #t < :t', { '#t': 'lastEventTime' }, { ':t': { S: time } });
  }
}

function keyOf(update: RecordUpdate): Item {
  return { releaseKey: { S: update.releaseKey }, recordId: { S: update.recordId } };
}

function marshal(v: AttributeValue): DynamoValue {
  if (Array.isArray(v)) {
    return { L: v.map((s) => ({ S: s })) };
  }
  return typeof v === 'number' ? { N: String(v) } : { S: v };
}

function seen(item: Item | undefined, eventId: string): boolean {
  return item?.seenEvents?.SS?.includes(eventId) ?? false;
}

function seconds(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) {
    return undefined;
  }
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms / 1000) : undefined;
}
