/**
 * The task definition a deployment installs, and its application container as registered: where
 * ReleasePipeline writes the release version. Read by the smoke test (to expect that version) and
 * by the release notifier (to say which version failed).
 */
import type { ECSTarget } from '@aws-sdk/client-codedeploy';
import type {
  ContainerDefinition,
  KeyValuePair,
  Secret,
  DescribeServiceRevisionsCommand as DescribeServiceRevisionsCommandType,
  DescribeTaskDefinitionCommand as DescribeTaskDefinitionCommandType,
  DescribeTaskSetsCommand as DescribeTaskSetsCommandType,
  ECSClient as ECSClientType,
} from '@aws-sdk/client-ecs';
import { answerOf, objectList, optionalObject } from './answer';
import { AwsCallScope, awsCall } from './aws-call';
import { clientConfig, lazy } from './clients';
import { ecsDeploymentTarget } from './deployment-target';

interface EcsApi {
  readonly client: ECSClientType;
  readonly DescribeTaskSetsCommand: typeof DescribeTaskSetsCommandType;
  readonly DescribeServiceRevisionsCommand: typeof DescribeServiceRevisionsCommandType;
  readonly DescribeTaskDefinitionCommand: typeof DescribeTaskDefinitionCommandType;
}

/** Loaded on first use: only the handlers that read a deployed task definition need it. */
const loadEcsApi = lazy((): Promise<EcsApi> => import('@aws-sdk/client-ecs').then((module) => ({
  client: new module.ECSClient(clientConfig()),
  DescribeTaskSetsCommand: module.DescribeTaskSetsCommand,
  DescribeServiceRevisionsCommand: module.DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand: module.DescribeTaskDefinitionCommand,
})));

/** The ECS service a deployment changes. */
export interface DeployedService {
  /** The cluster's name or ARN. */
  readonly cluster: string;
  /** The service's name or ARN. */
  readonly service: string;
}

/** A container as the deployed task definition defines it. */
export interface DeployedContainer {
  readonly taskDefinitionArn: string;
  /** `family:revision`, for messages. */
  readonly taskDefinition: string;
  readonly name: string;
  readonly environment: ReadonlyMap<string, string>;
  readonly secrets: ReadonlySet<string>;
  readonly hasEnvironmentFiles: boolean;
}

/**
 * The task definition of a CodeDeploy deployment's green task set. Pass the deployment's ECS
 * target when it is already known, to save two calls.
 *
 * Needs `codedeploy:ListDeploymentTargets`/`GetDeploymentTarget` (unless `target` is given) and
 * `ecs:DescribeTaskSets`.
 */
export async function greenTaskDefinitionArn(
  scope: AwsCallScope,
  deploymentId: string,
  service: DeployedService,
  target?: ECSTarget,
): Promise<string> {
  const api = await loadEcsApi();
  const ecsTarget = target ?? await ecsDeploymentTarget(scope, deploymentId);
  const green = objectList<NonNullable<ECSTarget['taskSetsInfo']>[number]>('codedeploy:GetDeploymentTarget', ecsTarget, 'taskSetsInfo',
    { where: 'the ECS target' }).find((set) => set.taskSetLabel === 'Green');
  if (!green?.identifer) {
    throw new Error(`deployment ${deploymentId} has no green task set yet`);
  }
  const taskSet = green.identifer;
  const call = 'ecs:DescribeTaskSets';
  const described = answerOf(call, await awsCall(scope, call, (abortSignal) =>
    api.client.send(new api.DescribeTaskSetsCommand({ cluster: service.cluster, service: service.service, taskSets: [taskSet] }), { abortSignal }),
  { baseDelayMs: 100 }));
  const arn = stringField(objectList<{ taskDefinition?: unknown }>(call, described, 'taskSets')[0], 'taskDefinition');
  if (!arn) {
    const failures = objectList<{ arn?: string; reason?: string }>(call, described, 'failures');
    const why = failures.map((f) => `${f.arn}: ${f.reason}`).join('; ');
    throw new Error(`green task set ${taskSet} of ${service.service} not found${why ? ` (${why})` : ''}`);
  }
  return arn;
}

/** The task definition of an Amazon ECS service revision. Needs `ecs:DescribeServiceRevisions`. */
export async function serviceRevisionTaskDefinitionArn(scope: AwsCallScope, revisionArn: string): Promise<string> {
  const api = await loadEcsApi();
  const call = 'ecs:DescribeServiceRevisions';
  const described = answerOf(call, await awsCall(scope, call, (abortSignal) =>
    api.client.send(new api.DescribeServiceRevisionsCommand({ serviceRevisionArns: [revisionArn] }), { abortSignal }), { baseDelayMs: 100 }));
  const arn = stringField(objectList<{ taskDefinition?: unknown }>(call, described, 'serviceRevisions')[0], 'taskDefinition');
  if (!arn) {
    throw new Error(`service revision ${revisionArn} has no task definition`);
  }
  return arn;
}

/**
 * A container of a task definition, as registered. Throws when the task definition has no
 * container of that name. Needs `ecs:DescribeTaskDefinition`.
 */
export async function describeDeployedContainer(scope: AwsCallScope, taskDefinitionArn: string, containerName: string): Promise<DeployedContainer> {
  const api = await loadEcsApi();
  const call = 'ecs:DescribeTaskDefinition';
  const described = answerOf(call, await awsCall(scope, call, (abortSignal) =>
    api.client.send(new api.DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }), { abortSignal }), { baseDelayMs: 100 }));
  const taskDefinition = optionalObject<NonNullable<typeof described.taskDefinition>>(call, described, 'taskDefinition');
  const label = taskDefinitionLabel(taskDefinitionArn, taskDefinition?.family, taskDefinition?.revision);
  const containers = objectList<ContainerDefinition>(call, taskDefinition, 'containerDefinitions', { where: `task definition ${label}` });
  const container = containers.find((c) => c.name === containerName);
  if (!container) {
    throw new Error(`task definition ${label} has no container '${containerName}' (containers: ${containers.map((c) => c.name).join(', ') || 'none'})`);
  }
  const where = { where: `container ${containerName} of task definition ${label}` };
  const environment = objectList<KeyValuePair>(call, container, 'environment', where);
  const secrets = objectList<Secret>(call, container, 'secrets', where);
  return {
    taskDefinitionArn: taskDefinition?.taskDefinitionArn ?? taskDefinitionArn,
    taskDefinition: label,
    name: containerName,
    environment: new Map(environment.flatMap((pair) => (pair.name === undefined ? [] : [[pair.name, pair.value ?? '']]))),
    secrets: new Set(secrets.map((secret) => secret.name ?? '')),
    hasEnvironmentFiles: objectList(call, container, 'environmentFiles', where).length > 0,
  };
}

/** A string field of an answer's item, or undefined when it is missing or not a string. */
function stringField(item: { readonly [field: string]: unknown } | undefined, field: string): string | undefined {
  const value = item?.[field];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `family:revision` of a task definition, from its description or else its ARN. */
export function taskDefinitionLabel(arn: string, family?: string, revision?: number): string {
  return family && revision !== undefined ? `${family}:${revision}` : arn.split('/').pop() ?? arn;
}
