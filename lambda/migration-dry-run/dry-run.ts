/**
 * The migration dry run a release pipeline runs before a production approval: one ECS task of the
 * release's task definition whose application container runs the migration's dry-run command
 * instead of its own; its output is the plan the approver reads.
 *
 * The task definition is the release's: on the CodeDeploy engine the stage's `taskdef.json` (what
 * CodeDeploy registers) with the release's image, on the Amazon ECS engine the service's current
 * task definition with the release's image (what the stack update registers). The revision
 * registered for the run is deregistered after it.
 *
 * Every path ends in one result or one thrown error, and a task that was started is stopped
 * unless it was seen stopped: the run's timeout, an AWS error while it runs, a signal.
 */
import { randomUUID } from 'crypto';
import {
  DeregisterTaskDefinitionCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient,
  RegisterTaskDefinitionCommand, RegisterTaskDefinitionCommandInput, RunTaskCommand, StopTaskCommand, Task,
} from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IMAGE_PLACEHOLDER, READ_ONLY_TASK_DEFINITION_FIELDS } from '../../contract/artifacts';
import { DRY_RUN_DEFAULTS, DRY_RUN_STARTED_BY, DRY_RUN_SUMMARY_MAX_LENGTH, MigrationDryRunConfig } from '../../contract/migration-dry-run';
import { clientConfig, lazy } from '../shared/clients';
import { errorMessage } from '../shared/logger';
import { sleep as defaultSleep, withRetry } from '../shared/retry';
import { logStreamConsoleUrl, logStreamName } from '../shared/task-logs';

const ecs = lazy(() => new ECSClient(clientConfig()));
const cloudWatchLogs = lazy(() => new CloudWatchLogsClient(clientConfig()));

/** What one dry run is given. */
export interface DryRunInput {
  readonly config: MigrationDryRunConfig;
  /** The release's image, by digest. */
  readonly image: string;
  /** The region, for the console link. */
  readonly region: string;
  /** The stage's `taskdef.json`, parsed, when the config names one. */
  readonly taskDefinitionRequest?: Record<string, unknown>;
}

/** What the dry run found. */
export interface DryRunResult {
  readonly succeeded: boolean;
  /** The application container's exit code, when it has one. */
  readonly exitCode?: number;
  /** Why the dry run failed, or that it passed. */
  readonly verdict: string;
  /** One line for the approver: the verdict and the output's last lines. */
  readonly summary: string;
  /** The container's output, or a sentence saying why there is none. */
  readonly output: string;
  /** CloudWatch Logs console link to the container's log stream. */
  readonly logUrl?: string;
}

/** Seams for tests: time and progress lines. */
export interface DryRunOptions {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly progress?: (line: string) => void;
  /** Aborted (a signal to the build): the task is stopped and the run throws. */
  readonly signal?: AbortSignal;
}

/** An AWS call with the shared backoff; the client makes one attempt, so retries do not multiply. */
function call<T>(operation: () => Promise<T>): Promise<T> {
  return withRetry(() => operation(), { maxAttempts: 5 });
}

/** Runs the dry run and returns what it found; throws on an AWS error it cannot get past, after stopping its task. */
export async function runDryRun(input: DryRunInput, options: DryRunOptions = {}): Promise<DryRunResult> {
  const { config } = input;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => defaultSleep(ms, options.signal));
  const progress = options.progress ?? ((line: string) => console.log(line));
  const timeoutMs = (config.timeoutSeconds ?? DRY_RUN_DEFAULTS.timeoutSeconds) * 1000;
  const pollMs = (config.pollIntervalSeconds ?? DRY_RUN_DEFAULTS.pollIntervalSeconds) * 1000;

  const request = input.taskDefinitionRequest
    ? withImage(input.taskDefinitionRequest, input.image, config)
    : await currentTaskDefinitionWithImage(config, input.image);
  const registered = await call(() => ecs().send(new RegisterTaskDefinitionCommand(request)));
  const taskDefinitionArn = registered.taskDefinition?.taskDefinitionArn;
  if (!taskDefinitionArn) {
    throw new Error('ecs:RegisterTaskDefinition answered without a task definition ARN');
  }
  progress(`registered ${taskDefinitionArn} with the release's image ${input.image}`);
  try {
    return await runTask(input, taskDefinitionArn, { now, sleep, progress, timeoutMs, pollMs, signal: options.signal });
  } finally {
    // The revision served this run only; a failure to remove it leaves a harmless revision behind.
    await call(() => ecs().send(new DeregisterTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })))
      .then(() => progress(`deregistered ${taskDefinitionArn}`))
      .catch((error: unknown) => progress(`could not deregister ${taskDefinitionArn} (${errorMessage(error)}); it is unused, deregister it by hand`));
  }
}

interface RunSettings {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly progress: (line: string) => void;
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly signal?: AbortSignal;
}

