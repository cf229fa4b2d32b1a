/**
 * What the notifier finds out about a deployment: CodeDeploy's record of it (status, error,
 * rollback), the lifecycle event that failed, and the version it installs. Each lookup that
 * fails is recorded as the reason it is unknown, never thrown: a message that says less is
 * better than no message.
 */
import type { DeploymentInfo, ECSTarget } from '@aws-sdk/client-codedeploy';
import type { NotifiedDeploymentGroup } from '../../contract/release-notifier';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { codeDeployApi } from '../shared/codedeploy';
import { describeDeployedContainer, greenTaskDefinitionArn, taskDefinitionLabel } from '../shared/deployed-task-definition';
import { ecsDeploymentTarget } from '../shared/deployment-target';
import { describeError, errorMessage } from '../shared/logger';
import { StoppedTask, stoppedTasksOf } from './stopped-tasks';

/** The lifecycle event (hook) that failed, as CodeDeploy recorded it. */
export interface FailedLifecycleEvent {
  readonly name: string;
  readonly errorCode?: string;
  readonly message?: string;
  readonly logTail?: string;
}

/** The release a deployment installs. */
export type DeployedVersion =
  | { readonly known: true; readonly value: string; readonly source: string }
  | { readonly known: false; readonly reason: string };

export interface DeploymentFacts {
  readonly deployment?: DeploymentInfo;
  /** Why `deployment` is missing. */
  readonly deploymentError?: string;
  readonly failedEvent?: FailedLifecycleEvent;
  /** Why the lifecycle events could not be read. */
  readonly targetError?: string;
  readonly version: DeployedVersion;
  /**
   * The green task definition's most recently stopped tasks, read for a failure or stop with
   * no failed hook and no alarm to explain it.
   */
  readonly stoppedTasks?: StoppedTask[];
  /** `family:revision` of the task definition whose tasks `stoppedTasks` are. */
  readonly stoppedTasksOf?: string;
  /** Why the stopped tasks could not be read. */
  readonly stoppedTasksError?: string;
}

/** The lifecycle events CodeDeploy runs a hook function at, rather than a step of its own. */
const HOOK_EVENTS = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'];

/** A lookup that failed: the AWS operation, and its error. */
interface LookupFailure {
  readonly operation: string;
  readonly error: string;
}

/**
 * Reads everything the message tells. Needs `codedeploy:GetDeployment`,
 * `codedeploy:ListDeploymentTargets`/`GetDeploymentTarget`, for the version
 * `ecs:DescribeTaskSets` and `ecs:DescribeTaskDefinition`, and for an unexplained failure
 * `ecs:ListTasks` and `ecs:DescribeTasks` on the service's cluster.
 */
export async function lookUpDeployment(
  scope: AwsCallScope,
  deploymentId: string,
  group: NotifiedDeploymentGroup | undefined,
  releaseVersionVariable: string,
  state = 'FAILURE',
): Promise<DeploymentFacts> {
  const [deployment, target] = await Promise.all([
    attempt(scope, 'read the deployment', 'codedeploy:GetDeployment', () => codeDeployApi().then(({ client, sdk }) => awsCall(scope, 'codedeploy:GetDeployment', (abortSignal) =>
      client.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }))).then((out) => {
      if (!out.deploymentInfo) {
        throw new Error(`CodeDeploy returned no information on deployment ${deploymentId}`);
      }
      return out.deploymentInfo;
    })),
    attempt(scope, 'read the deployment target', 'codedeploy:ListDeploymentTargets/GetDeploymentTarget', () => ecsDeploymentTarget(scope, deploymentId)),
  ]);
  const failedEvent = target.value ? failedLifecycleEvent(target.value) : undefined;
  const failures = [deployment.failure, target.failure].filter((f): f is LookupFailure => f !== undefined);
  const { version, taskDefinitionArn } = await deployedVersion(scope, deploymentId, group, releaseVersionVariable, target.value, deployment.value, failures);
  // A failed hook says why in its diagnostics and log, an alarm by its name; anything else
  // (a stop, a failed Install) is often green tasks that would not stay up.
  const unexplained = state !== 'SUCCESS' && !(failedEvent && HOOK_EVENTS.includes(failedEvent.name))
    && deployment.value?.errorInformation?.code !== 'ALARM_ACTIVE';
  const stopped = unexplained && group?.cluster && taskDefinitionArn
    ? await attempt(scope, 'read the stopped green tasks', 'ecs:ListTasks/DescribeTasks', () => stoppedTasksOf(scope, group.cluster!, taskDefinitionArn))
    : undefined;
  return {
    deployment: deployment.value,
    deploymentError: deployment.failure?.error,
    failedEvent,
    targetError: target.failure?.error,
    version,
    ...(stopped?.value ? { stoppedTasks: stopped.value, stoppedTasksOf: taskDefinitionLabel(taskDefinitionArn!) } : {}),
    ...(stopped?.failure ? { stoppedTasksError: `${stopped.failure.operation}: ${stopped.failure.error}` } : {}),
  };
}

