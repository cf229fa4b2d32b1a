import {
  CodeDeployClient,
  ECSTarget,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { awsCall } from '../shared/aws-call';
import type { HookContext } from '../shared/hook';

/**
 * The ECS target of a CodeDeploy deployment: its task sets (labelled Blue and Green) and its
 * lifecycle events. An ECS deployment has exactly one target, `<cluster>:<service>`.
 */
export async function ecsDeploymentTarget(
  codedeploy: CodeDeployClient,
  context: HookContext<unknown>,
  deploymentId: string,
): Promise<ECSTarget> {
  const listed = await awsCall(context, 'codedeploy:ListDeploymentTargets', (abortSignal) =>
    codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }), { abortSignal }));
  const targetId = listed.targetIds?.[0];
  if (!targetId) {
    throw new Error(`deployment ${deploymentId} has no targets`);
  }
  const target = await awsCall(context, 'codedeploy:GetDeploymentTarget', (abortSignal) =>
    codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId }), { abortSignal }));
  const ecsTarget = target.deploymentTarget?.ecsTarget;
  if (!ecsTarget) {
    throw new Error(`deployment ${deploymentId} target ${targetId} is not an ECS target`);
  }
  return ecsTarget;
}
