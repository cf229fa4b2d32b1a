/**
 * The migration hook body: runs one ECS task from the green task definition with the migration
 * command, once per deployment, and decides by the migration container's exit code.
 *
 * One run of the body either starts (or finds) the task and polls it once; while the task runs
 * it returns InProgress with `{ taskArn, startedAt }`, and the runtime runs it again after the
 * poll interval, handing over to a fresh invocation when this one's time runs low. Whenever the
 * runtime fails the hook while the task may still run (an error, its deadline, the hook's total
 * time, a hand-over that cannot be made), {@link stopMigrationTask} stops the task first, so a
 * rolled-back deployment leaves no migration behind.
 *
 * At most once: a delivery finds the task already started by its `startedBy` (and RunTask's
 * client token makes a retried start return that task); one that finds none starts a task only
 * while the hook's lifecycle event is still in progress, since a stopped task may no longer be
 * listed when the event is delivered again.
 */
import type { ECSTarget } from '@aws-sdk/client-codedeploy';
import type { Failure, Task } from '@aws-sdk/client-ecs';
import { MIGRATION_DEPLOYMENT_TAG_KEY } from '../../contract/migration';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { awsRegion, clientConfig, lazy } from '../shared/clients';
import { ecsDeploymentTarget } from '../shared/deployment-target';
import { answerOf, objectList, stringList } from '../shared/answer';
import { greenTaskDefinitionArn, serviceRevisionTaskDefinitionArn } from '../shared/deployed-task-definition';
import {
  FailureCleanupScope, HookContext, HookExecution, HookOutcome, failed, formatSeconds, inProgress, succeeded, truncate,
} from '../shared/hook';
import { describeError } from '../shared/logger';
import { MigrationSettings, loadMigrationSettings } from './config';
import { decideTaskOutcome, describeLogs, pickExistingTask } from './decide';

/** Carried from one run of the body to the next. */
export interface MigrationState {
  readonly taskArn: string;
  /** ISO 8601 time at which the task was created; the total deadline counts from it. */
  readonly startedAt: string;
}

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));

/** ECS accepts up to 36 characters of letters, digits, `-`, `_` and `/` in `startedBy` on every API version. */
const STARTED_BY_MAX_LENGTH = 36;

/** Reserve kept before the runtime's own total deadline to stop the task and report. */
const STOP_RESERVE_MS = 15_000;

/**
 * The value the migration task is started with and found again by: the deployment's id
 * (`d-XXXXXXXXX` under CodeDeploy, the service deployment's id under Amazon ECS).
 */
export function deploymentKey(execution: HookExecution): string {
  const raw = execution.engine === 'codedeploy'
    ? execution.deploymentId
    : (execution.resourceArn?.split('/').pop() || execution.executionId);
  if (!raw) {
    throw new Error('the hook event carries no deployment id to tag the migration task with');
  }
  return raw.replace(/[^A-Za-z0-9_/-]/g, '-').slice(0, STARTED_BY_MAX_LENGTH);
}

/** Lifecycle event statuses after which CodeDeploy accepts no further report for the event. */
const FINISHED_EVENT_STATUSES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Skipped']);

/**
 * Under CodeDeploy, whether the hook's lifecycle event is already over for this deployment: the
 * same event delivered again after the migration task has stopped (an asynchronous retry, or
 * CodeDeploy invoking again) may no longer find that task, since stopped tasks age out of
 * ListTasks, and would otherwise run the migration a second time. Returns the outcome to report
 * instead of starting a task; CodeDeploy answers that report with
 * LifecycleEventAlreadyCompletedException, which the runtime counts as done. The outcome repeats
 * the event's own verdict, so that it could never turn a failed event into a passed one.
 *
 * An event missing from the target, or one not yet finished (Pending, Unknown), does not block
 * the migration: a shape this code does not recognize must not stop deployments.
 */