async function runTask(input: DryRunInput, taskDefinitionArn: string, run: RunSettings): Promise<DryRunResult> {
  const { config } = input;
  const clientToken = randomUUID();
  const started = await call(() => ecs().send(new RunTaskCommand({
    cluster: config.clusterArn,
    taskDefinition: taskDefinitionArn,
    launchType: 'FARGATE',
    ...(config.platformVersion ? { platformVersion: config.platformVersion } : {}),
    count: 1,
    startedBy: DRY_RUN_STARTED_BY,
    // A retried RunTask (a timed-out attempt that did start the task) returns that task instead of starting a second one.
    clientToken,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: config.subnets,
        securityGroups: config.securityGroups,
        assignPublicIp: config.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    overrides: {
      containerOverrides: [{
        name: config.containerName,
        command: config.command,
        ...(config.environment && config.environment.length > 0 ? { environment: [...config.environment] } : {}),
      }],
    },
  })));
  const taskArn = started.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const failures = (started.failures ?? []).map((f) => [f.arn, f.reason, f.detail].filter(Boolean).join(': ')).join('; ');
    const verdict = `the dry-run task did not start: ${failures || 'ecs:RunTask returned no task'}`;
    return { succeeded: false, verdict, summary: summaryOf(verdict, ''), output: '' };
  }
  run.progress(`started ${taskArn}: ${config.command.join(' ')}`);
  const deadline = run.now() + run.timeoutMs;
  let stopped: Task | undefined;
  try {
    stopped = await waitForStop(config.clusterArn, taskArn, deadline, run);
  } finally {
    if (!stopped) {
      await call(() => ecs().send(new StopTaskCommand({ cluster: config.clusterArn, task: taskArn, reason: 'migration dry run ended before the task did' })))
        .then(() => run.progress(`stopped ${taskArn}`))
        .catch((error: unknown) => run.progress(`could not stop ${taskArn}: ${errorMessage(error)}; stop it by hand`));
    }
  }
  const stream = config.logStreamPrefix ? logStreamName(config.logStreamPrefix, config.containerName, taskArn) : undefined;
  const logUrl = config.logGroupName && stream ? logStreamConsoleUrl(input.region, config.logGroupName, stream) : undefined;
  const output = await settledOutput(config.logGroupName, stream, run);
  if (!stopped) {
    const verdict = `the dry run did not finish within ${Math.round(run.timeoutMs / 1000)} seconds and was stopped`;
    return { succeeded: false, verdict, summary: summaryOf(verdict, output), output, ...(logUrl ? { logUrl } : {}) };
  }
  const container = stopped.containers?.find((c) => c.name === config.containerName);
  const exitCode = typeof container?.exitCode === 'number' ? container.exitCode : undefined;
  const succeeded = exitCode === 0;
  const facts = [
    container ? (exitCode === undefined ? `container ${config.containerName} has no exit code` : `exit code ${exitCode}`)
      : `container ${config.containerName} not found in the task`,
    ...(!succeeded && container?.reason ? [`container reason: ${container.reason}`] : []),
    ...(!succeeded && stopped.stoppedReason ? [`stopped reason: ${stopped.stoppedReason}`] : []),
  ];
  const verdict = `${succeeded ? 'the dry run passed' : 'the dry run failed'} (${facts.join('; ')})`;
  return { succeeded, ...(exitCode === undefined ? {} : { exitCode }), verdict, summary: summaryOf(verdict, output), output, ...(logUrl ? { logUrl } : {}) };
}

/** Polls the task until it is STOPPED (returned) or the deadline passes (undefined). */
async function waitForStop(cluster: string, taskArn: string, deadline: number, run: RunSettings): Promise<Task | undefined> {
  let last = '';
  for (;;) {
    run.signal?.throwIfAborted();
    const described = await call(() => ecs().send(new DescribeTasksCommand({ cluster, tasks: [taskArn] })));
    const task = described.tasks?.find((t) => t.taskArn === taskArn);
    if (task?.lastStatus === 'STOPPED') {
      return task;
    }
    if (task?.lastStatus && task.lastStatus !== last) {
      last = task.lastStatus;
      run.progress(`task ${last}`);
    }
    const left = deadline - run.now();
    if (left <= 0) {
      return undefined;
    }
    await run.sleep(Math.min(run.pollMs, left));
  }
}

/** Reads of a log stream that is still empty or missing: the awslogs driver may deliver the last lines a little after the task stops. */
const LOG_READS = 3;
const LOG_SETTLE_MS = 5000;

/** The container's output, read again a little later while the stream has none yet. */
async function settledOutput(logGroupName: string | undefined, logStreamName: string | undefined, run: RunSettings): Promise<string> {
  let output = await readOutput(logGroupName, logStreamName);
  for (let read = 1; read < LOG_READS && output.startsWith('(no output in ') && logStreamName; read++) {
    await run.sleep(LOG_SETTLE_MS);
    output = await readOutput(logGroupName, logStreamName);
  }
  return output;
}

