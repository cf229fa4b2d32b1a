import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources, addAcknowledgedStatement } from './acknowledgements';

/** The part of a released service these grants need; `BlueGreenService` and its imports provide it. */
export interface ServiceOnCluster {
  readonly cluster: ecs.ICluster;
  readonly service: ecs.IBaseService;
}

/** The CodeDeploy calls that read a deployment's targets: for ECS, its blue and green task sets. */
export const DEPLOYMENT_TARGET_READ_ACTIONS = ['codedeploy:ListDeploymentTargets', 'codedeploy:GetDeploymentTarget'];

/**
 * Lets `role` read the targets of any deployment. The service authorization reference lists no
 * resource type for ListDeploymentTargets and GetDeploymentTarget, so IAM matches them against `*`
 * only: a statement naming the deployment group would be denied at run time. Both are read-only.
 */
export function grantDeploymentTargetReads(role: iam.IRole): void {
  addAcknowledgedStatement(role, new iam.PolicyStatement({
    actions: DEPLOYMENT_TARGET_READ_ACTIONS,
    resources: ['*'],
  }), 'codedeploy:ListDeploymentTargets and GetDeploymentTarget, read-only, find the green task set of the deployment; '
    + 'they have no resource-level permissions, so AWS accepts them on * only.');
}

/**
 * Lets `role` describe the task sets of `service`, where a deployment's green task set names the
 * task definition it runs. The green task set's id exists only once CodeDeploy creates it, hence the
 * wildcard within the service.
 */
export function grantDescribeServiceTaskSets(role: iam.IRole, service: ServiceOnCluster): void {
  const taskSets = Stack.of(role).formatArn({
    service: 'ecs',
    resource: 'task-set',
    resourceName: `${service.cluster.clusterName}/${service.service.serviceName}/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  addAcknowledgedStatement(role, new iam.PolicyStatement({ actions: ['ecs:DescribeTaskSets'], resources: [taskSets] }),
    'ecs:DescribeTaskSets on the service\'s own task sets: the green task set of a deployment, whose task definition is the one '
    + 'being released, is created by CodeDeploy at deployment time.');
}

/**
 * Lets `role` read the task definition a deployment of `service` installs, as the smoke test and
 * the release notifier do for the release version: the deployment's targets, the service's task sets,
 * and the task definition itself, which ECS authorizes on `*` only.
 */
export function grantReadDeployedTaskDefinition(role: iam.IRole, service: ServiceOnCluster): void {
  grantDeploymentTargetReads(role);
  grantDescribeServiceTaskSets(role, service);
  grantDescribeTaskDefinitions(role);
}

/** Lets `role` describe task definitions, which ECS authorizes on `*` only. */
export function grantDescribeTaskDefinitions(role: iam.IRole): void {
  addAcknowledgedStatement(role, new iam.PolicyStatement({ actions: ['ecs:DescribeTaskDefinition'], resources: ['*'] }),
    'ecs:DescribeTaskDefinition, read-only, reads the release version from the task definition a deployment installs; '
    + 'ECS task definition actions support no resource-level permissions and accept * only.');
}

/**
 * Lets `role` read the stopped tasks of `cluster`, which say why green tasks failed: `ecs:ListTasks`
 * on `*` limited to the cluster by the `ecs:cluster` condition (it authorizes on container instances,
 * which Fargate tasks lack), and `ecs:DescribeTasks` on the cluster's tasks only. A policy of its own
 * under `scope`, so that the acknowledged wildcards cover these two statements and nothing added to
 * the role later.
 */
export function grantReadStoppedTasks(scope: Construct, role: iam.IRole, cluster: ecs.ICluster): iam.Policy {
  const onThisCluster = { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
  const tasks = Stack.of(scope).formatArn({
    service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const policy = new iam.Policy(scope, 'StoppedTaskReads', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: onThisCluster }),
      new iam.PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [tasks], conditions: onThisCluster }),
    ],
  });
  acknowledgeWildcardResources(policy, ['*'],
    'ecs:ListTasks, read-only, finds the stopped tasks of a deployment\'s green task set; it authorizes on container instances, which Fargate '
    + 'tasks lack, so AWS documents * limited to the cluster by the ecs:cluster condition, as here.');
  acknowledgeWildcardResources(policy, [tasks],
    'ecs:DescribeTasks, read-only, on the tasks of the service\'s cluster: the stopped green tasks exist only once a deployment has run them.');
  return policy;
}