function finishedEventOutcome(
  context: HookContext<unknown>,
  settings: MigrationSettings,
  target: ECSTarget,
): HookOutcome<MigrationState> | undefined {
  const name = settings.lifecycleEventName;
  const events = target.lifecycleEvents ?? [];
  const status = events.find((event) => event.lifecycleEventName === name)?.status;
  if (!status) {
    context.logger.warn('lifecycle event not found in the deployment target; starting the migration task anyway', {
      lifecycleEventName: name,
      lifecycleEvents: events.map((event) => `${event.lifecycleEventName}:${event.status}`),
    });
    return undefined;
  }
  if (!FINISHED_EVENT_STATUSES.has(status)) {
    if (status !== 'InProgress') {
      context.logger.warn('lifecycle event is not in progress but not finished either; starting the migration task', {
        lifecycleEventName: name, status,
      });
    }
    return undefined;
  }
  const reason = `lifecycle event ${name} is already ${status}; not starting a second migration`;
  context.logger.info('decision', {
    check: 'lifecycle event still waiting for the migration',
    expectation: 'InProgress',
    observed: status,
    verdict: 'skip',
    lifecycleEventName: name,
    detail: reason,
  });
  return status === 'Succeeded' ? succeeded(reason) : failed(reason);
}

async function greenTaskDefinition(
  context: HookContext<unknown>,
  settings: MigrationSettings,
  deploymentTarget: ECSTarget | undefined,
): Promise<string> {
  const execution = context.execution;
  if (execution.engine === 'ecs') {
    const revisionArn = execution.executionDetails?.targetServiceRevisionArn;
    if (typeof revisionArn !== 'string') {
      throw new Error('the Amazon ECS hook event carries no targetServiceRevisionArn');
    }
    return serviceRevisionTaskDefinitionArn(context, revisionArn);
  }
  return greenTaskDefinitionArn(context, execution.deploymentId,
    { cluster: settings.clusterArn, service: settings.serviceName }, deploymentTarget);
}

async function describeTasks(scope: AwsCallScope, cluster: string, taskArns: string[]): Promise<Task[]> {
  if (taskArns.length === 0) {
    return [];
  }
  const { client, sdk } = await ecsApi();
  const call = 'ecs:DescribeTasks';
  const described = answerOf(call, await awsCall(scope, call, (abortSignal) =>
    client.send(new sdk.DescribeTasksCommand({ cluster, tasks: taskArns }), { abortSignal })));
  const tasks = objectList<Task>(call, described, 'tasks');
  // decideTaskOutcome walks each task's containers.
  tasks.forEach((task, index) => objectList(call, task, 'containers', { where: `task ${task.taskArn ?? index}` }));
  return tasks;
}

/**
 * Tasks already started for this deployment, running or stopped (ECS keeps stopped tasks about an
 * hour). The first listing relies on ListTasks' default desired status, RUNNING, since the API
 * documents `startedBy` as a filter to use alone; should ECS refuse it combined with
 * `desiredStatus: STOPPED`, the stopped ones are skipped and RunTask's client token still keeps a
 * retried start from launching a second task.
 */
async function findExistingTask(context: HookContext<unknown>, cluster: string, startedBy: string): Promise<Task | undefined> {
  const arns = await listTaskArns(context, cluster, startedBy);
  try {
    arns.push(...await listTaskArns(context, cluster, startedBy, 'STOPPED'));
  } catch (error) {
    if ((error as { name?: string }).name !== 'InvalidParameterException') {
      throw error;
    }
    context.logger.warn('could not list stopped tasks by startedBy; looking at running ones only', { error: describeError(error) });
  }
  return pickExistingTask(await describeTasks(context, cluster, arns.slice(0, 100)));
}

/** The tasks started with `startedBy` on the cluster, running (ListTasks' default) or stopped. */
async function listTaskArns(scope: AwsCallScope, cluster: string, startedBy: string, desiredStatus?: 'STOPPED'): Promise<string[]> {
  const { client, sdk } = await ecsApi();
  const call = 'ecs:ListTasks';
  const listed = answerOf(call, await awsCall(scope, call, (abortSignal) =>
    client.send(new sdk.ListTasksCommand({ cluster, startedBy, ...(desiredStatus ? { desiredStatus } : {}) }), { abortSignal })));
  return stringList(call, listed, 'taskArns');
}

