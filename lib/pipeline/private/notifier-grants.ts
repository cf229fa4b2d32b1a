import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../../private/acknowledgements';
import type { IBlueGreenService } from '../../service/blue-green-service-base';

/**
 * Lets the release notifier read the stopped tasks of `service`'s cluster, which say why a
 * deployment no hook or alarm explains failed: `ecs:ListTasks` on `*` limited to the cluster by
 * the `ecs:cluster` condition (it authorizes on container instances, which Fargate tasks lack),
 * and `ecs:DescribeTasks` on the cluster's tasks only. A policy of its own, so that the
 * acknowledged wildcards cover these two statements and nothing added to the role later.
 */
export function grantReadStoppedTasks(scope: Construct, role: iam.IRole, service: IBlueGreenService): iam.Policy {
  const onThisCluster = { ArnEquals: { 'ecs:cluster': service.cluster.clusterArn } };
  const tasks = Stack.of(scope).formatArn({
    service: 'ecs', resource: 'task', resourceName: `${service.cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const policy = new iam.Policy(scope, 'StoppedTaskReads', {
    roles: [role],
    statements: [
      new iam.PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: onThisCluster }),
      new iam.PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [tasks], conditions: onThisCluster }),
    ],
  });
  acknowledgeWildcardResources(policy, ['*'],
    'ecs:ListTasks, read-only, finds the stopped green tasks of a failed deployment; it authorizes on container instances, which Fargate tasks lack, '
    + 'so AWS documents * limited to the cluster by the ecs:cluster condition, as here.');
  acknowledgeWildcardResources(policy, [tasks],
    'ecs:DescribeTasks, read-only, on the tasks of the service\'s cluster: the stopped tasks to describe exist only once a deployment has run them.');
  return policy;
}