/** The container's log, oldest first; the oldest part dropped beyond the cap; a sentence when it cannot be read. */
async function readOutput(logGroupName: string | undefined, logStreamName: string | undefined): Promise<string> {
  if (!logGroupName || !logStreamName) {
    return '(no output: the container has no awslogs log group known to the dry run)';
  }
  const lines: string[] = [];
  let bytes = 0;
  let dropped = false;
  let token: string | undefined;
  try {
    for (let page = 0; page < 1000; page++) {
      const answer = await call(() => cloudWatchLogs().send(new GetLogEventsCommand({
        logGroupName, logStreamName, startFromHead: true, ...(token ? { nextToken: token } : {}),
      })));
      for (const event of answer.events ?? []) {
        const line = event.message ?? '';
        lines.push(line);
        bytes += line.length + 1;
        while (bytes > DRY_RUN_DEFAULTS.maxOutputBytes && lines.length > 1) {
          bytes -= lines.shift()!.length + 1;
          dropped = true;
        }
      }
      // GetLogEvents answers the token it was given once the stream's end is reached.
      if (!answer.nextForwardToken || answer.nextForwardToken === token || (answer.events ?? []).length === 0) {
        break;
      }
      token = answer.nextForwardToken;
    }
  } catch (error) {
    if (lines.length === 0 && (error as { name?: unknown }).name === 'ResourceNotFoundException') {
      return `(no output in ${logGroupName} ${logStreamName}: the stream does not exist; the container may not have started)`;
    }
    const read = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    return `${read}(the output could not be read from ${logGroupName} ${logStreamName}: ${errorMessage(error)})`;
  }
  if (lines.length === 0) {
    return `(no output in ${logGroupName} ${logStreamName})`;
  }
  return `${dropped ? '(the first part of the output is left out: it is longer than 1 MB)\n' : ''}${lines.join('\n')}`;
}

/** The service's current task definition as a RegisterTaskDefinition request, with the release's image in the application container. */
async function currentTaskDefinitionWithImage(config: MigrationDryRunConfig, image: string): Promise<RegisterTaskDefinitionCommandInput> {
  const services = await call(() => ecs().send(new DescribeServicesCommand({ cluster: config.clusterArn, services: [config.serviceName] })));
  const current = services.services?.[0]?.taskDefinition;
  if (!current) {
    throw new Error(`service ${config.serviceName} of ${config.clusterArn} has no task definition: `
      + `${(services.failures ?? []).map((f) => f.reason).join('; ') || 'ecs:DescribeServices named none'}`);
  }
  const described = await call(() => ecs().send(new DescribeTaskDefinitionCommand({ taskDefinition: current })));
  if (!described.taskDefinition) {
    throw new Error(`ecs:DescribeTaskDefinition answered no task definition for ${current}`);
  }
  const request: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(described.taskDefinition)) {
    if (!READ_ONLY_TASK_DEFINITION_FIELDS.includes(key) && value !== undefined) {
      request[key] = value;
    }
  }
  const containers = (request.containerDefinitions ?? []) as Array<Record<string, unknown>>;
  if (!containers.some((c) => c.name === config.containerName)) {
    throw new Error(`the task definition ${current} has no container ${config.containerName}`);
  }
  request.containerDefinitions = containers.map((c) => (c.name === config.containerName ? { ...c, image } : c));
  return request as unknown as RegisterTaskDefinitionCommandInput;
}

/** The stage's taskdef.json with the release's image for its placeholder. */
function withImage(request: Record<string, unknown>, image: string, config: MigrationDryRunConfig): RegisterTaskDefinitionCommandInput {
  const placeholder = config.imagePlaceholder ?? IMAGE_PLACEHOLDER;
  const text = JSON.stringify(request);
  if (!text.includes(JSON.stringify(placeholder))) {
    throw new Error(`${config.taskDefinitionFile ?? 'the task definition file'} has no image ${placeholder} to put the release's image in`);
  }
  return JSON.parse(text.split(JSON.stringify(placeholder)).join(JSON.stringify(image))) as RegisterTaskDefinitionCommandInput;
}

/**
 * The verdict and the output's last lines on one line, within the summary's limit: the end of
 * the output is what a migration tool prints its plan's totals with.
 */
export function summaryOf(verdict: string, output: string): string {
  // Control characters (colour codes, tabs) become spaces: the summary is one line of plain text.
  const flat = (text: string) => [...text].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('')
    .replace(/\s+/g, ' ').trim();
  const head = `${flat(verdict.charAt(0).toUpperCase() + verdict.slice(1))}.`;
  const lines = output.split('\n').map(flat).filter((line) => line.length > 0);
  const room = DRY_RUN_SUMMARY_MAX_LENGTH - head.length - 1;
  if (room < 10 || lines.length === 0) {
    return head.length <= DRY_RUN_SUMMARY_MAX_LENGTH ? head : `${head.slice(0, DRY_RUN_SUMMARY_MAX_LENGTH - 3)}...`;
  }
  let tail = '';
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = tail === '' ? lines[i] : `${lines[i]} / ${tail}`;
    if (next.length > room) {
      if (tail === '') {
        tail = `...${lines[i].slice(lines[i].length - room + 3)}`;
      }
      break;
    }
    tail = next;
  }
  return `${head} ${tail}`;
}
