/**
 * Which stopped tasks count as failures of a task set. Pure functions, no AWS calls.
 *
 * A task that crashed, could not start, or failed a health check is a failure. A task the
 * scheduler stopped because the task set shrank or was drained (scale-in, the end of a deployment,
 * a rollback), a person stopped, or that lost its Spot capacity is not: the new version did
 * nothing wrong.
 */

/** The `detail` of an `ECS Task State Change` event, or a task as DescribeTasks returns it. */
export interface StoppedTaskFields {
  readonly taskArn?: unknown;
  readonly clusterArn?: unknown;
  readonly group?: unknown;
  readonly startedBy?: unknown;
  readonly lastStatus?: unknown;
  readonly stopCode?: unknown;
  readonly stoppedReason?: unknown;
  readonly taskDefinitionArn?: unknown;
  readonly containers?: unknown;
}

export interface StoppedContainer {
  readonly name: string;
  readonly exitCode?: number;
  readonly reason?: string;
}

/** A stopped task, its fields checked. */
export interface StoppedTask {
  readonly taskArn: string;
  /** The last part of the ARN. */
  readonly id: string;
  readonly clusterArn?: string;
  readonly group?: string;
  /** For a task of a task set: the task set's id, `ecs-svc/…`. */
  readonly startedBy?: string;
  readonly lastStatus?: string;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly taskDefinitionArn?: string;
  readonly containers: StoppedContainer[];
}

export type FailureKind = 'failed-to-start' | 'container-exited' | 'health-check';

/** Why a task stopped, as the guard judges it. */
export interface Verdict {
  readonly failed: boolean;
  readonly kind?: FailureKind;
  /** `task 0f3e…: CannotPullContainerError: … (web: …)`, what a person reads. */
  readonly reason: string;
}

/** The task in `fields`, or undefined when it has no task ARN. */
export function stoppedTask(fields: StoppedTaskFields | undefined): StoppedTask | undefined {
  if (!fields || typeof fields !== 'object' || typeof fields.taskArn !== 'string' || fields.taskArn === '') {
    return undefined;
  }
  const containers = Array.isArray(fields.containers) ? fields.containers : [];
  return {
    taskArn: fields.taskArn,
    id: fields.taskArn.split('/').pop() ?? fields.taskArn,
    clusterArn: text(fields.clusterArn),
    group: text(fields.group),
    startedBy: text(fields.startedBy),
    lastStatus: text(fields.lastStatus),
    stopCode: text(fields.stopCode),
    stoppedReason: text(fields.stoppedReason),
    taskDefinitionArn: text(fields.taskDefinitionArn),
    containers: containers
      .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
      .map((c) => ({
        name: text(c.name) ?? 'unnamed',
        exitCode: typeof c.exitCode === 'number' ? c.exitCode : undefined,
        reason: text(c.reason),
      })),
  };
}

/** ECS's reasons for tasks that failed a load balancer or container health check. */
const HEALTH_CHECK_REASON = /failed (elb|container) health checks?/i;

/**
 * Whether `task` failed:
 * - `TaskFailedToStart`: the image could not be pulled, a secret or the log configuration could not
 *   be read, the network interface could not be attached;
 * - `EssentialContainerExited`: an essential container exited. A service's containers have no
 *   business exiting, whatever their exit code; a container stopped by the scheduler or a person
 *   has another stop code;
 * - a failed ELB or container health check, for which the scheduler stops the task
 *   (`ServiceSchedulerInitiated`, told apart from a scale-in by its reason).
 */
export function judge(task: StoppedTask): Verdict {
  const reason = describeStoppedTask(task);
  if (task.stopCode === 'TaskFailedToStart') {
    return { failed: true, kind: 'failed-to-start', reason };
  }
  if (task.stoppedReason !== undefined && HEALTH_CHECK_REASON.test(task.stoppedReason)) {
    return { failed: true, kind: 'health-check', reason };
  }
  if (task.stopCode === 'EssentialContainerExited') {
    return { failed: true, kind: 'container-exited', reason };
  }
  return { failed: false, reason };
}

/** `task 0f3e…: Essential container in task exited (web exit code 1; sidecar: OutOfMemoryError)`. */
export function describeStoppedTask(task: StoppedTask): string {
  const containers = task.containers
    .filter((c) => c.exitCode !== undefined || c.reason)
    .map((c) => [c.exitCode !== undefined ? `${c.name} exit code ${c.exitCode}` : c.name, c.reason].filter(Boolean).join(': '));
  const why = task.stoppedReason ?? task.stopCode ?? 'no reason given';
  return `task ${task.id}: ${why}${containers.length > 0 ? ` (${containers.join('; ')})` : ''}`;
}

/** `family` of `arn:…:task-definition/family:revision`. */
export function taskDefinitionFamily(taskDefinitionArn: string): string {
  const name = taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
  return name.replace(/:\d+$/, '');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