async function startTask(
  context: HookContext<unknown>,
  settings: MigrationSettings,
  key: string,
): Promise<MigrationState | HookOutcome<MigrationState>> {
  const execution = context.execution;
  const target = execution.engine === 'codedeploy' ? await ecsDeploymentTarget(context, execution.deploymentId) : undefined;
  const finished = target && finishedEventOutcome(context, settings, target);
  if (finished) {
    return finished;
  }
  const taskDefinition = await greenTaskDefinition(context, settings, target);
  const { client, sdk } = await ecsApi();
  const containerOverride = {
    name: settings.containerName,
    ...(settings.command ? { command: settings.command } : {}),
    ...(settings.environment ? { environment: settings.environment } : {}),
  };
  const result = answerOf('ecs:RunTask', await awsCall(context, 'ecs:RunTask', (abortSignal) => client.send(new sdk.RunTaskCommand({
    cluster: settings.clusterArn,
    taskDefinition,
    count: 1,
    launchType: settings.launchType,
    ...(settings.platformVersion ? { platformVersion: settings.platformVersion } : {}),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: settings.subnets,
        securityGroups: settings.securityGroups.length > 0 ? settings.securityGroups : undefined,
        assignPublicIp: settings.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    overrides: { containerOverrides: [containerOverride] },
    startedBy: key,
    tags: [{ key: MIGRATION_DEPLOYMENT_TAG_KEY, value: key }],
    // The same token on a retried call returns the task already started instead of a second one.
    clientToken: `migration-${key}`,
  }), { abortSignal })));
  const task = objectList<Task>('ecs:RunTask', result, 'tasks')[0];
  if (!task?.taskArn) {
    const reasons = objectList<Failure>('ecs:RunTask', result, 'failures').map((f) => [f.reason, f.detail].filter(Boolean).join(': ')).join('; ');
    context.logger.info('decision', {
      check: 'migration task start',
      expectation: 'RunTask starts one task',
      observed: reasons || 'no task and no failure',
      verdict: 'fail',
      taskDefinition,
    });
    return failed(`migration task could not start from ${taskDefinition}: ${reasons || 'RunTask returned no task'}`);
  }
  context.logger.info('migration task started', { taskArn: task.taskArn, taskDefinition, startedBy: key });
  return { taskArn: task.taskArn, startedAt: (task.createdAt ?? new Date()).toISOString() };
}

/** When the task must be stopped: its own deadline, or just before the hook's total one, if earlier. */
function stopDeadline(context: HookContext<MigrationState>, settings: MigrationSettings, state: MigrationState): number {
  const taskDeadline = Date.parse(state.startedAt) + settings.totalDeadlineSeconds * 1000;
  return Math.min(taskDeadline, context.totalDeadline - STOP_RESERVE_MS - settings.pollIntervalSeconds * 1000);
}

export async function migrationBody(context: HookContext<MigrationState>): Promise<HookOutcome<MigrationState>> {
  return runMigration(context, loadMigrationSettings(), context.continuation?.state);
}

