/**
 * Which deployment events are a completed rollback, on each engine:
 *
 * - CodeDeploy rolls a failed or stopped deployment back with a deployment of its own (creator
 *   `codeDeployRollback`, `rollbackInfo.rollbackTriggeringDeploymentId` naming the failed one): its
 *   end is the completion. A failed deployment whose `rollbackInfo` names no rollback deployment
 *   but which rolled back (a rollback message, or automatic rollback on) rerouted production to
 *   blue within itself: its FAILURE or STOP is the completion.
 * - Amazon ECS rolls back within the service deployment: `SERVICE_DEPLOYMENT_COMPLETED` or
 *   `_FAILED` of a deployment whose status is `ROLLBACK_SUCCESSFUL` or `ROLLBACK_FAILED`.
 */
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import type { ServiceDeploymentBrief } from '@aws-sdk/client-ecs';
import { answerOf, objectList, optionalObject } from '../shared/answer';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { describeEcsDeployment } from '../shared/ecs-deployment';
import { codeDeployApi } from '../shared/status-report';
import type { RestoredTaskDefinition } from './restored-version';

const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));

/** An EventBridge event as the rule passes it on. */
export interface DeploymentEvent {
  readonly 'id'?: string;
  readonly 'source'?: string;
  readonly 'detail-type'?: string;
  readonly 'time'?: string;
  readonly 'resources'?: readonly string[];
  readonly 'detail'?: Record<string, unknown>;
}

/** What an event means for the verification. */
export type RollbackClassification =
  | { readonly kind: 'ignore'; readonly deploymentId?: string; readonly reason: string }
  | {
    readonly kind: 'verify';
    /** The deployment that rolled back (CodeDeploy id, or the ECS service deployment ARN). */
    readonly deploymentId: string;
    readonly restored: RestoredTaskDefinition;
    /** Set when the rollback itself did not succeed: the outcome is UNVERIFIED whatever the checks say. */
    readonly rollbackFailed?: string;
    readonly serviceArn?: string;
  };

/** Tells whether the event is a completed rollback. Throws when the deployment cannot be read. */
export async function classifyRollbackEvent(scope: AwsCallScope, event: DeploymentEvent): Promise<RollbackClassification> {
  if (event.source === 'aws.codedeploy') {
    return classifyCodeDeploy(scope, event);
  }
  if (event.source === 'aws.ecs') {
    return classifyEcs(scope, event);
  }
  return { kind: 'ignore', reason: `events from ${String(event.source)} are not deployment events` };
}

async function classifyCodeDeploy(scope: AwsCallScope, event: DeploymentEvent): Promise<RollbackClassification> {
  const deploymentId = text(event.detail?.deploymentId);
  const state = text(event.detail?.state) ?? 'UNKNOWN';
  if (!deploymentId) {
    throw new Error('the CodeDeploy event names no deploymentId');
  }
  const { client, sdk } = await codeDeployApi();
  const call = 'codedeploy:GetDeployment';
  const info = optionalObject<DeploymentInfo>(call, answerOf(call, await awsCall(scope, call, (abortSignal) =>
    client.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }))), 'deploymentInfo');
  if (!info) {
    throw new Error(`${call} ${deploymentId} answered without the deployment`);
  }
  const rollback = info.rollbackInfo;
  if (info.creator === 'codeDeployRollback') {
    const rolledBack = rollback?.rollbackTriggeringDeploymentId || deploymentId;
    return {
      kind: 'verify',
      deploymentId: rolledBack,
      restored: { engine: 'CODE_DEPLOY', rolledBackDeploymentId: rolledBack },
      ...(state === 'SUCCESS' ? {} : { rollbackFailed: `rollback deployment ${deploymentId} ended ${state}` }),
    };
  }
  if (state === 'SUCCESS') {
    return { kind: 'ignore', deploymentId, reason: 'a deployment that succeeded did not roll back' };
  }
  if (rollback?.rollbackDeploymentId) {
    return { kind: 'ignore', deploymentId,
      reason: `rolled back by deployment ${rollback.rollbackDeploymentId}, verified when that deployment ends` };
  }
  if (rollback?.rollbackMessage || info.autoRollbackConfiguration?.enabled) {
    return { kind: 'verify', deploymentId, restored: { engine: 'CODE_DEPLOY', rolledBackDeploymentId: deploymentId } };
  }
  return { kind: 'ignore', deploymentId, reason: `the deployment ended ${state} without a rollback (automatic rollback is off)` };
}

async function classifyEcs(scope: AwsCallScope, event: DeploymentEvent): Promise<RollbackClassification> {
  const eventName = text(event.detail?.eventName) ?? 'UNKNOWN';
  const serviceArn = event.resources?.find((resource) => typeof resource === 'string' && resource.includes(':service/'));
  if (!/^SERVICE_DEPLOYMENT_(COMPLETED|FAILED)$/.test(eventName)) {
    return { kind: 'ignore', reason: `${eventName} does not end a deployment` };
  }
  const arn = [text(event.detail?.serviceDeploymentArn), text(event.detail?.deploymentId)].find((id) => id?.includes(':service-deployment/'))
    ?? await newestServiceDeployment(scope, serviceArn, event.time);
  const deployment = await describeEcsDeployment(scope, arn);
  const common = {
    deploymentId: arn,
    restored: { engine: 'ECS' as const, sourceServiceRevisionArn: deployment.sourceServiceRevisionArns[0] },
    serviceArn: deployment.serviceArn ?? serviceArn,
  };
  if (deployment.status === 'ROLLBACK_SUCCESSFUL') {
    return { kind: 'verify', ...common };
  }
  if (deployment.status === 'ROLLBACK_FAILED') {
    return { kind: 'verify', ...common, rollbackFailed: `the rollback of ${arn} failed${deployment.statusReason ? `: ${deployment.statusReason}` : ''}` };
  }
  return { kind: 'ignore', deploymentId: arn, reason: `the deployment is ${deployment.status ?? 'of unknown status'}, not a completed rollback` };
}

/** The service's newest deployment created before the event, when the event does not name it. */
async function newestServiceDeployment(scope: AwsCallScope, serviceArn: string | undefined, time: string | undefined): Promise<string> {
  if (!serviceArn) {
    throw new Error('the Amazon ECS event names neither the service deployment nor the service');
  }
  const cluster = /:service\/([^/]+)\//.exec(serviceArn)?.[1];
  const before = time && !Number.isNaN(Date.parse(time)) ? new Date(Date.parse(time) + 60_000) : undefined;
  const { client, sdk } = await ecsApi();
  const call = 'ecs:ListServiceDeployments';
  const listed = objectList<ServiceDeploymentBrief>(call, answerOf(call, await awsCall(scope, call, (abortSignal) => client.send(
    new sdk.ListServiceDeploymentsCommand({ service: serviceArn, ...(cluster ? { cluster } : {}), ...(before ? { createdAt: { before } } : {}), maxResults: 20 }),
    { abortSignal }), { baseDelayMs: 100 })), 'serviceDeployments');
  const newest = [...listed].sort((a, b) => timeOf(b.createdAt) - timeOf(a.createdAt))[0]?.serviceDeploymentArn;
  if (!newest) {
    throw new Error(`${call} lists no deployment of ${serviceArn}`);
  }
  return newest;
}

function timeOf(value: unknown): number {
  const parsed = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(parsed) ? parsed : 0;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
