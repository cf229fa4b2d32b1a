/**
 * The Amazon ECS service deployment a lifecycle hook is called for (the event's `resourceArn`),
 * as `ecs:DescribeServiceDeployments` tells it: whether it is rolling back, and which service
 * revisions it replaces and installs.
 */
import type {
  DescribeServiceDeploymentsCommand as DescribeServiceDeploymentsCommandType,
  ECSClient as ECSClientType,
  ServiceDeployment,
  ServiceDeploymentStatus,
} from '@aws-sdk/client-ecs';
import { UnexpectedAnswerError, answerOf, objectList, optionalObject } from './answer';
import { AwsCallScope, awsCall } from './aws-call';
import { clientConfig, lazy } from './clients';
import type { HookContext } from './hook';

interface EcsDeploymentApi {
  readonly client: ECSClientType;
  readonly DescribeServiceDeploymentsCommand: typeof DescribeServiceDeploymentsCommandType;
}

/** Loaded on first use: a CodeDeploy hook, or an ECS hook at a stage that does not ask, never loads it. */
const loadEcsDeploymentApi = lazy((): Promise<EcsDeploymentApi> => import('@aws-sdk/client-ecs').then((module) => ({
  client: new module.ECSClient(clientConfig()),
  DescribeServiceDeploymentsCommand: module.DescribeServiceDeploymentsCommand,
})));

/**
 * The statuses of a deployment that rolls back, or has rolled back: ECS then shifts traffic back
 * to the source revision, running the traffic-shift stages' hooks again.
 */
const ROLLBACK_STATUSES: ReadonlySet<ServiceDeploymentStatus> = new Set<ServiceDeploymentStatus>([
  'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED',
]);

/** What does not change once the deployment has started. */
export interface EcsDeploymentFacts {
  readonly serviceDeploymentArn: string;
  readonly serviceArn?: string;
  readonly clusterArn?: string;
  /**
   * The service revisions the deployment replaces. Empty for the service's very first
   * deployment, which has nothing to replace: no blue to compare with or roll back to.
   */
  readonly sourceServiceRevisionArns: readonly string[];
  /** True when {@link sourceServiceRevisionArns} is empty. */
  readonly firstDeployment: boolean;
  /** The service revision the deployment installs (green). */
  readonly targetServiceRevisionArn?: string;
  /** When the deployment started; absent while it is pending. */
  readonly startedAt?: Date;
  /** How ECS moves the traffic: `BLUE_GREEN`, `CANARY`, `LINEAR` or `ROLLING`. */
  readonly strategy?: string;
  /** A `CANARY` deployment's first step and how long it lasts before the rest of the traffic moves. */
  readonly canary?: { readonly percent?: number; readonly bakeTimeInMinutes?: number };
  /** A `LINEAR` deployment's steps and how long each lasts before the next. */
  readonly linear?: { readonly stepPercent?: number; readonly stepBakeTimeInMinutes?: number };
}

/** The deployment as it is now: its facts, and what changes while it runs. */
export interface EcsDeploymentState extends EcsDeploymentFacts {
  /** One of the SDK's `ServiceDeploymentStatus` values, e.g. `IN_PROGRESS`, `ROLLBACK_IN_PROGRESS`. */
  readonly status?: string;
  readonly statusReason?: string;
  /** The deployment's current lifecycle stage, e.g. `PRODUCTION_TRAFFIC_SHIFT`. */
  readonly lifecycleStage?: string;
  /** A rollback was requested, is under way or is over: the status says so, or ECS reports a rollback. */
  readonly rollingBack: boolean;
  /** Why it rolls back, as ECS says (`the circuit breaker initiated the rollback`). */
  readonly rollbackReason?: string;
}

/**
 * The facts of started deployments, per deployment ARN, for the life of the execution
 * environment: an IN_PROGRESS re-invocation, or a second hook of the same deployment, reads them
 * without a call. Only facts are kept; the status is read again each time it is asked for.
 */
const factsByArn = new Map<string, EcsDeploymentFacts>();

