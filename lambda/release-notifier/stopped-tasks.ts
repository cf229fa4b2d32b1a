/**
 * Why the green tasks of a deployment stopped: for a deployment that failed or was stopped with
 * no hook diagnostics and no alarm to blame (green tasks that kept crashing), the stopped tasks
 * of the green task definition say what happened. Two calls at most, whatever the cluster holds.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';

/** The most stopped tasks a message names. */
export const MAX_STOPPED_TASKS = 3;
/** One page of ListTasks, and as many tasks as one DescribeTasks call accepts. */
const LISTED_TASKS = 100;

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));

export interface StoppedContainer {
  readonly name: string;
  readonly exitCode?: number;
  readonly reason?: string;
}

export interface StoppedTask {
  /** The task's id, the last part of its ARN. */
  readonly id: string;
  readonly stoppedAt?: Date;
  readonly stopCode?: string;
  readonly stoppedReason?: string;
  readonly containers: StoppedContainer[];
}

/** `family` of `arn:…:task-definition/family:revision`. */
export function taskDefinitionFamily(taskDefinitionArn: string): string {
  const name = taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
  return name.replace(/:\d+$/, '');
}

/**
 * The most recently stopped tasks of `taskDefinitionArn` in `cluster`, newest first, at most
 * {@link MAX_STOPPED_TASKS}. Needs `ecs:ListTasks` and `ecs:DescribeTasks` on the cluster.
 */
export async function stoppedTasksOf(scope: AwsCallScope, cluster: string, taskDefinitionArn: string): Promise<StoppedTask[]> {
  const { client, sdk } = await ecsApi();
  // ListTasks filters by family only; the revision is matched on the described tasks.
  const listed = await awsCall(scope, 'ecs:ListTasks', (abortSignal) => client.send(new sdk.ListTasksCommand({
    cluster,
    family: taskDefinitionFamily(taskDefinitionArn),
    desiredStatus: 'STOPPED',
    maxResults: LISTED_TASKS,
  }), { abortSignal }), { baseDelayMs: 100 });
  const taskArns = (listed.taskArns ?? []).slice(0, LISTED_TASKS);
  if (taskArns.length === 0) {
    return [];
  }
  const described = await awsCall(scope, 'ecs:DescribeTasks', (abortSignal) =>
    client.send(new sdk.DescribeTasksCommand({ cluster, tasks: taskArns }), { abortSignal }), { baseDelayMs: 100 });
  return (described.tasks ?? [])
    .filter((task) => task.taskDefinitionArn === taskDefinitionArn)
    .sort((a, b) => time(b.stoppedAt) - time(a.stoppedAt))
    .slice(0, MAX_STOPPED_TASKS)
    .map(stoppedTask);
}

function stoppedTask(task: Task): StoppedTask {
  return {
    id: (task.taskArn ?? 'unknown').split('/').pop() ?? 'unknown',
    stoppedAt: task.stoppedAt,
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    containers: (task.containers ?? [])
      .filter((c) => c.exitCode !== undefined || c.reason)
      .map((c) => ({ name: c.name ?? 'unnamed', exitCode: c.exitCode, reason: c.reason })),
  };
}

/** `task 0f3e…: Essential container in task exited (web exit code 1; sidecar: OutOfMemoryError)`. */
export function describeStoppedTask(task: StoppedTask): string {
  const containers = task.containers.map((c) => [
    c.exitCode !== undefined ? `${c.name} exit code ${c.exitCode}` : c.name,
    c.reason,
  ].filter(Boolean).join(': '));
  const why = task.stoppedReason ?? task.stopCode ?? 'no reason given';
  return `task ${task.id}: ${why}${containers.length > 0 ? ` (${containers.join('; ')})` : ''}`;
}

function time(date: Date | undefined): number {
  return date instanceof Date ? date.getTime() : 0;
}
