/**
 * The wait for a deployment: GetDeployment every `PollSeconds` until it ends, a stop with
 * rollback when `TimeoutSeconds` is over, and a hand-over to a fresh invocation before this one's
 * timeout.
 */
import { handOver } from '../shared/handover';
import { formatSeconds, truncate } from '../shared/invocation';
import { describeError } from '../shared/logger';
import { isRetryableAwsError, sleep } from '../shared/retry';
import { DeploymentView, describeDeployment, stopWithRollback } from './deployment';
import { ReleaseOutcome, ReleaseRun, cleanupScope, consoleLink, failAfterStop, failed, succeeded, workScope } from './run';

/** Polls the deployment until it ends, the total time runs out, or this invocation must hand over. */
export async function waitFor(run: ReleaseRun, deploymentId: string): Promise<ReleaseOutcome | 'handed-over'> {
  const { timing, settings } = run;
  const workDeadline = timing.functionDeadline - timing.safetyMarginMs;
  let lastStatus: string | undefined;
  for (;;) {
    const view = await poll(run, deploymentId);
    if (view) {
      const ended = outcomeOf(view);
      if (ended) {
        run.active = undefined;
        return ended;
      }
      if (view.status !== lastStatus) {
        logStatus(run, view);
        lastStatus = view.status;
      }
    }
    const now = Date.now();
    if (now >= timing.totalDeadline) {
      return timeOut(run, deploymentId, lastStatus);
    }
    const nextPoll = Math.min(now + settings.pollMs, timing.totalDeadline);
    // When the total time ends within this invocation, a fresh one would have no more time.
    if (nextPoll > workDeadline && timing.totalDeadline > workDeadline) {
      return passOn(run, deploymentId);
    }
    await sleep(nextPoll - now);
  }
}

/** One GetDeployment; a throttled or failed poll is logged and the next one tries again. */
async function poll(run: ReleaseRun, deploymentId: string): Promise<DeploymentView | undefined> {
  try {
    return await describeDeployment(workScope(run), deploymentId);
  } catch (error) {
    if (!isRetryableAwsError(error)) {
      throw error;
    }
    run.logger.warn('could not read the deployment; polling again', { deploymentId, error: describeError(error) });
    return undefined;
  }
}

/** The outcome of a deployment that is over, or undefined while it goes on. */
function outcomeOf(view: DeploymentView): ReleaseOutcome | undefined {
  if (view.status === 'Succeeded') {
    return succeeded(`deployment ${view.deploymentId} succeeded`, view.deploymentId);
  }
  if (view.status !== 'Failed' && view.status !== 'Stopped') {
    return undefined;
  }
  const what = view.status === 'Failed' ? 'failed' : 'was stopped';
  const error = [view.errorCode, view.errorMessage].filter(Boolean).join(': ');
  const rollback = view.rollbackDeploymentId
    ? `; CodeDeploy rolled the service back (rollback deployment ${view.rollbackDeploymentId}`
      + `${view.rollbackMessage ? `: ${view.rollbackMessage}` : ''})`
    : '';
  return failed(`deployment ${view.deploymentId} ${what}${error ? `: ${truncate(error, 2500)}` : ''}${rollback}; `
    + `see ${consoleLink(view.deploymentId)}`, view.deploymentId);
}

function logStatus(run: ReleaseRun, view: DeploymentView): void {
  const fields = { deploymentId: view.deploymentId, verdict: 'waiting', observed: view.status };
  if (view.status === 'Ready') {
    run.logger.info('deployment waits for ContinueDeployment: production traffic moves to the new task set once someone '
      + `continues it in the CodeDeploy console (${consoleLink(view.deploymentId)})`, fields);
  } else {
    run.logger.info('deployment in progress', fields);
  }
}

/** `TimeoutSeconds` is over: stop the deployment with rollback and fail. */
async function timeOut(run: ReleaseRun, deploymentId: string, lastStatus: string | undefined): Promise<ReleaseOutcome> {
  const waited = `${formatSeconds(Date.now() - run.timing.startedAt)}`;
  const limit = `TimeoutSeconds (${run.settings.timeoutMs / 1000} s)`;
  const stopped = await stopWithRollback(cleanupScope(run), deploymentId);
  run.active = undefined;
  if (stopped === 'already-completed') {
    // It ended at the last moment: its own outcome is the answer.
    const view = await describeDeployment(cleanupScope(run), deploymentId);
    return outcomeOf(view) ?? failed(`deployment ${deploymentId} did not end within ${limit}, and CodeDeploy `
      + `refused to stop it as already complete while it is ${view.status}; see ${consoleLink(deploymentId)}`, deploymentId);
  }
  run.logger.error('deployment stopped: it did not end in time', { deploymentId, elapsedMs: Date.now() - run.timing.startedAt, observed: lastStatus });
  return failed(`deployment ${deploymentId} did not end within ${limit}: still ${lastStatus ?? 'unknown'} after ${waited}; `
    + `stopped it with rollback, CodeDeploy rolls the service back to its previous task set; see ${consoleLink(deploymentId)}`, deploymentId);
}

/** Hands the wait over to a fresh invocation; when that fails, stops the deployment and fails. */
async function passOn(run: ReleaseRun, deploymentId: string): Promise<ReleaseOutcome | 'handed-over'> {
  const { timing } = run;
  const attempt = (run.continuation?.attempt ?? 0) + 1;
  const handed = await handOver(run.event, {
    state: { deploymentId },
    attempt,
    startedAt: new Date(timing.startedAt).toISOString(),
  }, {
    hookName: 'codedeploy-release',
    invokedAt: Date.now(),
    functionDeadline: timing.functionDeadline,
    safetyMarginMs: timing.safetyMarginMs,
    totalDeadline: timing.totalDeadline,
    totalTimeoutMs: run.settings.timeoutMs,
    startedAt: timing.startedAt,
  }, run.lambdaContext, run.logger, undefined);
  if (handed === 'handed-over') {
    return handed;
  }
  return failAfterStop(run, handed.reason);
}

