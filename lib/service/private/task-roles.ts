/**
 * The task roles of a BlueGreenService when they need physical names, and ECS Exec, whose
 * permissions take no resource and go in the task role's acknowledged wildcard policy.
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { addAcknowledgedStatement } from '../../private/acknowledgements';
import type { RuntimeInput } from './runtime-options';

/** The named task and execution roles to give the task definition; none when no name is asked for. */
export function namedTaskRoles(scope: Construct, runtime: RuntimeInput): { taskRole?: iam.IRole; executionRole?: iam.IRole } {
  const role = (id: string, roleName: string) => new iam.Role(scope, id, { roleName, assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  return {
    ...(runtime.taskRoleName ? { taskRole: role('TaskRole', runtime.taskRoleName) } : {}),
    ...(runtime.executionRoleName ? { executionRole: role('ExecutionRole', runtime.executionRoleName) } : {}),
  };
}

/** The channels ECS Exec opens from the task to Systems Manager. */
const EXEC_ACTIONS = ['ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'];

/**
 * Turns ECS Exec on. Not through the service's `enableExecuteCommand`, which puts the `ssmmessages`
 * statement on `*` in the task role's default policy, beside the user's statements.
 */
export function enableExecuteCommand(service: ecs.FargateService, taskDefinition: ecs.TaskDefinition): void {
  (service.node.defaultChild as ecs.CfnService).enableExecuteCommand = true;
  addAcknowledgedStatement(taskDefinition.taskRole, new iam.PolicyStatement({ actions: EXEC_ACTIONS, resources: ['*'] }),
    'ssmmessages: the channels ECS Exec opens from the task take no resource; only with enableExecuteCommand.');
}
