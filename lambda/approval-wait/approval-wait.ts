/**
 * The approval wait body: holds an Amazon ECS blue/green deployment at POST_TEST_TRAFFIC_SHIFT
 * (green serves test traffic, production is still on blue) until a person approves or rejects
 * it in the approval parameter, or the wait runs out.
 *
 * Each run reads the parameter once and answers: approved → Succeeded, rejected → Failed with
 * the person's reason, no decision → in progress, so that Amazon ECS calls again after the poll
 * interval, until the wait's deadline → Failed. The wait counts from the hook's first run, kept
 * in the state ECS hands back with each call, not from each invocation.
 *
 * The waiting event is published once per deployment: the state records that EventBridge took
 * it, and a run that could not publish it tries again on the next. Only two runs of the same
 * first state (a retried first invocation) can both publish it; every other step is a read, so
 * a repeated run answers the same.
 */
import {
  APPROVAL_APPROVED_DETAIL_TYPE,
  APPROVAL_EXPIRED_DETAIL_TYPE,
  APPROVAL_PARAMETER_INITIAL_VALUE,
  APPROVAL_REJECTED_DETAIL_TYPE,
  APPROVAL_WAITING_DETAIL_TYPE,
  APPROVE_VERB,
  ApprovalEventDetail,
  REJECT_VERB,
  approvalCommand,
} from '../../contract/approval-wait';
import { answerOf, isRecord, optionalObject } from '../shared/answer';
import { awsCall } from '../shared/aws-call';
import { HookContext, HookExecution, HookFailed, HookOutcome, failed, inProgress, succeeded, truncate } from '../shared/hook';
import { ssmApi } from '../shared/hook-configuration';
import { describeError, errorName, errorText } from '../shared/logger';
import { AttemptTimeoutError, isRetryableAwsError } from '../shared/retry';
import { ApprovalWaitSettings, loadApprovalWaitSettings } from './config';
import { ServiceDeployment, parseApprovalValue } from './decision';
import { publishApprovalEvent, stepScope } from './events';

/** Carried from one run to the next in `hookDetails.continuation.state`. */
export interface ApprovalWaitState {
  /** The deployment the wait is for; a state of another deployment is not used. */
  readonly deploymentId: string;
  /** ISO 8601 time of the hook's first run. */
  readonly waitingSince: string;
  /** ISO 8601 time at which the wait runs out, fixed at the first run. */
  readonly deadline: string;
  /** EventBridge has taken the waiting event. */
  readonly notified: boolean;
}

/** The most one read of the parameter takes, retries included, before the run answers in progress. */
const READ_BUDGET_MS = 15_000;

/** The longest value quoted in a log line or a reason. */
const MAX_QUOTED_LENGTH = 500;

/** The service deployment the hook runs for, from the Amazon ECS event's `resourceArn`. */
export function serviceDeploymentOf(execution: HookExecution): ServiceDeployment {
  if (execution.engine !== 'ecs') {
    throw new Error('the approval wait is an Amazon ECS lifecycle hook; a CodeDeploy deployment waits for approval in its own Ready state');
  }
  const arn = execution.resourceArn;
  const id = arn?.split('/').pop();
  if (!arn || !id) {
    throw new Error('the Amazon ECS hook event carries no resourceArn naming the service deployment to approve');
  }
  return { arn, id };
}

