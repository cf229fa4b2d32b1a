/**
 * What the release asks AWS: which task definition the service's primary task set runs (ECS),
 * and the deployment's start, status and stop (CodeDeploy). Every call goes through `awsCall`:
 * bounded retries within the invocation's deadline.
 */
import { createHash } from 'node:crypto';
import { answerOf, objectList, optionalObject, stringList } from '../shared/answer';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { codeDeployApi } from '../shared/codedeploy';
import { errorMessage, errorName } from '../shared/logger';
import type { ReleaseSettings } from './event';

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));

const CALL_RETRY = { baseDelayMs: 200 } as const;

/** Statuses of a deployment that is not over yet. */
export const ACTIVE_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

/** A deployment, as much of it as the release reads. */
export interface DeploymentView {
  readonly deploymentId: string;
  readonly status: string;
  readonly creator?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly rollbackDeploymentId?: string;
  readonly rollbackMessage?: string;
  readonly appSpecSha256?: string;
  readonly appSpecContent?: string;
}

/** `family:revision` of a task definition ARN, so that an ARN and a short name compare equal. */
export function taskDefinitionRevision(taskDefinition: string): string {
  const marker = 'task-definition/';
  const at = taskDefinition.indexOf(marker);
  return at >= 0 ? taskDefinition.slice(at + marker.length) : taskDefinition;
}

/**
 * The task definition of the service's PRIMARY task set: the one serving production traffic.
 * Undefined when the service has no task set yet. Throws when the service cannot be found or
 * is not deployed by CodeDeploy. Needs `ecs:DescribeServices`.
 */
export async function primaryTaskDefinition(scope: AwsCallScope, settings: ReleaseSettings): Promise<string | undefined> {
  const { client, sdk } = await ecsApi();
  const call = 'ecs:DescribeServices';
  const described = answerOf(call, await awsCall(scope, call, (abortSignal) => client.send(new sdk.DescribeServicesCommand({
    cluster: settings.clusterName, services: [settings.serviceName],
  }), { abortSignal }), CALL_RETRY));
  const service = objectList<{ status?: unknown; deploymentController?: { type?: unknown }; taskSets?: unknown }>(
    call, described, 'services')[0];
  if (!service || service.status === 'INACTIVE') {
    const failure = objectList<{ reason?: unknown }>(call, described, 'failures')[0];
    throw new Error(`service ${settings.serviceName} not found in cluster ${settings.clusterName}`
      + `${failure?.reason ? ` (${String(failure.reason)})` : service ? ' (INACTIVE)' : ''}`);
  }
  const controller = optionalObject<{ type?: unknown }>(call, service, 'deploymentController')?.type;
  if (controller !== undefined && controller !== 'CODE_DEPLOY') {
    throw new Error(`service ${settings.serviceName} uses the ${String(controller)} deployment controller; `
      + 'only a service with the CODE_DEPLOY controller is released through CodeDeploy');
  }
  const primary = objectList<{ status?: unknown; taskDefinition?: unknown }>(call, service, 'taskSets', { where: 'the service' })
    .find((set) => set.status === 'PRIMARY');
  return typeof primary?.taskDefinition === 'string' ? primary.taskDefinition : undefined;
}

/** What starting a deployment came to. */
export type StartResult =
  | { readonly started: string }
  /** CodeDeploy refused because the group already runs a deployment; `mentioned` is the one its message names. */
  | { readonly busy: string; readonly mentioned?: string };

/**
 * Starts the deployment of the AppSpec. Needs `codedeploy:CreateDeployment` on the deployment
 * group, `RegisterApplicationRevision` on the application and `GetDeploymentConfig` on the
 * group's deployment configuration.
 */
export async function startDeployment(scope: AwsCallScope, settings: ReleaseSettings, description: string): Promise<StartResult> {
  const { client, sdk } = await codeDeployApi();
  const call = 'codedeploy:CreateDeployment';
  try {
    const created = answerOf(call, await awsCall(scope, call, (abortSignal) => client.send(new sdk.CreateDeploymentCommand({
      applicationName: settings.applicationName,
      deploymentGroupName: settings.deploymentGroupName,
      description,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: settings.appSpecContent } },
    }), { abortSignal }), CALL_RETRY));
    if (typeof created.deploymentId !== 'string' || created.deploymentId === '') {
      throw new Error(`${call} answered without a deploymentId`);
    }
    return { started: created.deploymentId };
  } catch (error) {
    if (errorName(error) !== 'DeploymentLimitExceededException') {
      throw error;
    }
    const message = errorMessage(error);
    return { busy: message, mentioned: /\bd-[A-Z0-9]{6,}\b/.exec(message)?.[0] };
  }
}

