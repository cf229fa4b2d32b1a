/**
 * What a CodeDeploy deployment is doing to its ECS service, read from CodeDeploy itself: the
 * deployment's own record needs no load balancer or ECS permission and cannot be confused by
 * a concurrent change of the service.
 */
import type { ECSTarget, GetDeploymentCommandOutput } from '@aws-sdk/client-codedeploy';
import { AwsCallScope, awsCall } from './aws-call';
import { answerOf, objectList, optionalObject, stringList } from './answer';
import { errorName, errorText } from './logger';
import { codeDeployApi } from './status-report';

/** The CodeDeploy application and deployment group a deployment belongs to. */
export interface DeploymentGroup {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
}

/** Application and deployment group of each deployment seen: a deployment never changes group. */
const deploymentGroups = new Map<string, DeploymentGroup>();
const MAX_REMEMBERED_DEPLOYMENTS = 100;

/**
 * The application and deployment group of a deployment, read with `codedeploy:GetDeployment` once
 * per deployment for the life of the execution environment. A failed call throws naming the call
 * and what the caller could not find (`purpose`).
 */
export async function deploymentGroupOf(scope: AwsCallScope, deploymentId: string, purpose: string): Promise<DeploymentGroup> {
  const known = deploymentGroups.get(deploymentId);
  if (known) {
    return known;
  }
  const call = 'codedeploy:GetDeployment';
  const { client, sdk } = await codeDeployApi();
  let answer: GetDeploymentCommandOutput;
  try {
    answer = await awsCall(scope, call, (abortSignal) =>
      client.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }));
  } catch (error) {
    throw new Error(`${call} ${deploymentId}: ${errorText(error)} — cannot find ${purpose}`
      + (errorName(error) === 'AccessDeniedException' ? `; the function needs ${call}` : ''));
  }
  const info = optionalObject<{ applicationName?: unknown; deploymentGroupName?: unknown }>(call, answerOf(call, answer), 'deploymentInfo');
  const applicationName = info?.applicationName;
  const deploymentGroupName = info?.deploymentGroupName;
  if (typeof applicationName !== 'string' || !applicationName || typeof deploymentGroupName !== 'string' || !deploymentGroupName) {
    throw new Error(`${call} ${deploymentId}: the deployment names no application and deployment group`);
  }
  const group = { applicationName, deploymentGroupName };
  if (deploymentGroups.size >= MAX_REMEMBERED_DEPLOYMENTS) {
    deploymentGroups.delete(deploymentGroups.keys().next().value as string);
  }
  deploymentGroups.set(deploymentId, group);
  return group;
}

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
