/**
 * A role of a stack that an AWS service assumes for all the stack's services, with the managed
 * policy AWS documents for it: the deployment groups' CodeDeploy role, the Amazon ECS engine's
 * deployment role. Such a policy covers every service alike, so a role per service would be the
 * same role again.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

export interface StackServiceRoleOptions {
  /** Construct id of the role, under the stack. */
  readonly id: string;
  /** The service principal that assumes it, e.g. `ecs.amazonaws.com`. */
  readonly assumedBy: string;
  /** Name of the AWS managed policy it holds. */
  readonly managedPolicyName: string;
  /** Why that managed policy, for the cdk-nag acknowledgement of its use. */
  readonly managedPolicyReason: string;
  readonly description?: string;
}

/** The stack's role with `options.id`, created by the first service that asks for it. */
export function stackServiceRoleOf(stack: Stack, options: StackServiceRoleOptions): iam.Role {
  const existing = stack.node.tryFindChild(options.id);
  if (existing instanceof iam.Role) {
    return existing;
  }
  const role = new iam.Role(stack, options.id, {
    assumedBy: new iam.ServicePrincipal(options.assumedBy),
    description: options.description,
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(options.managedPolicyName)],
  });
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${options.managedPolicyName}]`,
    reason: options.managedPolicyReason,
  });
  return role;
}
