/**
 * A hotfix's way through a change freeze: the service's override parameter, which a person writes
 * (that write is the approval) and the pre-flight hook honours only while it is well formed,
 * unexpired, at most 24 hours long and, when it names a version, for that release.
 */
import { FreezeOverride, MAX_FREEZE_OVERRIDE_HOURS } from '../../contract/freeze-override';
import type { PreflightFreezeOverrideConfig } from '../../contract/preflight';
import { answerOf, optionalObject } from '../shared/answer';
import { awsCall } from '../shared/aws-call';
import { codeDeployApi } from '../shared/codedeploy';
import { describeDeployedContainer, serviceRevisionTaskDefinitionArn } from '../shared/deployed-task-definition';
import type { HookContext } from '../shared/hook';
import { ssmApi } from '../shared/hook-configuration';
import { errorName, errorText } from '../shared/logger';

/** The override parameter as SSM returns it. */
export interface OverrideParameter {
  readonly value: string;
  /** When this version of the parameter was written. */
  readonly lastModified?: Date;
  /** The parameter's version, which `GetParameterHistory` shows with the IAM identity that wrote it. */
  readonly version?: number;
}

export type OverrideJudgement =
  | { readonly honoured: true; readonly override: FreezeOverride }
  | { readonly honoured: false; readonly why: string };

const MAX_REASON_LENGTH = 500;
const HOUR_MS = 60 * 60 * 1000;

/** The override, if its value is one: a JSON object with the contract's fields. */
export function parseOverride(value: string): FreezeOverride | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return 'its value is not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'its value is not a JSON object';
  }
  const fields = parsed as Record<string, unknown>;
  const text = (name: string) => typeof fields[name] === 'string' && (fields[name] as string).trim() !== '';
  if (!text('reason') || (fields.reason as string).length > MAX_REASON_LENGTH) {
    return `its reason must be a text of 1-${MAX_REASON_LENGTH} characters`;
  }
  if (!text('approvedBy')) {
    return 'it names no approvedBy';
  }
  if (!text('expiresAt') || Number.isNaN(Date.parse(fields.expiresAt as string))) {
    return 'its expiresAt is not an ISO 8601 time, e.g. 2026-12-24T18:00:00Z';
  }
  if (fields.version !== undefined && !text('version')) {
    return 'its version, when given, must be a non-empty text';
  }
  return {
    reason: fields.reason as string,
    approvedBy: fields.approvedBy as string,
    expiresAt: fields.expiresAt as string,
    ...(fields.version === undefined ? {} : { version: fields.version as string }),
  };
}

/**
 * Whether the override lets this release through a freeze at `now`. `releaseVersion` is read only
 * for an override that names a version; pass what it reads.
 */
export function judgeOverride(parameter: OverrideParameter, now: Date, releaseVersion?: string): OverrideJudgement {
  const override = parseOverride(parameter.value);
  if (typeof override === 'string') {
    return { honoured: false, why: override };
  }
  const expires = Date.parse(override.expiresAt);
  if (expires <= now.getTime()) {
    return { honoured: false, why: `it expired at ${new Date(expires).toISOString()}` };
  }
  // Measured from the write, which SSM records: an override cannot be made to last longer by its own text.
  const from = parameter.lastModified?.getTime();
  if (from === undefined || Number.isNaN(from)) {
    return { honoured: false, why: 'SSM returned no time it was written, so how long it lasts is unknown' };
  }
  if (expires - from > MAX_FREEZE_OVERRIDE_HOURS * HOUR_MS) {
    return {
      honoured: false,
      why: `it lasts from ${new Date(from).toISOString()} to ${new Date(expires).toISOString()}, longer than `
        + `${MAX_FREEZE_OVERRIDE_HOURS} hours; an override is for a hotfix, not to lift a freeze`,
    };
  }
  if (override.version !== undefined && override.version !== releaseVersion) {
    return { honoured: false, why: `it is for version ${override.version}, and this release is ${releaseVersion ?? 'of an unknown version'}` };
  }
  return { honoured: true, override };
}

/**
 * The override parameter, or undefined when there is none (`ParameterNotFound`). Any other error
 * throws, saying what to grant: an override that cannot be read is not honoured.
 */
export async function readOverride(context: HookContext, parameterName: string): Promise<OverrideParameter | undefined> {
  const { client, sdk } = await ssmApi();
  const call = 'ssm:GetParameter';
  try {
    const answer = await awsCall(context, call, (abortSignal) =>
      client.send(new sdk.GetParameterCommand({ Name: parameterName }), { abortSignal }), { logFields: { parameterName } });
    const parameter = answer.Parameter;
    if (typeof parameter?.Value !== 'string') {
      throw new Error('the answer carries no parameter value');
    }
    return { value: parameter.Value, lastModified: parameter.LastModifiedDate, version: parameter.Version };
  } catch (error) {
    if (errorName(error) === 'ParameterNotFound') {
      return undefined;
    }
    throw new Error(`${call} ${parameterName}: ${errorText(error)}`
      + (errorName(error) === 'AccessDeniedException' ? ` — the function needs ${call} on the parameter` : ''));
  }
}

/** A task definition's ARN in an AppSpec, YAML or JSON. */
const TASK_DEFINITION_ARN = /arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]+:\d+/;

/**
 * The version this deployment releases: the release variable of the task definition it installs,
 * named by the CodeDeploy deployment's AppSpec (no green task set exists yet at BeforeInstall) or
 * by the Amazon ECS service revision.
 */
export async function releaseVersion(context: HookContext, config: PreflightFreezeOverrideConfig): Promise<string> {
  const execution = context.execution;
  let taskDefinitionArn: string;
  if (execution.engine === 'ecs') {
    const revisionArn = execution.executionDetails?.targetServiceRevisionArn;
    if (typeof revisionArn !== 'string') {
      throw new Error('the Amazon ECS hook event carries no targetServiceRevisionArn');
    }
    taskDefinitionArn = await serviceRevisionTaskDefinitionArn(context, revisionArn);
  } else {
    const { client, sdk } = await codeDeployApi();
    const call = 'codedeploy:GetDeployment';
    const answer = answerOf(call, await awsCall(context, call, (abortSignal) =>
      client.send(new sdk.GetDeploymentCommand({ deploymentId: execution.deploymentId }), { abortSignal })));
    const revision = optionalObject<{ revision?: { appSpecContent?: { content?: unknown } } }>(call, answer, 'deploymentInfo')?.revision;
    const content = revision?.appSpecContent?.content;
    const found = typeof content === 'string' ? TASK_DEFINITION_ARN.exec(content) : null;
    if (!found) {
      throw new Error(`deployment ${execution.deploymentId} names no task definition ARN in its AppSpec`);
    }
    taskDefinitionArn = found[0];
  }
  const container = await describeDeployedContainer(context, taskDefinitionArn, config.container);
  const version = container.environment.get(config.versionVariable);
  if (version === undefined || version.trim() === '') {
    throw new Error(`task definition ${container.taskDefinition} has no ${config.versionVariable} in container ${container.name}`);
  }
  return version;
}
