/**
 * The migration hook's decisions about an ECS task, kept free of AWS calls.
 */
import type { Task } from '@aws-sdk/client-ecs';
import { logStreamConsoleUrl, logStreamName } from '../shared/task-logs';

export { logStreamConsoleUrl } from '../shared/task-logs';

export type TaskOutcome =
  | { readonly state: 'running'; readonly lastStatus: string }
  | { readonly state: 'succeeded'; readonly detail: string; readonly exitCode: number; readonly logUrl?: string }
  | { readonly state: 'failed'; readonly reason: string; readonly exitCode?: number; readonly logUrl?: string };

/** Where the migration container's awslogs output goes. */
export interface LogLocation {
  readonly region?: string;
  readonly logGroupName?: string;
  readonly logStreamPrefix?: string;
}

/** A sentence naming the task's logs, or an empty string when the log location is not configured. */
export function describeLogs(log: LogLocation, containerName: string, taskArn: string): string {
  if (!log.logStreamPrefix || !log.logGroupName) {
    return `task ${taskArn}`;
  }
  const stream = logStreamName(log.logStreamPrefix, containerName, taskArn);
  const link = log.region ? ` (${logStreamConsoleUrl(log.region, log.logGroupName, stream)})` : '';
  return `logs: ${log.logGroupName} ${stream}${link}`;
}

/** The task's log stream in the CloudWatch console, when the log location is configured. */
export function logUrlOf(log: LogLocation, containerName: string, taskArn: string): string | undefined {
  return log.region && log.logGroupName && log.logStreamPrefix
    ? logStreamConsoleUrl(log.region, log.logGroupName, logStreamName(log.logStreamPrefix, containerName, taskArn))
    : undefined;
}

/**
 * Decides from a described task: still running, succeeded (the migration container exited 0), or
 * failed, with a reason that names the exit code, the stop code and reason, and the logs.
 */
export function decideTaskOutcome(task: Task, containerName: string, log: LogLocation): TaskOutcome {
  const lastStatus = task.lastStatus ?? 'UNKNOWN';
  if (lastStatus !== 'STOPPED') {
    return { state: 'running', lastStatus };
  }
  const taskArn = task.taskArn ?? 'unknown task';
  const container = (task.containers ?? []).find((c) => c.name === containerName);
  const logs = describeLogs(log, containerName, taskArn);
  const logUrl = logUrlOf(log, containerName, taskArn);
  const found = { ...(logUrl ? { logUrl } : {}) };
  if (container?.exitCode === 0) {
    return { state: 'succeeded', detail: `container ${containerName} exited with code 0; ${logs}`, exitCode: 0, ...found };
  }
  const facts: string[] = [];
  if (!container) {
    facts.push(`container ${containerName} not found in the task`);
  } else if (container.exitCode !== undefined && container.exitCode !== null) {
    facts.push(`container ${containerName} exited with code ${container.exitCode}`);
  } else {
    facts.push(`container ${containerName} has no exit code`);
  }
  if (container?.reason) {
    facts.push(`container reason: ${container.reason}`);
  }
  if (task.stopCode) {
    facts.push(`stop code ${task.stopCode}`);
  }
  if (task.stoppedReason) {
    facts.push(`stopped reason: ${task.stoppedReason}`);
  }
  const exitCode = typeof container?.exitCode === 'number' ? { exitCode: container.exitCode } : {};
  return { state: 'failed', reason: `migration failed: ${facts.join('; ')}; ${logs}`, ...exitCode, ...found };
}

/**
 * Of the tasks already started for this deployment (a retried or resumed invocation), the one to
 * follow: a task still running first, else the most recently created one.
 */
export function pickExistingTask(tasks: Task[]): Task | undefined {
  if (tasks.length === 0) {
    return undefined;
  }
  const created = (t: Task) => (t.createdAt ? t.createdAt.getTime() : 0);
  const sorted = [...tasks].sort((a, b) => created(b) - created(a));
  return sorted.find((t) => t.lastStatus !== 'STOPPED') ?? sorted[0];
}
