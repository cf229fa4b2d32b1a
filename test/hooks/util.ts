import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BlueGreenService, BlueGreenServiceProps } from '../../lib';
import { mockCluster, testImage, testStack } from '../util';

export { testStack };

/** A service like the example app's: a VPC over two AZs with a NAT gateway. */
export function mockService(stack: Stack = testStack(), props: Partial<BlueGreenServiceProps> = {}): BlueGreenService {
  const { cluster } = mockCluster(stack);
  return new BlueGreenService(stack, 'Orders', { cluster, image: testImage, serviceName: 'orders-api', ...props });
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The IAM statements of every inline policy (role default policies and separate policies) of the template. */
export function policyStatements(template: Template): Statement[] {
  const statements: Statement[] = [];
  for (const resource of Object.values(template.findResources('AWS::IAM::Policy'))) {
    statements.push(...(resource.Properties.PolicyDocument.Statement as Statement[]));
  }
  return statements;
}

/** The statements of the policies attached to the role of `fn`. */
export function statementsOf(stack: Stack, template: Template, fn: lambda.IFunction): Statement[] {
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as never);
  const statements: Statement[] = [];
  for (const resource of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const roles = resource.Properties.Roles as { Ref: string }[];
    if (roles.some((role) => role.Ref === roleId)) {
      statements.push(...(resource.Properties.PolicyDocument.Statement as Statement[]));
    }
  }
  return statements;
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** The statements that allow `action`. */
export function allowing(statements: Statement[], action: string): Statement[] {
  return statements.filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes(action));
}

/** Actions granted on `*` by these statements. */
export function wildcardActions(statements: Statement[]): string[] {
  return statements
    .filter((statement) => resourcesOf(statement).includes('*'))
    .flatMap((statement) => actionsOf(statement).map((action) => statement.Condition ? `${action} (with condition)` : action));
}

/**
 * Resources that depend on each other through Ref, Fn::GetAtt, Fn::Sub or DependsOn, which
 * CloudFormation rejects and synthesis does not detect. Returns one cycle, or undefined.
 */
export function findCycle(template: Template): string[] | undefined {
  const resources = template.toJSON().Resources as Record<string, { Properties?: unknown; DependsOn?: string | string[] }>;
  const edges = new Map<string, Set<string>>();
  for (const [id, resource] of Object.entries(resources)) {
    const targets = new Set<string>();
    collectReferences(resource.Properties, targets);
    const dependsOn = resource.DependsOn === undefined ? [] : Array.isArray(resource.DependsOn) ? resource.DependsOn : [resource.DependsOn];
    dependsOn.forEach((target) => targets.add(target));
    edges.set(id, new Set([...targets].filter((target) => target in resources)));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') {
      return undefined;
    }
    if (state.get(id) === 'visiting') {
      return [...path.slice(path.indexOf(id)), id];
    }
    state.set(id, 'visiting');
    path.push(id);
    for (const target of edges.get(id) ?? []) {
      const cycle = visit(target);
      if (cycle) {
        return cycle;
      }
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) {
      return cycle;
    }
  }
  return undefined;
}

function collectReferences(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    value.forEach((item) => collectReferences(item, into));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') {
        into.add(inner);
      } else if (key === 'Fn::GetAtt' && Array.isArray(inner)) {
        into.add(String(inner[0]));
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? String(inner[0]) : String(inner);
        for (const match of text.matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g)) {
          into.add(match[1]);
        }
        if (Array.isArray(inner)) {
          collectReferences(inner[1], into);
        }
      } else {
        collectReferences(inner, into);
      }
    }
  }
}

/** The environment variables of the function `fn` in the template. */
export function environmentOf(stack: Stack, template: Template, fn: lambda.IFunction): Record<string, unknown> {
  const id = stack.getLogicalId(fn.node.defaultChild as never);
  return template.toJSON().Resources[id].Properties.Environment.Variables;
}

/** Resolves a Fn::Join of literals into a string, references rendered as `<LogicalId>` / `<LogicalId.Attr>`. */
export function joinToText(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  const record = value as Record<string, unknown>;
  if (record['Fn::Join']) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map(joinToText).join(separator);
  }
  if (record.Ref) {
    return `<${record.Ref}>`;
  }
  if (record['Fn::GetAtt']) {
    return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  if (record['Fn::Select']) {
    const [index, list] = record['Fn::Select'] as [number, unknown];
    return `<select ${index} of ${JSON.stringify(list)}>`;
  }
  return JSON.stringify(value);
}