export async function approvalWaitBody(context: HookContext<ApprovalWaitState>): Promise<HookOutcome<ApprovalWaitState>> {
  const settings = loadApprovalWaitSettings();
  const deployment = serviceDeploymentOf(context.execution);
  let state = waitStateOf(context, settings, deployment);
  const detail: ApprovalEventDetail = {
    serviceName: settings.serviceName,
    deploymentArn: deployment.arn,
    deploymentId: deployment.id,
    lifecycleStage: context.execution.engine === 'ecs' && context.execution.lifecycleStage || 'unknown',
    approvalParameterName: settings.approvalParameterName,
    waitingSince: state.waitingSince,
    deadline: state.deadline,
  };
  if (!state.notified) {
    context.progress('publishing the waiting-for-approval event');
    const notified = await publishApprovalEvent(context, settings, APPROVAL_WAITING_DETAIL_TYPE, {
      ...detail,
      approveCommand: approvalCommand(settings.approvalParameterName, APPROVE_VERB, deployment.id),
      rejectCommand: approvalCommand(settings.approvalParameterName, REJECT_VERB, deployment.id),
    });
    state = { ...state, notified };
    context.checkpoint(state);
  }

  // The first run reads the parameter too: a missing parameter or grant fails now, not a poll later.
  context.progress(`reading the approval parameter ${settings.approvalParameterName}`);
  const read = await readApprovalParameter(context, settings.approvalParameterName);
  if ('status' in read) {
    return read;
  }
  const now = Date.now();
  const deadline = Date.parse(state.deadline);
  const waited = formatWait(deadline - Date.parse(state.waitingSince));
  const decidedAt = new Date(now).toISOString();
  const decision = 'unreadable' in read ? undefined : parseApprovalValue(read.value, deployment);
  const expired = now >= deadline;
  const verdict = decision?.kind === 'approved' || decision?.kind === 'rejected' ? decision.kind : expired ? 'expired' : 'waiting';
  context.logger.info('decision', {
    check: `approval parameter ${settings.approvalParameterName}`,
    expectation: `"${APPROVE_VERB} ${deployment.id}" or "${REJECT_VERB} ${deployment.id} [reason]" by ${state.deadline}`,
    observed: 'unreadable' in read ? `unreadable: ${read.unreadable}` : truncate(JSON.stringify(read.value), MAX_QUOTED_LENGTH),
    verdict,
    ...(decision?.kind === 'none' ? { detail: decision.why } : {}),
    ...(decision?.kind === 'approved' && decision.note ? { note: truncate(decision.note, MAX_QUOTED_LENGTH) } : {}),
    ...('lastModified' in read && read.lastModified ? { lastModified: read.lastModified } : {}),
    deploymentId: deployment.id,
  });

  if (decision?.kind === 'approved') {
    await publishApprovalEvent(context, settings, APPROVAL_APPROVED_DETAIL_TYPE, { ...detail, decidedAt });
    return succeeded(`deployment ${deployment.id} approved through ${settings.approvalParameterName}`);
  }
  if (decision?.kind === 'rejected') {
    const reason = decision.reason ? truncate(decision.reason, MAX_QUOTED_LENGTH) : undefined;
    await publishApprovalEvent(context, settings, APPROVAL_REJECTED_DETAIL_TYPE, { ...detail, decidedAt, ...(reason ? { reason } : {}) });
    return failed(`deployment ${deployment.id} rejected through ${settings.approvalParameterName}: ${reason ?? 'no reason given'}`);
  }
  if (expired) {
    const why = `no approval within ${waited}: ${settings.approvalParameterName} did not approve deployment ${deployment.id} by ${state.deadline}`
      + ('unreadable' in read ? ` (its last read failed: ${read.unreadable})` : '');
    await publishApprovalEvent(context, settings, APPROVAL_EXPIRED_DETAIL_TYPE, { ...detail, decidedAt, reason: why });
    return failed(why);
  }
  // The last read falls on the deadline itself, not up to a poll interval after it.
  const delaySeconds = Math.max(1, Math.min(settings.pollSeconds, Math.ceil((deadline - now) / 1000)));
  return inProgress(state, {
    delaySeconds,
    reason: 'unreadable' in read
      ? `could not read ${settings.approvalParameterName} (${read.unreadable}); reading it again in ${delaySeconds} s`
      : `waiting for "${APPROVE_VERB} ${deployment.id}" in ${settings.approvalParameterName} until ${state.deadline}`,
  });
}

/**
 * The state carried over, or a new one at the first run. A carried state that cannot be read,
 * or is another deployment's, is replaced; its wait then counts from the runtime's own start
 * of the hook, so that no state can make the wait start again.
 */
