/**
 * Acknowledgements, for policy-validation plugins such as cdk-nag, of the few wildcards the
 * library needs. Each names the exact finding on the construct that owns it: cdk-nag accepts an
 * acknowledgement on a resource or on any of its ancestors, so one made on a role or a hook would
 * also hide a wildcard a user adds to that role later.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** Construct id, under a role, of the policy holding the library's acknowledged wildcard statements. */
export const WILDCARD_POLICY_ID = 'WildcardPolicy';

/** The findings and reasons already acknowledged on each wildcard policy, which may hold several `*` statements. */
const acknowledgedFindings = new WeakMap<iam.ManagedPolicy, Set<string>>();

/**
 * Adds `statement` to a policy of its own attached to `role` (id `WildcardPolicy`, a child of the
 * role, so whatever waits for the role waits for it too), and acknowledges each wildcard resource
 * and action of the statement on that policy only. A user's statement goes to the role's default
 * policy, where no acknowledgement reaches it.
 */
export function addAcknowledgedStatement(role: iam.IRole, statement: iam.PolicyStatement, reason: string): iam.ManagedPolicy {
  const existing = role.node.tryFindChild(WILDCARD_POLICY_ID);
  // A managed policy (of this account), not an inline one: IAM caps a role's inline policies at
  // 10,240 characters together, and the default policy of a role shared by a stack's services
  // grows to what aws-cdk-lib lets it (10,000) before it splits it.
  const policy = existing instanceof iam.ManagedPolicy ? existing : new iam.ManagedPolicy(role, WILDCARD_POLICY_ID, { roles: [role] });
  policy.addStatements(statement);
  const findings = () => [
    ...statement.resources.map((resource) => `Resource::${flattenReference(Stack.of(policy).resolve(resource))}`),
    ...statement.actions.map((action) => `Action::${action}`),
  ].filter((finding) => finding.includes('*'));
  const acknowledged = acknowledgedFindings.get(policy) ?? new Set<string>();
  acknowledgedFindings.set(policy, acknowledged);
  acknowledgeFindings(policy, findings, reason, acknowledged);
  return policy;
}

/**
 * Acknowledges the AwsSolutions-IAM5 `findings` on `scope`, once per finding and reason (each
 * reason stays on record for the statement it explains): now, and again at synthesis, once a
 * reference to another stack has its final form (an import or a stack output) in the finding.
 */
function acknowledgeFindings(scope: IConstruct, findings: () => string[], reason: string, acknowledged: Set<string>): void {
  const acknowledge = () => {
    for (const finding of findings().filter((f) => !acknowledged.has(`${f} ${reason}`))) {
      acknowledged.add(`${finding} ${reason}`);
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  };
  acknowledge();
  // Node validations run after the references between stacks are resolved, before the policy plugins.
  scope.node.addValidation({ validate: () => { acknowledge(); return []; } });
}

/**
 * Adds `statement`, whose wildcards lie within one service's resources (a task definition family's
 * revisions, a cluster's tasks), to the default policy of `role`, and acknowledges exactly those
 * findings on the role. For a role shared by many services: aws-cdk-lib moves what outgrows the
 * default policy into managed overflow policies under the role, which an acknowledgement on the
 * default policy would not reach. A bare `*` is refused here, so an acknowledgement on the role
 * never covers the `*` a user adds to it.
 */
export function addAcknowledgedScopedStatement(role: iam.IRole, statement: iam.PolicyStatement, reason: string): void {
  const findings = statement.resources.map((resource) => `Resource::${flattenReference(Stack.of(role).resolve(resource))}`)
    .filter((finding) => finding.includes('*'));
  if (findings.includes('Resource::*') || statement.actions.some((action) => action.includes('*'))) {
    throw new Error(`${role.node.path}: a statement on * or with a wildcard action belongs in the role's ${WILDCARD_POLICY_ID} (addAcknowledgedStatement)`);
  }
  role.addToPrincipalPolicy(statement);
  const acknowledged = acknowledgedScopedFindings.get(role) ?? new Set<string>();
  acknowledgedScopedFindings.set(role, acknowledged);
  acknowledgeFindings(role, () => statement.resources.map((resource) => `Resource::${flattenReference(Stack.of(role).resolve(resource))}`)
    .filter((finding) => finding.includes('*')), reason, acknowledged);
}

/** The scoped findings and reasons already acknowledged on each role. */
const acknowledgedScopedFindings = new WeakMap<iam.IRole, Set<string>>();

/**
 * The default policy of `role`, where aws-cdk-lib's own grants land: the narrowest construct an
 * acknowledgement of those grants can be made on.
 */
export function defaultPolicyOf(role: iam.IRole): IConstruct {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) {
    throw new Error(`${role.node.path} has no default policy yet: acknowledge its grants after making them`);
  }
  return policy;
}

/**
 * Acknowledges the AwsSolutions-IAM5 finding on each resource (a `*` in a policy statement's
 * resource) for the policies under `scope`.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  acknowledgeFindings(scope, () => resources.map((resource) => `Resource::${flattenReference(Stack.of(scope).resolve(resource))}`),
    reason, new Set<string>());
}

/** A resolved CloudFormation value as one string, references as `<LogicalId>` and `<LogicalId.Attribute>`. */
export function flattenReference(value: unknown): string {
  if (value === undefined) {
    return '';
  }
  if (typeof value === 'string') {
    return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  const record = value as Record<string, unknown>;
  if (record['Fn::Join']) {
    const [delimiter, items] = record['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (record['Fn::Sub']) {
    return flattenReference(record['Fn::Sub']);
  }
  if (record['Fn::GetAtt']) {
    const [resource, attribute] = record['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (record['Fn::ImportValue']) {
    return flattenReference(record['Fn::ImportValue']);
  }
  if (record.Ref) {
    return `<${flattenReference(record.Ref)}>`;
  }
  return JSON.stringify(value);
}
