/**
 * The CodeDeploy release custom resource. With the `CODE_DEPLOY` deployment controller a stack
 * update only registers the new task definition; this resource releases it, so that `cdk deploy`
 * deploys and a failed deployment fails the stack update, which then rolls back.
 *
 * A raw Lambda-backed custom resource, not the Provider framework: that would add a state machine
 * and three functions to every stack, for a wait this function can do itself.
 *
 * - Delete: SUCCESS at once; nothing to undo, the service keeps what it runs.
 * - Create, Update: SUCCESS without a deployment when the service's PRIMARY task set already
 *   runs `TaskDefinitionArn` (the first create, an update that changed nothing else, the update
 *   CloudFormation sends back during a stack rollback once CodeDeploy has rolled back). Otherwise
 *   CreateDeployment with `AppSpecContent`, then GetDeployment every `PollSeconds` until it ends:
 *   Succeeded is SUCCESS; Failed or Stopped is FAILED with CodeDeploy's error and its rollback.
 * - A repeated request finds its deployment under way (CodeDeploy refuses a second one) and
 *   adopts it when it deploys the same AppSpec; another deployment in the way is FAILED, named.
 * - Before the function's timeout the wait is handed over to a fresh asynchronous invocation,
 *   which carries the deployment id and the first invocation's start; `TimeoutSeconds` counts
 *   from that start, and at its end the deployment is stopped with rollback and the answer is FAILED.
 *
 * Every invocation ends with exactly one answer to CloudFormation (or one hand-over, whose
 * invocation answers), and never throws: Lambda would retry the event. Whatever fails after a
 * deployment started (an error, a hand-over that could not be made) first stops it with rollback.
 *
 * Needs the actions of `CODEDEPLOY_RELEASE_ACTIONS` (contract/codedeploy-release.ts).
 */
import type { LambdaContext } from '../shared/hook';
import { Logger, createLogger, describeError, errorText } from '../shared/logger';
import { isRecord } from '../shared/answer';
import { CODEDEPLOY_RELEASE_DEPLOYMENT_ID_ATTRIBUTE } from '../../contract/codedeploy-release';
import {
  CustomResourceEvent,
  physicalResourceIdOf,
  releaseContinuationOf,
  releaseSettingsOf,
  requestIdsOf,
  requestTypeOf,
} from './event';
import { release } from './release';
import { ReleaseOutcome, ReleaseRun, ReleaseTiming, failAfterStop, failed, succeeded } from './run';
import { SendResult, sendResponse } from './response';

export type { CustomResourceEvent } from './event';

/** What the function returns (shown in the Lambda console and in tests; CloudFormation reads the PUT). */
export interface ReleaseSummary {
  /** The answer; `IN_PROGRESS` when a fresh invocation took over, `UNANSWERED` when the request had no URL. */
  readonly status: 'SUCCESS' | 'FAILED' | 'IN_PROGRESS' | 'UNANSWERED';
  readonly response: SendResult | 'handed-over' | 'not-attempted';
  readonly reason?: string;
  readonly deploymentId?: string;
}

/** Longest share of the function's time kept for a hand-over, a stop and the answer. */
const MAX_SAFETY_MARGIN_MS = 30_000;
/** For short functions: this fraction of the remaining time instead. */
const SAFETY_MARGIN_FRACTION = 0.25;
/** Lambda's longest timeout, assumed when the context cannot tell. */
const MAX_FUNCTION_TIMEOUT_MS = 900_000;

