/**
 * The failed-task-set guard: EventBridge invokes it each time a task of the service stops. When
 * the task belongs to the green task set of the deployment in progress and failed (it crashed,
 * could not start, or failed a health check), and the green task set has now failed
 * `failedTaskThreshold` tasks, it stops the deployment with rollback.
 *
 * One function serves every service of a stack: each service's rule sends it the service's
 * configuration with the event ({@link TaskSetGuardInput}). Given a bare event, it reads the
 * configuration of its one service from its environment instead.
 *
 * It reacts to the event itself, so a failing green task set is stopped within seconds of its
 * threshold-th failure, not when a service-level metric finally drops: while blue still runs, the
 * service never runs short.
 *
 * Idempotent: the count is read from ECS, not kept across events, and a deployment that is no
 * longer in progress is left alone, so a duplicate, late or retried event cannot stop anything
 * twice. It throws only when a lookup or the stop failed after its retries and nothing was
 * stopped; Lambda's retries then run it again from the start, and the dead-letter queue keeps the
 * event if every retry fails.
 */
import type { LambdaContext } from '../shared/hook';
import { Logger, createLogger, describeError } from '../shared/logger';
import { AwsCallScope } from '../shared/aws-call';
import { StoppedTask, StoppedTaskFields, Verdict, describeStoppedTask, judge, stoppedTask } from './classify';
import type { TaskSetGuardInput } from '../../contract/task-set-guard';
import { GuardSettings, guardSettingsOf, loadGuardSettings } from './config';
import { deploymentsInProgress, failedTasksOf, stopWithRollback } from './lookups';

/** The EventBridge event `ECS Task State Change`. */
export interface TaskStateChangeEvent {
  readonly 'id'?: string;
  readonly 'detail-type'?: string;
  readonly 'detail'?: StoppedTaskFields & { readonly [field: string]: unknown };
  readonly [field: string]: unknown;
}

export type GuardVerdict = 'ignored' | 'below-threshold' | 'would-stop' | 'stopped' | 'already-stopped';

export interface TaskSetGuardResult {
  readonly verdict: GuardVerdict;
  readonly reason: string;
  readonly deploymentId?: string;
  /** The failed tasks of the green task set counted, with why each stopped. */
  readonly failedTasks?: string[];
}

/** Kept free at the end of the invocation, so the last call ends before Lambda stops the function. */
const DEADLINE_RESERVE_MS = 2_000;

/** True for the shared function's input; an ECS event has no `guard` field. */
export function isGuardInput(input: unknown): input is TaskSetGuardInput<TaskStateChangeEvent> {
  return typeof input === 'object' && input !== null && 'guard' in input && 'event' in input;
}

export async function handler(input: TaskStateChangeEvent | TaskSetGuardInput<TaskStateChangeEvent>, context?: LambdaContext): Promise<TaskSetGuardResult> {
  const started = Date.now();
  const wrapped = isGuardInput(input);
  const settings = wrapped ? guardSettingsOf(input.guard) : loadGuardSettings();
  const event: TaskStateChangeEvent | undefined = wrapped ? input.event : input;
  const task = stoppedTask(event?.detail);
  const logger = createLogger({
    hook: 'failed-task-set guard',
    service: settings.displayName,
    ...(task ? { taskId: task.id } : {}),
    ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
  });
  const scope: AwsCallScope = {
    signal: new AbortController().signal,
    deadline: started + (context?.getRemainingTimeInMillis() ?? 60_000) - DEADLINE_RESERVE_MS,
    logger,
  };
  const decide = (result: TaskSetGuardResult, fields: Record<string, unknown> = {}): TaskSetGuardResult => {
    logger.info('decision', {
      check: 'failed tasks of the green task set',
      expectation: `fewer than ${settings.failedTaskThreshold} failed tasks`,
      observed: result.failedTasks ? `${result.failedTasks.length} failed: ${result.failedTasks.join('; ')}` : result.reason,
      verdict: result.verdict,
      reason: result.reason,
      deploymentId: result.deploymentId,
      eventId: event?.id,
      elapsedMs: Date.now() - started,
      ...fields,
    });
    return result;
  };

  if (!task || task.lastStatus !== 'STOPPED') {
    return decide({ verdict: 'ignored', reason: 'the event is not about a stopped task' });
  }
  if (task.clusterArn !== settings.clusterArn || task.group !== `service:${settings.serviceName}`) {
    return decide({ verdict: 'ignored', reason: `the task belongs to ${task.group ?? 'no service'} in ${task.clusterArn ?? 'an unknown cluster'}` });
  }
  const verdict = judge(task);
  if (!verdict.failed) {
    return decide({ verdict: 'ignored', reason: `not a failure: ${verdict.reason}` });
  }
  try {
    return await guard(scope, settings, task, verdict, decide);
  } catch (error) {
    // Nothing was stopped: a retry of the whole event re-checks everything, so it cannot stop twice.
    logger.error('could not judge the stopped task; Lambda retries the event', { error: describeError(error), stoppedTask: verdict.reason });
    throw error;
  }
}

