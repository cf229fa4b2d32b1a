/**
 * What the notifier finds out about an Amazon ECS service deployment: ECS's record of it (status,
 * reason, lifecycle stage, alarms, rollback), the version it installs and, for a rollback, the
 * version it returned to. Each lookup that fails is recorded as the reason it is unknown, never
 * thrown: a message that says less is better than no message.
 */
import type { ServiceDeployment, ServiceDeploymentBrief } from '@aws-sdk/client-ecs';
import type { NotifiedEcsService } from '../../contract/release-notifier';
import { answerOf, objectList } from '../shared/answer';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { describeDeployedContainer, serviceRevisionTaskDefinitionArn, taskDefinitionLabel } from '../shared/deployed-task-definition';
import { describeError, errorText } from '../shared/logger';
import type { DeployedVersion } from './lookup';

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));

/** One page of ListServiceDeployments: the deployment an event concerns is among the newest. */
const LISTED_DEPLOYMENTS = 20;
/** Deployments created this long after the event cannot be the one it concerns. */
const EVENT_CLOCK_SLACK_MS = 60_000;

/** The statuses of a service deployment that rolled back, or is rolling back. */
export const ROLLBACK_STATUSES: readonly string[] = ['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'];

/** The service and the deployment an event names. */
export interface EcsDeploymentReference {
  readonly serviceArn: string;
  /** `ecs-svc/…`, or a service deployment ARN. */
  readonly deploymentId?: string;
  /** The service deployment's ARN, when the event carries it. */
  readonly serviceDeploymentArn?: string;
  /** When the event happened. */
  readonly time?: Date;
}

export interface EcsDeploymentFacts {
  readonly deployment?: ServiceDeployment;
  /** Why `deployment` is missing. */
  readonly deploymentError?: string;
  /** How the deployment was told from the service's others, when the event did not name it. */
  readonly foundBy?: string;
  /** The release the deployment installs (its target service revision). */
  readonly version: DeployedVersion;
  /** The release a rollback returned production to; set for a rollback only. */
  readonly rolledBackTo?: DeployedVersion;
}