/** The deployment group's deployments that are not over. Needs `codedeploy:ListDeployments`. */
export async function activeDeployments(scope: AwsCallScope, settings: ReleaseSettings): Promise<string[]> {
  const { client, sdk } = await codeDeployApi();
  const call = 'codedeploy:ListDeployments';
  const listed = answerOf(call, await awsCall(scope, call, (abortSignal) => client.send(new sdk.ListDeploymentsCommand({
    applicationName: settings.applicationName,
    deploymentGroupName: settings.deploymentGroupName,
    includeOnlyStatuses: [...ACTIVE_STATUSES],
  }), { abortSignal }), CALL_RETRY));
  // A deployment group runs one deployment at a time (a rollback may queue behind it): a few at most.
  return stringList(call, listed, 'deployments').slice(0, 5);
}

/** The deployment's status and what it deploys. Needs `codedeploy:GetDeployment`. */
export async function describeDeployment(scope: AwsCallScope, deploymentId: string): Promise<DeploymentView> {
  const { client, sdk } = await codeDeployApi();
  const call = 'codedeploy:GetDeployment';
  const got = answerOf(call, await awsCall(scope, call, (abortSignal) =>
    client.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }), CALL_RETRY));
  const info = optionalObject<Record<string, unknown>>(call, got, 'deploymentInfo');
  if (!info || typeof info.status !== 'string') {
    throw new Error(`${call} answered without the status of deployment ${deploymentId}`);
  }
  const error = optionalObject<{ code?: unknown; message?: unknown }>(call, info, 'errorInformation');
  const rollback = optionalObject<{ rollbackDeploymentId?: unknown; rollbackMessage?: unknown }>(call, info, 'rollbackInfo');
  const appSpec = optionalObject<{ content?: unknown; sha256?: unknown }>(call,
    optionalObject<Record<string, unknown>>(call, info, 'revision'), 'appSpecContent');
  return {
    deploymentId,
    status: info.status,
    creator: text(info.creator),
    errorCode: text(error?.code),
    errorMessage: text(error?.message),
    rollbackDeploymentId: text(rollback?.rollbackDeploymentId),
    rollbackMessage: text(rollback?.rollbackMessage),
    appSpecSha256: text(appSpec?.sha256),
    appSpecContent: text(appSpec?.content),
  };
}

/**
 * Whether a deployment releases what this request asks for: the same AppSpec (by its hash), or an
 * AppSpec naming the same task definition (a rollback deployment back to it, say).
 */
export function deploysSame(view: DeploymentView, settings: ReleaseSettings): boolean {
  if (view.appSpecSha256 && view.appSpecSha256.toLowerCase() === appSpecSha256(settings.appSpecContent)) {
    return true;
  }
  return view.appSpecContent !== undefined && mentions(view.appSpecContent, settings.taskDefinitionArn);
}

/** Whether `content` names `arn` whole: `…:42` does not name `…:4`, nor `…:420` `…:42`. */
function mentions(content: string, arn: string): boolean {
  for (let at = content.indexOf(arn); at >= 0; at = content.indexOf(arn, at + 1)) {
    if (!/[A-Za-z0-9_-]/.test(content.charAt(at + arn.length))) {
      return true;
    }
  }
  return false;
}

export function appSpecSha256(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

/**
 * Stops the deployment and has CodeDeploy roll the service back to its previous task set. Needs
 * `codedeploy:StopDeployment`. `already-completed` when the deployment had ended meanwhile.
 */
export async function stopWithRollback(scope: AwsCallScope, deploymentId: string): Promise<'stopped' | 'already-completed'> {
  const { client, sdk } = await codeDeployApi();
  const call = 'codedeploy:StopDeployment';
  try {
    await awsCall(scope, call, (abortSignal) => client.send(new sdk.StopDeploymentCommand({
      deploymentId, autoRollbackEnabled: true,
    }), { abortSignal }), CALL_RETRY);
    return 'stopped';
  } catch (error) {
    if (errorName(error) === 'DeploymentAlreadyCompletedException') {
      return 'already-completed';
    }
    throw error;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
