/**
 * What the notifier finds out about a deployment: CodeDeploy's record of it (status, error,
 * rollback), the lifecycle event that failed, and the version it installs. Each lookup that
 * fails is recorded as the reason it is unknown, never thrown: a message that says less is
 * better than no message.
 */
import { DeploymentInfo, ECSTarget, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { NotifiedDeploymentGroup } from '../../lib/private/contract/release-notifier';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { codeDeployClient } from '../shared/codedeploy';
import { describeDeployedContainer, greenTaskDefinitionArn, taskDefinitionLabel } from '../shared/deployed-task-definition';
import { ecsDeploymentTarget } from '../shared/deployment-target';
import { describeError, errorMessage } from '../shared/logger';

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
}

/**
 * Reads everything the message tells. Needs `codedeploy:GetDeployment`,
 * `codedeploy:ListDeploymentTargets`/`GetDeploymentTarget`, and for the version
 * `ecs:DescribeTaskSets` and `ecs:DescribeTaskDefinition`.
 */
export async function lookUpDeployment(
  scope: AwsCallScope,
  deploymentId: string,
  group: NotifiedDeploymentGroup | undefined,
  releaseVersionVariable: string,
): Promise<DeploymentFacts> {
  const [deployment, target] = await Promise.all([
    attempt(scope, 'read the deployment', () => awsCall(scope, 'codedeploy:GetDeployment', (abortSignal) =>
      codeDeployClient().send(new GetDeploymentCommand({ deploymentId }), { abortSignal })).then((out) => {
      if (!out.deploymentInfo) {
        throw new Error(`CodeDeploy returned no information on deployment ${deploymentId}`);
      }
      return out.deploymentInfo;
    })),
    attempt(scope, 'read the deployment target', () => ecsDeploymentTarget(scope, deploymentId)),
  ]);
  const version = await deployedVersion(scope, deploymentId, group, releaseVersionVariable, target.value, deployment.value);
  return {
    deployment: deployment.value,
    deploymentError: deployment.error,
    failedEvent: target.value ? failedLifecycleEvent(target.value) : undefined,
    targetError: target.error,
    version,
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
): Promise<DeployedVersion> {
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
    if (problems.length === 0) {
      problems.push(group?.containerName ? 'the deployment names no task definition' : 'this deployment group is not one of the pipeline\'s stages');
    }
    return unknownVersion(scope, problems.join('; '));
  }
  if (!group?.containerName) {
    return { known: true, value: taskDefinitionLabel(arn), source: `task definition ${arn}` };
  }
  try {
    const container = await describeDeployedContainer(scope, arn, group.containerName);
    const value = container.environment.get(variable);
    if (value !== undefined && value.trim() !== '') {
      return { known: true, value, source: `${variable} of task definition ${container.taskDefinition}` };
    }
    scope.logger.warn('no release version in the task definition', { taskDefinition: container.taskDefinition, variable });
    return { known: true, value: container.taskDefinition, source: `task definition ${container.taskDefinitionArn}, which has no ${variable}` };
  } catch (error) {
    scope.logger.warn('could not read the release version', { taskDefinition: arn, variable, error: describeError(error) });
    return { known: true, value: taskDefinitionLabel(arn), source: `task definition ${arn} (${variable} unknown: ${errorMessage(error)})` };
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

async function attempt<T>(scope: AwsCallScope, what: string, run: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await run() };
  } catch (error) {
    scope.logger.warn(`could not ${what}`, { error: describeError(error) });
    return { error: errorMessage(error) };
  }
}