/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>`, taken apart. */
export interface ServiceArnParts {
  readonly region: string;
  readonly cluster?: string;
  readonly service: string;
}

export function parseServiceArn(arn: string): ServiceArnParts | undefined {
  const match = /^arn:[^:]+:ecs:([^:]+):[^:]*:service\/(?:([^/]+)\/)?([^/]+)$/.exec(arn);
  return match ? { region: match[1], cluster: match[2], service: match[3] } : undefined;
}

/**
 * Reads everything the message tells. Needs `ecs:DescribeServiceDeployments` (and, when the
 * event names the deployment by its `ecs-svc/…` id only, `ecs:ListServiceDeployments` on the
 * service), `ecs:DescribeServiceRevisions` and `ecs:DescribeTaskDefinition`.
 */
export async function lookUpEcsDeployment(
  scope: AwsCallScope,
  reference: EcsDeploymentReference,
  service: NotifiedEcsService,
  releaseVersionVariable: string,
): Promise<EcsDeploymentFacts> {
  let found: { deployment: ServiceDeployment; foundBy?: string };
  try {
    found = await findServiceDeployment(scope, reference);
  } catch (error) {
    const reason = errorText(error);
    scope.logger.warn('could not read the service deployment', { error: describeError(error) });
    return { deploymentError: reason, version: unknownVersion(scope, `the service deployment could not be read: ${reason}`) };
  }
  const { deployment } = found;
  const target = deployment.targetServiceRevision?.arn;
  const rollback = ROLLBACK_STATUSES.includes(deployment.status ?? '') || deployment.rollback?.serviceRevisionArn !== undefined;
  // ECS names the revision a rollback deploys; failing that, production ran the source revision before.
  const previous = deployment.rollback?.serviceRevisionArn ?? deployment.sourceServiceRevisions?.[0]?.arn;
  const [version, rolledBackTo] = await Promise.all([
    target
      ? revisionVersion(scope, target, service.containerName, releaseVersionVariable)
      : Promise.resolve(unknownVersion(scope, 'the service deployment names no target service revision')),
    rollback
      ? previous
        ? revisionVersion(scope, previous, service.containerName, releaseVersionVariable)
        : Promise.resolve(unknownVersion(scope, 'the service deployment names no revision it rolled back to'))
      : Promise.resolve(undefined),
  ]);
  return { deployment, ...(found.foundBy ? { foundBy: found.foundBy } : {}), version, ...(rolledBackTo ? { rolledBackTo } : {}) };
}

/**
 * The service deployment the event concerns: by its ARN when the event carries one, else among
 * the service's newest deployments, the one whose target revision has the event's deployment
 * number, or else the newest created before the event.
 */
async function findServiceDeployment(
  scope: AwsCallScope,
  reference: EcsDeploymentReference,
): Promise<{ deployment: ServiceDeployment; foundBy?: string }> {
  const named = [reference.serviceDeploymentArn, reference.deploymentId].find((id) => id !== undefined && id.includes(':service-deployment/'));
  if (named) {
    return { deployment: await describeServiceDeployment(scope, named) };
  }
  const listed = await listServiceDeployments(scope, reference);
  const number = /^ecs-svc\/(\d+)$/.exec(reference.deploymentId ?? '')?.[1];
  const byRevision = number ? listed.find((brief) => brief.targetServiceRevisionArn?.endsWith(`/${number}`)) : undefined;
  const chosen = byRevision ?? listed[0];
  if (!chosen?.serviceDeploymentArn) {
    throw new Error(`ecs:ListServiceDeployments lists no deployment of ${reference.serviceArn} created before the event`);
  }
  const foundBy = byRevision
    ? `its target service revision ${number}`
    : `the newest deployment of the service created before the event (the event names ${reference.deploymentId ?? 'no deployment'})`;
  scope.logger.info('service deployment found', { serviceDeployment: chosen.serviceDeploymentArn, foundBy, listed: listed.length });
  return { deployment: await describeServiceDeployment(scope, chosen.serviceDeploymentArn), foundBy };
}

/** The service's newest deployments created before the event, newest first. */
async function listServiceDeployments(scope: AwsCallScope, reference: EcsDeploymentReference): Promise<ServiceDeploymentBrief[]> {
  const { client, sdk } = await ecsApi();
  const call = 'ecs:ListServiceDeployments';
  const cluster = parseServiceArn(reference.serviceArn)?.cluster;
  const before = reference.time ? new Date(reference.time.getTime() + EVENT_CLOCK_SLACK_MS) : undefined;
  const answer = answerOf(call, await awsCall(scope, call, (abortSignal) => client.send(new sdk.ListServiceDeploymentsCommand({
    service: reference.serviceArn,
    ...(cluster ? { cluster } : {}),
    ...(before ? { createdAt: { before } } : {}),
    maxResults: LISTED_DEPLOYMENTS,
  }), { abortSignal }), { baseDelayMs: 100 }));
  // Sorted here: the API documents no order.
  return [...objectList<ServiceDeploymentBrief>(call, answer, 'serviceDeployments')]
    .sort((a, b) => time(b.createdAt ?? b.startedAt) - time(a.createdAt ?? a.startedAt));
}

async function describeServiceDeployment(scope: AwsCallScope, arn: string): Promise<ServiceDeployment> {
  const { client, sdk } = await ecsApi();
  const call = 'ecs:DescribeServiceDeployments';
  const answer = answerOf(call, await awsCall(scope, call, (abortSignal) =>
    client.send(new sdk.DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }), { abortSignal }), { baseDelayMs: 100 }));
  const deployment = objectList<ServiceDeployment>(call, answer, 'serviceDeployments')[0];
  if (!deployment) {
    const failures = objectList<{ arn?: string; reason?: string; detail?: string }>(call, answer, 'failures');
    const why = failures.map((f) => [f.reason, f.detail].filter(Boolean).join(': ')).join('; ');
    throw new Error(`${call} found no service deployment ${arn}${why ? ` (${why})` : ''}`);
  }
  return deployment;
}

/**
 * The value of the release version variable in the application container of a service revision's
 * task definition; that task definition's `family:revision` when the variable cannot be read.
 */
async function revisionVersion(
  scope: AwsCallScope,
  revisionArn: string,
  containerName: string | undefined,
  variable: string,
): Promise<DeployedVersion> {
  let arn: string;
  try {
    arn = await serviceRevisionTaskDefinitionArn(scope, revisionArn);
  } catch (error) {
    return unknownVersion(scope, `the task definition of service revision ${revisionArn} could not be read: ${errorText(error)}`);
  }
  if (!containerName) {
    return { known: true, value: taskDefinitionLabel(arn), source: `task definition ${arn}` };
  }
  try {
    const container = await describeDeployedContainer(scope, arn, containerName);
    const value = container.environment.get(variable);
    if (value !== undefined && value.trim() !== '') {
      return { known: true, value, source: `${variable} of task definition ${container.taskDefinition}` };
    }
    scope.logger.warn('no release version in the task definition', { taskDefinition: container.taskDefinition, variable });
    return { known: true, value: container.taskDefinition, source: `task definition ${container.taskDefinitionArn}, which has no ${variable}` };
  } catch (error) {
    scope.logger.warn('could not read the release version', { taskDefinition: arn, variable, error: describeError(error) });
    return { known: true, value: taskDefinitionLabel(arn), source: `task definition ${arn} (${variable} unknown: ${errorText(error)})` };
  }
}

function unknownVersion(scope: AwsCallScope, reason: string): DeployedVersion {
  scope.logger.warn('version unknown', { reason });
  return { known: false, reason };
}

function time(date: Date | undefined): number {
  return date instanceof Date ? date.getTime() : 0;
}