async function guard(
  scope: AwsCallScope,
  settings: GuardSettings,
  task: StoppedTask,
  verdict: Verdict,
  decide: (result: TaskSetGuardResult, fields?: Record<string, unknown>) => TaskSetGuardResult,
): Promise<TaskSetGuardResult> {
  const deployments = await deploymentsInProgress(scope, settings.applicationName, settings.deploymentGroupName);
  const deployment = deployments.find((d) => d.greenTaskSetId !== undefined && d.greenTaskSetId === task.startedBy);
  if (!deployment) {
    return decide({
      verdict: 'ignored',
      reason: deployments.length === 0
        ? `no deployment of ${settings.deploymentGroupName} in progress: ${verdict.reason}`
        : `the task is not of the green task set (started by ${task.startedBy ?? 'nobody'}): ${verdict.reason}`,
      deploymentId: deployments[0]?.deploymentId,
    });
  }
  const { deploymentId, greenTaskSetId } = deployment;
  const taskDefinitionArn = task.taskDefinitionArn;
  const failed = await countFailed(scope.logger, async () => taskDefinitionArn === undefined ? []
    : failedTasksOf(scope, settings.clusterArn, taskDefinitionArn, greenTaskSetId!), task);
  const reasons = failed.tasks.map(describeStoppedTask);
  const fields = { greenTaskSet: greenTaskSetId, stoppedTasks: failed.tasks.map(summary) };
  if (failed.tasks.length < settings.failedTaskThreshold) {
    if (failed.lookupError !== undefined) {
      throw failed.lookupError;
    }
    return decide({ verdict: 'below-threshold', reason: `${failed.tasks.length} of ${settings.failedTaskThreshold} failed tasks`, deploymentId, failedTasks: reasons }, fields);
  }
  const reason = `green task set ${greenTaskSetId} has ${failed.tasks.length} failed tasks, the threshold is ${settings.failedTaskThreshold}`;
  if (!settings.stopDeployments) {
    return decide({ verdict: 'would-stop', reason: `${reason}; not stopping: stopDeployments is false`, deploymentId, failedTasks: reasons }, fields);
  }
  const stopped = await stopWithRollback(scope, deploymentId);
  return decide({
    verdict: stopped,
    reason: stopped === 'stopped' ? `${reason}; stopped with rollback` : `${reason}; the deployment had already ended`,
    deploymentId,
    failedTasks: reasons,
  }, fields);
}

/**
 * The failed tasks of the green task set, the event's own task among them even before ECS lists
 * it. When ECS cannot be read, the event's task alone, with the error, so that a threshold of 1
 * still stops and a higher one retries.
 */
async function countFailed(logger: Logger, lookUp: () => Promise<StoppedTask[]>, task: StoppedTask): Promise<{ tasks: StoppedTask[]; lookupError?: unknown }> {
  try {
    const listed = await lookUp();
    return { tasks: [task, ...listed.filter((t) => t.taskArn !== task.taskArn)] };
  } catch (error) {
    logger.warn('could not list the stopped tasks of the green task set; counting this one', { error: describeError(error) });
    return { tasks: [task], lookupError: error };
  }
}

function summary(task: StoppedTask): Record<string, unknown> {
  return {
    id: task.id,
    kind: judge(task).kind,
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    containers: task.containers.filter((c) => c.exitCode !== undefined || c.reason),
  };
}