/** Keeps memory bounded in an environment that serves many deployments over its life. */
const MAX_CACHED_DEPLOYMENTS = 100;

/**
 * The service deployment as it is now; every call asks ECS. Needs `ecs:DescribeServiceDeployments`
 * on `arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/*`.
 */
export async function describeEcsDeployment(scope: AwsCallScope, serviceDeploymentArn: string): Promise<EcsDeploymentState> {
  const api = await loadEcsDeploymentApi();
  const call = 'ecs:DescribeServiceDeployments';
  const described = answerOf(call, await awsCall(scope, call, (abortSignal) => api.client.send(
    new api.DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn] }), { abortSignal }),
  { baseDelayMs: 100, logFields: { serviceDeploymentArn } }));
  const deployments = objectList<ServiceDeployment>(call, described, 'serviceDeployments');
  // One ARN was asked for: a single answer is that deployment, whatever ARN form it is given in.
  const deployment = deployments.find((candidate) => candidate.serviceDeploymentArn === serviceDeploymentArn) ?? deployments[0];
  if (!deployment) {
    const failures = objectList<{ arn?: string; reason?: string; detail?: string }>(call, described, 'failures');
    const why = failures.map((f) => [f.reason, f.detail].filter(Boolean).join(': ')).filter(Boolean).join('; ');
    throw new Error(`${call}: service deployment ${serviceDeploymentArn} not found${why ? ` (${why})` : ''}`);
  }
  const state = stateOf(call, serviceDeploymentArn, deployment);
  remember(state);
  return state;
}

/**
 * The deployment's facts, asked of ECS only the first time per started deployment in this
 * execution environment. Needs what {@link describeEcsDeployment} needs.
 */
export async function ecsDeploymentFacts(scope: AwsCallScope, serviceDeploymentArn: string): Promise<EcsDeploymentFacts> {
  const known = factsByArn.get(serviceDeploymentArn);
  if (known) {
    return known;
  }
  const state = await describeEcsDeployment(scope, serviceDeploymentArn);
  return factsByArn.get(serviceDeploymentArn) ?? state;
}

/**
 * The facts of the service deployment an Amazon ECS hook runs for, such as whether it is the
 * service's first deployment:
 *
 * ```ts
 * if ((await ecsDeploymentOf(context)).firstDeployment) { ... }
 * ```
 *
 * Throws when the hook does not run under Amazon ECS or its event names no deployment.
 */
export async function ecsDeploymentOf(context: Pick<HookContext, 'execution' | 'signal' | 'deadline' | 'logger'>): Promise<EcsDeploymentFacts> {
  const execution = context.execution;
  if (execution.engine !== 'ecs') {
    throw new Error('the hook runs under CodeDeploy, which has no Amazon ECS service deployment to read');
  }
  if (!execution.resourceArn) {
    throw new Error('the Amazon ECS hook event has no resourceArn, the service deployment to read');
  }
  return ecsDeploymentFacts(context, execution.resourceArn);
}

/** Forgets the cached facts; for tests that replay a deployment with other answers. */
export function forgetEcsDeployments(): void {
  factsByArn.clear();
}

function stateOf(call: string, serviceDeploymentArn: string, deployment: ServiceDeployment): EcsDeploymentState {
  const sources = objectList<{ arn?: unknown }>(call, deployment, 'sourceServiceRevisions', { where: 'the service deployment' });
  const target = optionalObject<{ arn?: unknown }>(call, deployment, 'targetServiceRevision');
  const sourceServiceRevisionArns = sources.map((source) => source.arn).filter((arn): arn is string => typeof arn === 'string' && arn.length > 0);
  const facts: EcsDeploymentFacts = {
    serviceDeploymentArn,
    ...optionalField('serviceArn', optionalString(call, deployment, 'serviceArn')),
    ...optionalField('clusterArn', optionalString(call, deployment, 'clusterArn')),
    sourceServiceRevisionArns,
    firstDeployment: sourceServiceRevisionArns.length === 0,
    ...optionalField('targetServiceRevisionArn', typeof target?.arn === 'string' && target.arn ? target.arn : undefined),
    ...optionalField('startedAt', optionalDate(call, deployment, 'startedAt')),
    ...trafficStepsOf(call, deployment),
  };
  const rollback = optionalObject<{ reason?: unknown }>(call, deployment, 'rollback');
  const status = optionalString(call, deployment, 'status');
  return {
    ...facts,
    ...optionalField('status', status),
    ...optionalField('statusReason', optionalString(call, deployment, 'statusReason')),
    ...optionalField('lifecycleStage', optionalString(call, deployment, 'lifecycleStage')),
    rollingBack: rollback !== undefined || (status !== undefined && ROLLBACK_STATUSES.has(status as ServiceDeploymentStatus)),
    ...optionalField('rollbackReason', typeof rollback?.reason === 'string' && rollback.reason ? rollback.reason : undefined),
  };
}