export async function handler(event: CustomResourceEvent, lambdaContext: LambdaContext): Promise<ReleaseSummary> {
  const invokedAt = Date.now();
  const request: CustomResourceEvent = isRecord(event) ? event : {};
  const remaining = remainingMs(lambdaContext);
  const functionDeadline = invokedAt + remaining;
  const safetyMarginMs = Math.min(MAX_SAFETY_MARGIN_MS, Math.round(remaining * SAFETY_MARGIN_FRACTION));
  const logger = createLogger({
    hook: 'codedeploy-release',
    logicalResourceId: request.LogicalResourceId,
    requestType: request.RequestType,
    cloudFormationRequestId: request.RequestId,
    ...(lambdaContext?.awsRequestId ? { requestId: lambdaContext.awsRequestId } : {}),
  });
  const ids = requestIdsOf(request);
  if (!ids) {
    // Nothing can be answered; throwing would only make Lambda retry an event that cannot succeed either.
    logger.error('malformed request: no ResponseURL to answer to; nothing was answered', { eventKeys: Object.keys(request).slice(0, 20) });
    return { status: 'UNANSWERED', response: 'not-attempted', reason: 'malformed request' };
  }
  const continuation = releaseContinuationOf(request);
  logger.info('release request', {
    remainingMs: remaining, safetyMarginMs,
    ...(continuation ? { attempt: continuation.attempt, deploymentId: continuation.state.deploymentId } : {}),
  });

  let run: ReleaseRun | undefined;
  let outcome: ReleaseOutcome | 'handed-over';
  try {
    const prepared = prepare(request, { functionDeadline, safetyMarginMs, invokedAt }, lambdaContext, logger);
    if ('status' in prepared) {
      outcome = prepared;
    } else {
      run = prepared;
      outcome = await release(run);
    }
  } catch (error) {
    logger.error('release error', { error: describeError(error) });
    const reason = `release error: ${errorText(error)}`;
    outcome = run ? await failAfterStop(run, reason) : failed(reason);
  }
  if (outcome === 'handed-over') {
    return { status: 'IN_PROGRESS', response: 'handed-over', deploymentId: run?.active };
  }

  const finalLogger = run?.logger ?? logger;
  const response = await sendResponse(ids, {
    status: outcome.status,
    reason: outcome.reason,
    physicalResourceId: physicalResourceIdOf(request),
    data: { [CODEDEPLOY_RELEASE_DEPLOYMENT_ID_ATTRIBUTE]: outcome.deploymentId ?? '' },
  }, { deadline: functionDeadline - Math.min(1000, safetyMarginMs / 4), logger: finalLogger });
  const fields = { verdict: outcome.status, reason: outcome.reason, response, elapsedMs: Date.now() - invokedAt };
  if (outcome.status === 'FAILED' || response === 'failed') {
    finalLogger.error('release finished', fields);
  } else {
    finalLogger.info('release finished', fields);
  }
  return {
    status: outcome.status,
    response,
    reason: outcome.reason,
    ...(outcome.deploymentId ? { deploymentId: outcome.deploymentId } : {}),
  };
}

/** The run of a Create or Update, or the answer to a request that needs none. */
function prepare(
  request: CustomResourceEvent,
  clock: { readonly functionDeadline: number; readonly safetyMarginMs: number; readonly invokedAt: number },
  lambdaContext: LambdaContext,
  logger: Logger,
): ReleaseRun | ReleaseOutcome {
  const type = requestTypeOf(request);
  if (!type) {
    return failed(`unknown RequestType ${JSON.stringify(request.RequestType)}; expected Create, Update or Delete`);
  }
  if (type === 'Delete') {
    return succeeded('nothing to undo: the service keeps the task definition it runs');
  }
  const parsed = releaseSettingsOf(request.ResourceProperties);
  if ('problem' in parsed) {
    return failed(parsed.problem);
  }
  const continuation = releaseContinuationOf(request);
  const startedAt = continuation?.startedAt ?? clock.invokedAt;
  const timing: ReleaseTiming = {
    functionDeadline: clock.functionDeadline,
    safetyMarginMs: clock.safetyMarginMs,
    startedAt,
    totalDeadline: startedAt + parsed.settings.timeoutMs,
  };
  return { event: request, lambdaContext, settings: parsed.settings, timing, continuation, logger };
}

function remainingMs(lambdaContext: LambdaContext | undefined): number {
  try {
    const remaining = lambdaContext?.getRemainingTimeInMillis();
    return typeof remaining === 'number' && Number.isFinite(remaining) ? Math.max(0, remaining) : MAX_FUNCTION_TIMEOUT_MS;
  } catch {
    return MAX_FUNCTION_TIMEOUT_MS;
  }
}
