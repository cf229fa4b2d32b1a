/**
 * Acknowledgements, for policy-validation plugins such as cdk-nag, of the few wildcards a hook
 * needs. Each names the exact finding, so any other wildcard is still reported.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges the AwsSolutions-IAM5 finding on each resource (a `*` in a policy statement's
 * resource) for the policies under `scope`.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  for (const resource of resources) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(resource))}]`, reason });
  }
}

/** Acknowledges the AwsSolutions-IAM4 finding on an AWS managed policy attached under `scope`. */
export function acknowledgeManagedPolicy(scope: IConstruct, policyName: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`, reason });
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
