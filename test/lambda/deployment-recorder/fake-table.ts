/**
 * The record table in memory, behind aws-sdk-client-mock: it evaluates the recorder's UpdateItem
 * expressions (the subset the recorder writes) as DynamoDB does, so tests assert the items the
 * table ends with, whatever order the events came in.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  AttributeValue, ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, GetItemCommandInput, UpdateItemCommand, UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { AwsClientStub } from 'aws-sdk-client-mock';
import type { DeploymentRecorderConfig } from '../../../contract/deployment-record';
import type { RecordedEvent } from '../../../lambda/deployment-recorder';

export const TABLE = 'orders-release-records';

export const CONFIG: DeploymentRecorderConfig = {
  deploymentGroups: [{ applicationName: 'orders-app', deploymentGroupName: 'orders-production', serviceName: 'orders-api', stageName: 'Production' }],
  ecsServices: [{ serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/orders-cluster/orders-api', serviceName: 'orders-api', stageName: 'Canary' }],
  deployActions: [{ stageName: 'Production', actionName: 'Deploy', serviceName: 'orders-api' }],
  buildVariables: { imageUri: 'IMAGE_URI', imageTag: 'IMAGE_TAG' },
  alarms: [{ alarmName: 'orders-api-production-5xx', serviceName: 'orders-api', stageName: 'Production' }],
};

/** A recorded event of `fixtures/<name>.json`, in the shape EventBridge delivers it. */
export function fixture(name: string): RecordedEvent {
  return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', `${name}.json`), 'utf8')) as RecordedEvent;
}

type Item = Record<string, AttributeValue>;

export class FakeTable {
  public readonly items = new Map<string, Item>();

  /** Answers every UpdateItemCommand and GetItemCommand of `dynamo` from this table. */
  public serve(dynamo: AwsClientStub<DynamoDBClient>): void {
    dynamo.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => this.update(input));
    dynamo.on(GetItemCommand).callsFake((input: GetItemCommandInput) => this.get(input));
  }

  public get(input: GetItemCommandInput): { Item?: Item } {
    const item = this.items.get(`${input.Key!.releaseKey.S}|${input.Key!.recordId.S}`);
    return item ? { Item: { ...item } } : {};
  }

  /** The items of one partition whose recordId starts with `prefix`, as plain values. */
  public partition(releaseKey: string, prefix = ''): Record<string, unknown>[] {
    return [...this.items.keys()].filter((key) => key.startsWith(`${releaseKey}|${prefix}`)).sort()
      .map((key) => this.item(releaseKey, key.slice(releaseKey.length + 1))!);
  }

  /** The item as plain values: strings, numbers, string sets and lists as arrays. */
  public item(releaseKey: string, recordId: string): Record<string, unknown> | undefined {
    const item = this.items.get(`${releaseKey}|${recordId}`);
    return item && Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)]));
  }

  public update(input: UpdateItemCommandInput): { Attributes?: Item } {
    const key = `${input.Key!.releaseKey.S}|${input.Key!.recordId.S}`;
    const old = this.items.get(key);
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const current: Item = { ...(old ?? { ...input.Key! }) };
    // A condition sees the item as stored: none, when there is none (not even its key).
    if (input.ConditionExpression && !condition(input.ConditionExpression, old ?? {}, names, values)) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed', $metadata: { httpStatusCode: 400 },
        ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && old ? { Item: old } : {}),
      });
    }
    const [setAndRemove, addPart] = input.UpdateExpression!.split(' ADD ');
    const [setPart, removePart] = setAndRemove.startsWith('REMOVE ') ? ['', setAndRemove] : setAndRemove.split(' REMOVE ');
    const next: Item = { ...current };
    for (const clause of setPart ? split(setPart.replace(/^SET /, ''), ', ') : []) {
      const [target, expression] = clause.split(' = ');
      next[names[target]] = evaluate(expression, current, names, values);
    }
    for (const clause of addPart ? split(addPart, ', ') : []) {
      const [target, value] = clause.split(' ');
      const existing = current[names[target]]?.SS ?? [];
      next[names[target]] = { SS: [...new Set([...existing, ...values[value].SS!])] };
    }
    for (const target of removePart ? split(removePart.replace(/^REMOVE /, ''), ', ') : []) {
      delete next[names[target]];
    }
    this.items.set(key, next);
    return input.ReturnValues === 'ALL_NEW' ? { Attributes: next } : {};
  }
}

function evaluate(expression: string, item: Item, names: Record<string, string>, values: Item): AttributeValue {
  const ifNotExists = /^if_not_exists\((#\w+), (.+)\)$/.exec(expression);
  if (ifNotExists) {
    return item[names[ifNotExists[1]]] ?? evaluate(ifNotExists[2], item, names, values);
  }
  const listAppend = /^list_append\((.+), (:\w+)\)$/.exec(expression);
  if (listAppend) {
    return { L: [...evaluate(listAppend[1], item, names, values).L!, ...values[listAppend[2]].L!] };
  }
  if (!values[expression]) {
    throw new Error(`unknown operand ${expression}`);
  }
  return values[expression];
}

function condition(expression: string, item: Item, names: Record<string, string>, values: Item): boolean {
  return split(expression, ' AND ').every((term) => split(strip(term), ' OR ').some((atom) => {
    const a = strip(atom);
    let m = /^NOT contains\((#\w+), (:\w+)\)$/.exec(a);
    if (m) {
      return !(item[names[m[1]]]?.SS ?? []).includes(values[m[2]].S!);
    }
    m = /^attribute_(not_)?exists\((#\w+)\)$/.exec(a);
    if (m) {
      return (item[names[m[2]]] === undefined) === (m[1] !== undefined);
    }
    m = /^(#\w+) (<=|<|=|>) (:\w+)$/.exec(a);
    if (m) {
      const left = item[names[m[1]]]?.S;
      const right = values[m[3]].S!;
      return left !== undefined && (m[2] === '=' ? left === right : m[2] === '<' ? left < right : m[2] === '>' ? left > right : left <= right);
    }
    throw new Error(`unknown condition ${a}`);
  }));
}

/** Splits at `separator` outside parentheses. */
function split(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Without the parentheses around all of `text`, if there are. */
function strip(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) {
    return text;
  }
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    if (depth === 0) {
      return text;
    }
  }
  return text.slice(1, -1);
}

function plain(v: AttributeValue): unknown {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.SS !== undefined) return [...v.SS].sort();
  if (v.L !== undefined) return v.L.map(plain);
  return v;
}