/**
 * The value of the release version variable in the application container of the task definition
 * the deployment installs; that task definition's ARN when the variable cannot be read.
 */
async function deployedVersion(
  scope: AwsCallScope,
  deploymentId: string,
  group: NotifiedDeploymentGroup | undefined,
  variable: string,
  target: ECSTarget | undefined,
  deployment: DeploymentInfo | undefined,
  lookupFailures: readonly LookupFailure[],
): Promise<{ version: DeployedVersion; taskDefinitionArn?: string }> {
  const problems: string[] = [];
  let arn: string | undefined;
  if (group?.cluster && group.service && target) {
    try {
      arn = await greenTaskDefinitionArn(scope, deploymentId, { cluster: group.cluster, service: group.service }, target);
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }
  // A rollback deletes the green task set; the AppSpec of the deployment still names its task definition.
  arn ??= appSpecTaskDefinition(deployment);
  if (!arn) {
    if (problems.length === 0 && lookupFailures.length > 0) {
      // Nothing was read that could name the task definition: say which lookups failed, not what they would have found.
      problems.push(`the lookups failed: ${lookupFailures.map((f) => `${f.operation}: ${f.error}`).join('; ')}`);
    }
    if (problems.length === 0) {
      problems.push(group?.containerName ? 'the deployment names no task definition' : 'this deployment group is not one of the pipeline\'s stages');
    }
    return { version: unknownVersion(scope, problems.join('; ')) };
  }
  if (!group?.containerName) {
    return { version: { known: true, value: taskDefinitionLabel(arn), source: `task definition ${arn}` }, taskDefinitionArn: arn };
  }
  try {
    const container = await describeDeployedContainer(scope, arn, group.containerName);
    const value = container.environment.get(variable);
    if (value !== undefined && value.trim() !== '') {
      return { version: { known: true, value, source: `${variable} of task definition ${container.taskDefinition}` }, taskDefinitionArn: arn };
    }
    scope.logger.warn('no release version in the task definition', { taskDefinition: container.taskDefinition, variable });
    return {
      version: { known: true, value: container.taskDefinition, source: `task definition ${container.taskDefinitionArn}, which has no ${variable}` },
      taskDefinitionArn: arn,
    };
  } catch (error) {
    scope.logger.warn('could not read the release version', { taskDefinition: arn, variable, error: describeError(error) });
    return {
      version: { known: true, value: taskDefinitionLabel(arn), source: `task definition ${arn} (${variable} unknown: ${errorMessage(error)})` },
      taskDefinitionArn: arn,
    };
  }
}

function unknownVersion(scope: AwsCallScope, reason: string): DeployedVersion {
  scope.logger.warn('version unknown', { reason });
  return { known: false, reason };
}

/** The `TaskDefinition` of the deployment's AppSpec (JSON or YAML), as CodePipeline creates it. */
export function appSpecTaskDefinition(deployment: DeploymentInfo | undefined): string | undefined {
  const content = deployment?.revision?.appSpecContent?.content ?? deployment?.revision?.string?.content;
  const match = content ? /"?TaskDefinition"?\s*:\s*["']?(arn:[^"'\s,}]+)/.exec(content) : null;
  return match?.[1];
}

/** The first lifecycle event that failed; CodeDeploy runs them in order and stops at a failure. */
export function failedLifecycleEvent(target: ECSTarget): FailedLifecycleEvent | undefined {
  const event = (target.lifecycleEvents ?? []).find((e) => e.status === 'Failed');
  if (!event?.lifecycleEventName) {
    return undefined;
  }
  const diagnostics = event.diagnostics;
  return {
    name: event.lifecycleEventName,
    errorCode: diagnostics?.errorCode || undefined,
    message: diagnostics?.message || undefined,
    logTail: diagnostics?.logTail || undefined,
  };
}

async function attempt<T>(
  scope: AwsCallScope,
  what: string,
  operation: string,
  run: () => Promise<T>,
): Promise<{ value?: T; failure?: LookupFailure }> {
  try {
    return { value: await run() };
  } catch (error) {
    scope.logger.warn(`could not ${what}`, { operation, error: describeError(error) });
    return { failure: { operation, error: errorMessage(error) } };
  }
}
