/**
 * One invocation's release: its deadlines, what it waits for, how it ends, and the stop that a
 * failure runs first so that a failed resource leaves no deployment running.
 */
import { AwsCallScope } from '../shared/aws-call';
import { awsRegion } from '../shared/clients';
import type { LambdaContext } from '../shared/hook';
import { Logger, describeError, errorText } from '../shared/logger';
import { CustomResourceEvent, ReleaseContinuation, ReleaseSettings } from './event';
import { stopWithRollback } from './deployment';

/** How the release ended, for the answer to CloudFormation. */
export interface ReleaseOutcome {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly reason: string;
  /** The deployment that released (or failed to release) the task definition. */
  readonly deploymentId?: string;
}

/** The deadlines of one invocation, in epoch milliseconds. */
export interface ReleaseTiming {
  /** When Lambda would end the function. */
  readonly functionDeadline: number;
  /** Kept free before `functionDeadline` for a hand-over, a stop and the answer. */
  readonly safetyMarginMs: number;
  /** When the first invocation of this request started. */
  readonly startedAt: number;
  /** `startedAt` plus `TimeoutSeconds`: then the deployment is stopped. */
  readonly totalDeadline: number;
}

/** One invocation's release: what it knows and what it has under way. */
export interface ReleaseRun {
  readonly event: CustomResourceEvent;
  readonly lambdaContext: LambdaContext;
  readonly settings: ReleaseSettings;
  readonly timing: ReleaseTiming;
  readonly continuation?: ReleaseContinuation;
  logger: Logger;
  /**
   * The deployment this request waits for while it is not over: what a failure must stop, so
   * that a failed resource leaves nothing running.
   */
  active?: string;
}

export function succeeded(reason: string, deploymentId?: string): ReleaseOutcome {
  return { status: 'SUCCESS', reason, ...(deploymentId ? { deploymentId } : {}) };
}

export function failed(reason: string, deploymentId?: string): ReleaseOutcome {
  return { status: 'FAILED', reason, ...(deploymentId ? { deploymentId } : {}) };
}

/** Bounds the calls of the work: none runs into the margin kept for the hand-over and the answer. */
export function workScope(run: ReleaseRun): AwsCallScope {
  return { signal: new AbortController().signal, deadline: run.timing.functionDeadline - run.timing.safetyMarginMs, logger: run.logger };
}

/** Bounds a stop: half the margin, the rest is the answer's. */
export function cleanupScope(run: ReleaseRun): AwsCallScope {
  return { signal: new AbortController().signal, deadline: run.timing.functionDeadline - run.timing.safetyMarginMs / 2, logger: run.logger };
}

/**
 * Fails the resource, first stopping with rollback the deployment it waits for, if any: a stack
 * that rolls back must not leave a deployment running.
 */
export async function failAfterStop(run: ReleaseRun, reason: string): Promise<ReleaseOutcome> {
  const deploymentId = run.active;
  if (!deploymentId) {
    return failed(reason);
  }
  run.active = undefined;
  try {
    const stopped = await stopWithRollback(cleanupScope(run), deploymentId);
    return failed(stopped === 'stopped'
      ? `${reason}; stopped deployment ${deploymentId} with rollback`
      : `${reason}; deployment ${deploymentId} had already ended; see ${consoleLink(deploymentId)}`, deploymentId);
  } catch (error) {
    run.logger.error('could not stop the deployment', { deploymentId, error: describeError(error) });
    return failed(`${reason}; could not stop deployment ${deploymentId} (${errorText(error)}): stop it in the CodeDeploy console, `
      + consoleLink(deploymentId), deploymentId);
  }
}

/** From now on `deploymentId` is what a failure stops, and every log line names it. */
export function track(run: ReleaseRun, deploymentId: string): void {
  run.active = deploymentId;
  run.logger = run.logger.child({ deploymentId });
}

/** Where a person sees the deployment's lifecycle events and the hook that failed. */
export function consoleLink(deploymentId: string): string {
  const region = awsRegion();
  return `https://console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}${region ? `?region=${region}` : ''}`;
}