/** A pending deployment's revisions may still be settled by ECS; a started one's are fixed. */
function remember(state: EcsDeploymentState): void {
  if (state.startedAt === undefined || factsByArn.has(state.serviceDeploymentArn)) {
    return;
  }
  const oldest = factsByArn.keys().next();
  if (factsByArn.size >= MAX_CACHED_DEPLOYMENTS && !oldest.done) {
    factsByArn.delete(oldest.value);
  }
  factsByArn.set(state.serviceDeploymentArn, {
    serviceDeploymentArn: state.serviceDeploymentArn,
    ...optionalField('serviceArn', state.serviceArn),
    ...optionalField('clusterArn', state.clusterArn),
    sourceServiceRevisionArns: state.sourceServiceRevisionArns,
    firstDeployment: state.firstDeployment,
    ...optionalField('targetServiceRevisionArn', state.targetServiceRevisionArn),
    startedAt: state.startedAt,
    ...optionalField('strategy', state.strategy),
    ...optionalField('canary', state.canary),
    ...optionalField('linear', state.linear),
  });
}

/** The strategy and traffic steps of the deployment's configuration, fields left out when ECS does. */
function trafficStepsOf(call: string, deployment: ServiceDeployment): Pick<EcsDeploymentFacts, 'strategy' | 'canary' | 'linear'> {
  const configuration = optionalObject<Record<string, unknown>>(call, deployment, 'deploymentConfiguration');
  if (!configuration) {
    return {};
  }
  const canary = optionalObject<Record<string, unknown>>(call, configuration, 'canaryConfiguration');
  const linear = optionalObject<Record<string, unknown>>(call, configuration, 'linearConfiguration');
  return {
    ...optionalField('strategy', optionalString(call, configuration, 'strategy')),
    ...(canary ? {
      canary: {
        ...optionalField('percent', optionalNumber(call, canary, 'canaryPercent')),
        ...optionalField('bakeTimeInMinutes', optionalNumber(call, canary, 'canaryBakeTimeInMinutes')),
      },
    } : {}),
    ...(linear ? {
      linear: {
        ...optionalField('stepPercent', optionalNumber(call, linear, 'stepPercent')),
        ...optionalField('stepBakeTimeInMinutes', optionalNumber(call, linear, 'stepBakeTimeInMinutes')),
      },
    } : {}),
  };
}

function optionalNumber(call: string, holder: object, field: string): number | undefined {
  const value = (holder as Record<string, unknown>)[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UnexpectedAnswerError(`${call} answered a ${field} that is not a non-negative number`);
  }
  return value;
}

function optionalString(call: string, holder: object, field: string): string | undefined {
  const value = (holder as Record<string, unknown>)[field];
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new UnexpectedAnswerError(`${call} answered a ${field} that is not a string`);
  }
  return value;
}

function optionalDate(call: string, holder: object, field: string): Date | undefined {
  const value = (holder as Record<string, unknown>)[field];
  if (value === undefined || value === null) {
    return undefined;
  }
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!date || !Number.isFinite(date.getTime())) {
    throw new UnexpectedAnswerError(`${call} answered a ${field} that is not a time`);
  }
  return date;
}

function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