async function runMigration(
  context: HookContext<MigrationState>,
  settings: MigrationSettings,
  continued: MigrationState | undefined,
): Promise<HookOutcome<MigrationState>> {
  const cluster = settings.clusterArn;
  const log = { region: awsRegion(), logGroupName: settings.logGroupName, logStreamPrefix: settings.logStreamPrefix };

  let state = continued;
  if (!state) {
    const key = deploymentKey(context.execution);
    const existing = await findExistingTask(context, cluster, key);
    if (existing?.taskArn) {
      context.logger.info('migration task already started for this deployment, following it', {
        taskArn: existing.taskArn,
        lastStatus: existing.lastStatus,
        startedBy: key,
      });
      state = { taskArn: existing.taskArn, startedAt: (existing.createdAt ?? new Date()).toISOString() };
    } else {
      const started = await startTask(context, settings, key);
      if ('status' in started) {
        return started;
      }
      state = started;
    }
    // From here a Failed decided by the runtime stops this task (stopMigrationTask).
    context.checkpoint(state);
  }

  context.progress(`waiting for migration task ${state.taskArn}`);
  const [task] = await describeTasks(context, cluster, [state.taskArn]);
  if (!task) {
    return failed(`migration task ${state.taskArn} is no longer known to ECS`);
  }
  const outcome = decideTaskOutcome(task, settings.containerName, log);
  const elapsedMs = Date.now() - Date.parse(state.startedAt);
  if (outcome.state === 'succeeded') {
    context.logger.info('decision', {
      check: 'migration', expectation: 'exit code 0', observed: 'exit code 0', verdict: 'pass', taskArn: state.taskArn, elapsedMs,
    });
    return succeeded(`migration succeeded: ${outcome.detail}`, { exitCode: outcome.exitCode, ...(outcome.logUrl ? { logUrl: outcome.logUrl } : {}) });
  }
  if (outcome.state === 'failed') {
    context.logger.info('decision', {
      check: 'migration', expectation: 'exit code 0', observed: outcome.reason, verdict: 'fail', taskArn: state.taskArn, elapsedMs,
    });
    return failed(outcome.reason, {
      ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}), ...(outcome.logUrl ? { logUrl: outcome.logUrl } : {}),
    });
  }

  const deadline = stopDeadline(context, settings, state);
  if (Date.now() >= deadline) {
    const limit = formatSeconds(deadline - Date.parse(state.startedAt));
    const reason = `migration did not finish within ${limit} (task ${outcome.lastStatus}); stopped it`;
    await stopTask(context, cluster, state.taskArn, `migration deadline of ${limit} reached`);
    context.logger.info('decision', {
      check: 'migration', expectation: `stops within ${limit}`, observed: `still ${outcome.lastStatus}`, verdict: 'fail', taskArn: state.taskArn, elapsedMs,
    });
    return failed(`${reason}; ${describeLogs(log, settings.containerName, state.taskArn)}`);
  }
  const delaySeconds = Math.max(0, Math.min(settings.pollIntervalSeconds, (deadline - Date.now()) / 1000));
  return inProgress(state, { delaySeconds, reason: `migration task ${outcome.lastStatus}` });
}

/** ECS keeps at most this many characters of a stop reason. */
const STOP_REASON_MAX_LENGTH = 255;

async function stopTask(scope: AwsCallScope, cluster: string, taskArn: string, why: string): Promise<void> {
  const { client, sdk } = await ecsApi();
  await awsCall(scope, 'ecs:StopTask', (abortSignal) => client.send(new sdk.StopTaskCommand({
    cluster,
    task: taskArn,
    reason: truncate(`cdk-ecs-release: ${why}`, STOP_REASON_MAX_LENGTH),
  }), { abortSignal }));
  scope.logger.info('migration task stopped', { taskArn, reason: why });
}

/**
 * The hook's failure cleanup: before any Failed the runtime decides (an error, the deadline, the
 * hook's total time, a hand-over that cannot be made) it stops the migration task, so that a
 * deployment that rolls back leaves no migration running against its database. The state names
 * the task; without one (RunTask called, its answer lost) the task is found by its `startedBy`.
 * Never throws: the failure is reported either way.
 */
export async function stopMigrationTask(scope: FailureCleanupScope<MigrationState>): Promise<void> {
  let cluster: string;
  let startedBy: string;
  try {
    cluster = loadMigrationSettings().clusterArn;
    startedBy = deploymentKey(scope.execution);
  } catch (error) {
    // Without its configuration or a deployment id the body cannot have started a task either.
    scope.logger.debug('no migration task to stop', { error: describeError(error) });
    return;
  }
  try {
    const taskArns = scope.state?.taskArn ? [scope.state.taskArn] : await listTaskArns(scope, cluster, startedBy);
    await Promise.all(taskArns.map((taskArn) => stopTask(scope, cluster, taskArn, `hook failed: ${scope.reason}`)));
  } catch (error) {
    scope.logger.error('could not stop the migration task; it may still be running', { error: describeError(error) });
  }
}
