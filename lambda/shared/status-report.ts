/**
 * The one call that ends a CodeDeploy hook: `PutLifecycleEventHookExecutionStatus`. Until it is
 * accepted CodeDeploy waits, up to an hour, so it is retried until just before the function's
 * own timeout rather than for a fixed number of attempts.
 */
import type * as CodeDeploy from '@aws-sdk/client-codedeploy';
import { clientConfig, lazy } from './clients';
import { formatSeconds } from './invocation';
import { Logger, describeError, errorName } from './logger';
import { CallRetryOptions, isRetryableAwsError, withRetry } from './retry';

/** How the status report went. */
export type ReportResult =
  /** CodeDeploy accepted the status. */
  | 'reported'
  /** CodeDeploy already had a status for this execution (a retried invocation): nothing to do. */
  | 'already-completed'
  /** The deployment is over (succeeded, failed or stopped): CodeDeploy takes no status for it any more. */
  | 'deployment-completed'
  /** The report call failed for good; CodeDeploy will time the hook out. */
  | 'failed';

/** The CodeDeploy client package and the execution environment's one client of it. */
export interface CodeDeployApi {
  readonly client: CodeDeploy.CodeDeployClient;
  /** The package's commands: `new sdk.GetDeploymentCommand(...)`. */
  readonly sdk: typeof CodeDeploy;
}

/**
 * The CodeDeploy client, shared by the runtime and the hook bodies. The package is loaded on the
 * first call, not when the handler's module is, so a cold start does not wait for it before the
 * handler runs.
 */
export const codeDeployApi = lazy((): Promise<CodeDeployApi> => import('@aws-sdk/client-codedeploy').then((sdk) => ({
  client: new sdk.CodeDeployClient(clientConfig()),
  sdk,
})));

/**
 * Default retries of the report: no limit on attempts, only the deadline. A throttled window of
 * 20 s used up 8 attempts, after which the deployment waited out CodeDeploy's hour.
 */
export const DEFAULT_REPORT_RETRY: CallRetryOptions = {
  maxAttempts: Number.POSITIVE_INFINITY, baseDelayMs: 200, maxDelayMs: 5000, attemptTimeoutMs: 10_000,
};

/** The last attempt starts at least this long before the report's deadline. */
const LAST_REPORT_ATTEMPT_MS = 500;

export interface ReportOptions {
  readonly logger: Logger;
  /** Epoch milliseconds by which the last attempt must be over. */
  readonly deadline?: number;
  /** Epoch milliseconds at which Lambda ends the function, for the log when the deadline stops the retries. */
  readonly functionDeadline?: number;
  readonly retry?: CallRetryOptions;
}

/**
 * Puts the hook's status, retrying throttling and transient errors until `deadline`. Never
 * throws. A `LifecycleEventAlreadyCompletedException` counts as done, and so does a
 * `DeploymentAlreadyCompletedException`: the deployment no longer waits for this hook.
 */
export async function reportHookStatus(
  ids: { readonly deploymentId: string; readonly lifecycleEventHookExecutionId: string },
  status: 'Succeeded' | 'Failed',
  options: ReportOptions,
): Promise<ReportResult> {
  const { logger } = options;
  const started = Date.now();
  let attempts = 0;
  try {
    const { client, sdk } = await codeDeployApi();
    await withRetry(({ signal }) => {
      attempts++;
      return client.send(new sdk.PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: ids.deploymentId,
        lifecycleEventHookExecutionId: ids.lifecycleEventHookExecutionId,
        status: status === 'Succeeded' ? sdk.LifecycleEventStatus.SUCCEEDED : sdk.LifecycleEventStatus.FAILED,
      }), { abortSignal: signal });
    }, {
      ...DEFAULT_REPORT_RETRY,
      ...options.retry,
      deadline: options.deadline,
      lastAttemptMs: options.deadline === undefined ? undefined : LAST_REPORT_ATTEMPT_MS,
      onRetry: ({ attempt, error, delayMs }) => logger.warn('status report failed, retrying', {
        verdict: status, attempt, delayMs, error: describeError(error),
      }),
    });
    return 'reported';
  } catch (error) {
    const name = errorName(error);
    if (name === 'LifecycleEventAlreadyCompletedException') {
      logger.info('status already reported for this hook execution (retried invocation); nothing to do', {
        verdict: status, error: describeError(error),
      });
      return 'already-completed';
    }
    if (name === 'DeploymentAlreadyCompletedException') {
      logger.warn('the deployment is already over (succeeded, failed or stopped), so CodeDeploy takes no status for this hook; '
        + 'nothing to do, and this verdict no longer changes the deployment', { verdict: status, error: describeError(error) });
      return 'deployment-completed';
    }
    const fields = { verdict: status, attempts, elapsedMs: Date.now() - started, error: describeError(error) };
    const deadlineLeft = options.deadline === undefined ? Number.POSITIVE_INFINITY : options.deadline - Date.now();
    if (deadlineLeft <= LAST_REPORT_ATTEMPT_MS && options.functionDeadline !== undefined && isRetryableAwsError(error)) {
      const beforeTimeout = Math.max(0, options.functionDeadline - Date.now());
      logger.error(`stopped retrying the status report ${formatSeconds(beforeTimeout)} before the function's timeout, `
        + `after ${attempts} attempts over ${formatSeconds(Date.now() - started)}; CodeDeploy will fail the hook when its hour is out`,
      { ...fields, msBeforeTimeout: beforeTimeout });
      return 'failed';
    }
    logger.error('could not report the hook status; CodeDeploy will fail the hook when its hour is out', fields);
    return 'failed';
  }
}