function waitStateOf(context: HookContext<ApprovalWaitState>, settings: ApprovalWaitSettings, deployment: ServiceDeployment): ApprovalWaitState {
  const carried: unknown = context.continuation?.state;
  if (isWaitState(carried) && carried.deploymentId === deployment.id) {
    return carried;
  }
  if (context.continuation) {
    context.logger.warn('the carried approval wait state is unreadable or another deployment\'s; counting from the hook\'s start', {
      deploymentId: deployment.id,
      startedAt: context.continuation.startedAt,
    });
  }
  const startedAt = context.continuation ? Date.parse(context.continuation.startedAt) : NaN;
  const since = Number.isFinite(startedAt) ? startedAt : Date.now();
  return {
    deploymentId: deployment.id,
    waitingSince: new Date(since).toISOString(),
    deadline: new Date(since + settings.waitSeconds * 1000).toISOString(),
    notified: false,
  };
}

function isWaitState(value: unknown): value is ApprovalWaitState {
  return isRecord(value)
    && typeof value.deploymentId === 'string'
    && typeof value.notified === 'boolean'
    && typeof value.waitingSince === 'string' && Number.isFinite(Date.parse(value.waitingSince))
    && typeof value.deadline === 'string' && Number.isFinite(Date.parse(value.deadline));
}

/** The parameter's value; why it could not be read this time; or the Failed a read error calls for. */
type ParameterRead =
  | { readonly value: string; readonly lastModified?: string }
  | { readonly unreadable: string }
  | HookFailed;

/**
 * Reads the approval parameter, retrying throttling and transient errors within
 * {@link READ_BUDGET_MS}; those that last longer are `unreadable`, to be read again on the next
 * run. A missing parameter or grant is a Failed saying how to fix it; any other error throws.
 */
async function readApprovalParameter(context: HookContext<ApprovalWaitState>, parameterName: string): Promise<ParameterRead> {
  const call = 'ssm:GetParameter';
  const { client, sdk } = await ssmApi();
  let answer;
  try {
    answer = answerOf(call, await awsCall(stepScope(context, READ_BUDGET_MS), call, (abortSignal) =>
      client.send(new sdk.GetParameterCommand({ Name: parameterName }), { abortSignal }), { logFields: { parameterName } }));
  } catch (error) {
    const name = errorName(error);
    if (name === 'ParameterNotFound') {
      return failed(`${call} ${parameterName}: ParameterNotFound — the approval parameter is missing; deploy the service's stack again, `
        + `or create it with: aws ssm put-parameter --name ${parameterName} --type String --value ${APPROVAL_PARAMETER_INITIAL_VALUE}`);
    }
    if (name === 'AccessDeniedException') {
      return failed(`${call} ${parameterName}: ${errorText(error)} — the function's role needs ${call} on the parameter`);
    }
    if (!context.signal.aborted && (isRetryableAwsError(error) || error instanceof AttemptTimeoutError)) {
      context.logger.warn('could not read the approval parameter; reading it again on the next run', { parameterName, error: describeError(error) });
      return { unreadable: errorText(error) };
    }
    throw new Error(`${call} ${parameterName}: ${errorText(error)}`);
  }
  const parameter = optionalObject<{ Value?: unknown; Type?: unknown; LastModifiedDate?: unknown }>(call, answer, 'Parameter');
  if (parameter?.Type === 'SecureString') {
    return failed(`${call} ${parameterName}: the approval parameter is a SecureString; it must be a String parameter, which the function reads without kms:Decrypt`);
  }
  if (typeof parameter?.Value !== 'string') {
    throw new Error(`${call} ${parameterName}: answered without the parameter's value`);
  }
  const modified = parameter.LastModifiedDate;
  return {
    value: parameter.Value,
    ...(modified instanceof Date && Number.isFinite(modified.getTime()) ? { lastModified: modified.toISOString() } : {}),
  };
}

/** `2 h`, `1 h 30 min`, `45 s`: the wait as it was configured. */
export function formatWait(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) {
    parts.push(`${hours} h`);
  }
  if (minutes > 0) {
    parts.push(`${minutes} min`);
  }
  if (seconds > 0 || parts.length === 0) {
    parts.push(`${seconds} s`);
  }
  return parts.join(' ');
}
