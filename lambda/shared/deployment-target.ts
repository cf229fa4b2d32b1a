/**
 * What a CodeDeploy deployment is doing to its ECS service, read from CodeDeploy itself: the
 * deployment's own record needs no load balancer or ECS permission and cannot be confused by
 * a concurrent change of the service.
 */
import type { ECSTarget } from '@aws-sdk/client-codedeploy';
import { AwsCallScope, awsCall } from './aws-call';
import { answerOf, objectList, optionalObject, stringList } from './answer';
import { codeDeployApi } from './status-report';

/**
 * The ECS target of a CodeDeploy deployment: its task sets (labelled Blue and Green, each with
 * its target group) and its lifecycle events. An ECS deployment has exactly one target,
 * `<cluster>:<service>`.
 *
 * Needs `codedeploy:ListDeploymentTargets` and `codedeploy:GetDeploymentTarget`.
 */
export async function ecsDeploymentTarget(scope: AwsCallScope, deploymentId: string): Promise<ECSTarget> {
  const { client, sdk } = await codeDeployApi();
  const listed = await awsCall(scope, 'codedeploy:ListDeploymentTargets', (abortSignal) =>
    client.send(new sdk.ListDeploymentTargetsCommand({ deploymentId }), { abortSignal }));
  const targetId = stringList('codedeploy:ListDeploymentTargets', answerOf('codedeploy:ListDeploymentTargets', listed), 'targetIds')[0];
  if (!targetId) {
    throw new Error(`deployment ${deploymentId} has no targets`);
  }
  const call = 'codedeploy:GetDeploymentTarget';
  const target = await awsCall(scope, call, (abortSignal) =>
    client.send(new sdk.GetDeploymentTargetCommand({ deploymentId, targetId }), { abortSignal }));
  const deploymentTarget = optionalObject<NonNullable<typeof target.deploymentTarget>>(call, answerOf(call, target), 'deploymentTarget');
  const ecsTarget = optionalObject<ECSTarget>(call, deploymentTarget, 'ecsTarget');
  if (!ecsTarget) {
    throw new Error(`deployment ${deploymentId} target ${targetId} is not an ECS target`);
  }
  // Every reader walks these two lists; checked once here, so none of them meets a non-list.
  objectList(call, ecsTarget, 'taskSetsInfo', { where: 'the ECS target' });
  objectList(call, ecsTarget, 'lifecycleEvents', { where: 'the ECS target' });
  return ecsTarget;
}
