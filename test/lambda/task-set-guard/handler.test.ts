/**
 * The failed-task-set guard: stops and rolls back a deployment on the N-th failed task of its green
 * task set, never on blue's tasks, drained or scaled-in tasks, or a deployment already stopped;
 * the same however often an event is delivered; and throws (for Lambda to retry) only when nothing
 * was stopped. Each case runs twice: with the configuration in the environment and the bare event
 * (a function of one service's own), and with the configuration and the event in the input (the
 * function the stack's services share).
 */
import {
  CodeDeployClient, GetDeploymentCommand, ListDeploymentsCommand, StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, Task } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { TASK_SET_GUARD_CONFIG_ENV, TaskSetGuardConfig, TaskSetGuardInput } from '../../../contract/task-set-guard';
import { TaskStateChangeEvent, handler } from '../../../lambda/task-set-guard';
import { CapturedLogs, awsError, captureLogs, decisionLines, fakeContext, stubDeploymentTarget } from '../helpers';

const codeDeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);

const CLUSTER = 'arn:aws:ecs:eu-west-1:111122223333:cluster/orders';
const GREEN = 'ecs-svc/2222222222222222222';
const BLUE = 'ecs-svc/1111111111111111111';
const GREEN_TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:43';
const DEPLOYMENT = 'd-GREEN0001';
const CONFIG: TaskSetGuardConfig = {
  applicationName: 'orders-app', deploymentGroupName: 'orders-prod', clusterArn: CLUSTER, serviceName: 'orders-api', displayName: 'orders-api',
};

/** What ECS lists as stopped: the tasks whose events were delivered so far. */
let stopped: Task[];
let logs: CapturedLogs;

/** Where the handler finds the configuration: its environment, or its input beside the event. */
type ConfigSource = 'environment' | 'input';
let source: ConfigSource;
let guardConfig: TaskSetGuardConfig | undefined;

function configure(config: TaskSetGuardConfig | undefined): void {
  guardConfig = config;
  if (source === 'environment' && config) {
    process.env[TASK_SET_GUARD_CONFIG_ENV] = JSON.stringify(config);
  } else {
    delete process.env[TASK_SET_GUARD_CONFIG_ENV];
  }
}

/** The event as the configuration's source delivers it: bare, or wrapped by the rule's input transformer. */
function send(event: TaskStateChangeEvent): ReturnType<typeof handler> {
  const input: TaskSetGuardInput<TaskStateChangeEvent> = { guard: guardConfig!, event };
  return handler(source === 'environment' ? event : input, fakeContext());
}

function task(id: string, fields: Partial<Task> = {}): Task {
  return {
    taskArn: `arn:aws:ecs:eu-west-1:111122223333:task/orders/${id}`,
    clusterArn: CLUSTER,
    group: 'service:orders-api',
    startedBy: GREEN,
    lastStatus: 'STOPPED',
    taskDefinitionArn: GREEN_TASK_DEFINITION,
    containers: [],
    ...fields,
  };
}

const pullFailure = (id: string) => task(id, {
  stopCode: 'TaskFailedToStart',
  stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): orders-api:43 not found',
});
const crash = (id: string, startedBy = GREEN) => task(id, {
  startedBy, stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'web', exitCode: 1 }],
});
const healthCheckFailure = (id: string) => task(id, {
  stopCode: 'ServiceSchedulerInitiated',
  stoppedReason: 'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/green/abc)',
});
const drained = (id: string, startedBy = GREEN) => task(id, {
  startedBy, stopCode: 'ServiceSchedulerInitiated', stoppedReason: `Scaling activity initiated by (deployment ${startedBy})`,
  containers: [{ name: 'web', exitCode: 143 }],
});

/** ECS delivers the task's event; by then ListTasks lists it too. */
function deliver(stoppedTask: Task, options: { listed?: boolean } = {}): Promise<ReturnType<typeof handler> extends Promise<infer R> ? R : never> {
  if (options.listed ?? true) {
    stopped = [...stopped.filter((t) => t.taskArn !== stoppedTask.taskArn), stoppedTask];
  }
  const event: TaskStateChangeEvent = {
    'id': `event-${stoppedTask.taskArn}`, 'detail-type': 'ECS Task State Change', 'source': 'aws.ecs',
    'detail': { ...stoppedTask } as TaskStateChangeEvent['detail'],
  };
  return send(event);
}

function stopCalls() {
  return codeDeploy.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input);
}

describe.each<ConfigSource>(['environment', 'input'])('with the configuration in the %s', (configSource) => {
  beforeEach(() => {
    codeDeploy.reset();
    ecs.reset();
    stopped = [];
    source = configSource;
    configure(CONFIG);
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [DEPLOYMENT] });
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: DEPLOYMENT, status: 'InProgress', creator: 'user' } });
    stubDeploymentTarget(codeDeploy, {
      taskSetsInfo: [{ identifer: BLUE, taskSetLabel: 'Blue' }, { identifer: GREEN, taskSetLabel: 'Green' }],
      lifecycleEvents: [{ lifecycleEventName: 'Install', status: 'InProgress' }],
    });
    codeDeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
    ecs.on(ListTasksCommand).callsFake(() => ({ taskArns: stopped.map((t) => t.taskArn) }));
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({ tasks: stopped.filter((t) => input.tasks.includes(t.taskArn!)) }));
    logs = captureLogs();
  });

  afterEach(() => {
    logs.restore();
    delete process.env[TASK_SET_GUARD_CONFIG_ENV];
  });


  describe('stops a failing green task set', () => {
    test('on the second failed green task, not the first, with rollback, naming both reasons', async () => {
      const first = await deliver(pullFailure('aaa'));
      expect(first.verdict).toBe('below-threshold');
      expect(stopCalls()).toEqual([]);

      const started = Date.now();
      const second = await deliver(pullFailure('bbb'));

      expect(stopCalls()).toEqual([{ deploymentId: DEPLOYMENT, autoRollbackEnabled: true }]);
      expect(second).toMatchObject({ verdict: 'stopped', deploymentId: DEPLOYMENT });
      // Reacting on the event: the stop is part of the second event's own invocation.
      expect(Date.now() - started).toBeLessThan(5_000);
      const decision = decisionLines(logs).pop()!;
      expect(decision).toMatchObject({ verdict: 'stopped', deploymentId: DEPLOYMENT, greenTaskSet: GREEN });
      expect(decision.observed).toContain('task bbb: CannotPullContainerError: pull image manifest');
      expect(decision.observed).toContain('task aaa: CannotPullContainerError');
      expect(decision.stoppedTasks).toEqual([
        expect.objectContaining({ id: 'bbb', kind: 'failed-to-start', stopCode: 'TaskFailedToStart' }),
        expect.objectContaining({ id: 'aaa', kind: 'failed-to-start' }),
      ]);
    });

    test('crashed containers and failed health checks count alike', async () => {
      await deliver(crash('aaa'));
      const result = await deliver(healthCheckFailure('bbb'));

      expect(result.verdict).toBe('stopped');
      expect(result.failedTasks).toEqual([
        expect.stringContaining('task bbb: Task failed ELB health checks'),
        'task aaa: Essential container in task exited (web exit code 1)',
      ]);
    });

    test('a threshold of 1 stops on the first failed task', async () => {
      configure({ ...CONFIG, failedTaskThreshold: 1 });
      await expect(deliver(crash('aaa'))).resolves.toMatchObject({ verdict: 'stopped' });
      expect(stopCalls()).toHaveLength(1);
    });

    test('with stopDeployments false, says it would stop and stops nothing', async () => {
      configure({ ...CONFIG, stopDeployments: false });
      await deliver(crash('aaa'));
      await expect(deliver(crash('bbb'))).resolves.toMatchObject({ verdict: 'would-stop' });
      expect(stopCalls()).toEqual([]);
    });
  });

  describe('leaves other stopped tasks alone', () => {
    test('blue\'s failed tasks do not count, however many', async () => {
      for (const id of ['b1', 'b2', 'b3']) {
        await expect(deliver(crash(id, BLUE))).resolves.toMatchObject({ verdict: 'ignored' });
      }
      expect(stopCalls()).toEqual([]);
      expect(decisionLines(logs).pop()!.reason).toMatch(/not of the green task set \(started by ecs-svc\/1111/);
    });

    test('drained and scaled-in tasks are not failures, and are not counted with one that is', async () => {
      await expect(deliver(drained('d1'))).resolves.toMatchObject({ verdict: 'ignored' });
      await deliver(drained('d2', BLUE));
      await deliver(task('u1', { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }));
      // No lookup for a task that did not fail.
      expect(codeDeploy.commandCalls(ListDeploymentsCommand)).toHaveLength(0);

      const result = await deliver(crash('aaa'));
      expect(result).toMatchObject({ verdict: 'below-threshold', failedTasks: ['task aaa: Essential container in task exited (web exit code 1)'] });
      expect(stopCalls()).toEqual([]);
    });

    test('no deployment in progress: nothing to stop', async () => {
      codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
      await expect(deliver(crash('aaa'))).resolves.toMatchObject({ verdict: 'ignored' });
      await expect(deliver(crash('bbb'))).resolves.toMatchObject({ verdict: 'ignored', reason: expect.stringMatching(/^no deployment of orders-prod in progress/) });
      expect(stopCalls()).toEqual([]);
      expect(codeDeploy.commandCalls(ListDeploymentsCommand)[0].args[0].input).toEqual({
        applicationName: 'orders-app', deploymentGroupName: 'orders-prod', includeOnlyStatuses: ['InProgress', 'Ready'],
      });
    });

    test('a rollback deployment is never stopped', async () => {
      codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: DEPLOYMENT, status: 'InProgress', creator: 'codeDeployRollback' } });
      await deliver(crash('aaa'));
      await expect(deliver(crash('bbb'))).resolves.toMatchObject({ verdict: 'ignored' });
      expect(stopCalls()).toEqual([]);
    });

    test('tasks of another service or cluster, and events about no stopped task, are ignored', async () => {
      await expect(deliver(task('x', { group: 'service:billing', stopCode: 'TaskFailedToStart' }))).resolves.toMatchObject({ verdict: 'ignored' });
      await expect(deliver(task('y', { clusterArn: `${CLUSTER}-2`, stopCode: 'TaskFailedToStart' }))).resolves.toMatchObject({ verdict: 'ignored' });
      await expect(send({ detail: { lastStatus: 'STOPPED' } })).resolves.toMatchObject({ verdict: 'ignored' });
      await expect(send({} as TaskStateChangeEvent)).resolves.toMatchObject({ verdict: 'ignored' });
      await expect(deliver(task('z', { lastStatus: 'DEPROVISIONING', stopCode: 'TaskFailedToStart' }))).resolves.toMatchObject({ verdict: 'ignored' });
      expect(stopCalls()).toEqual([]);
    });
  });

  describe('idempotent', () => {
    test('the same failed task delivered twice counts once', async () => {
      await deliver(crash('aaa'));
      await expect(deliver(crash('aaa'))).resolves.toMatchObject({ verdict: 'below-threshold' });
      expect(stopCalls()).toEqual([]);
    });

    test('an event delivered before ECS lists its task still counts, once', async () => {
      await deliver(crash('aaa'));
      await expect(deliver(crash('bbb'), { listed: false })).resolves.toMatchObject({ verdict: 'stopped' });
      expect(stopCalls()).toHaveLength(1);
    });

    test('events after the stop find no deployment to stop', async () => {
      await deliver(crash('aaa'));
      await deliver(crash('bbb'));
      // CodeDeploy now lists only the rollback deployment.
      codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-ROLLBACK1'] });
      codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'InProgress', creator: 'codeDeployRollback' } });
      await deliver(crash('bbb'));
      await deliver(crash('ccc'));
      expect(stopCalls()).toHaveLength(1);
    });

    test('a deployment another invocation already stopped is done, not an error', async () => {
      codeDeploy.on(StopDeploymentCommand).rejects(awsError('DeploymentAlreadyCompletedException', 400, 'The deployment d-GREEN0001 is already completed'));
      await deliver(crash('aaa'));
      await expect(deliver(crash('bbb'))).resolves.toMatchObject({ verdict: 'already-stopped' });
    });
  });

  describe('faults', () => {
    test('a throttled stop is retried until it goes through, once', async () => {
      codeDeploy.on(StopDeploymentCommand)
        .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
        .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
        .resolves({ status: 'Pending' });
      await deliver(crash('aaa'));
      await expect(deliver(crash('bbb'))).resolves.toMatchObject({ verdict: 'stopped' });
      expect(stopCalls()).toHaveLength(3);
      expect(logs.lines.filter((l) => l.message === 'retrying AWS call' && l.call === 'codedeploy:StopDeployment')).toHaveLength(2);
    });

    test('a stop that keeps failing throws, so that Lambda retries the event', async () => {
      codeDeploy.on(StopDeploymentCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform codedeploy:StopDeployment'));
      await deliver(crash('aaa'));
      await expect(deliver(crash('bbb'))).rejects.toThrow(/not authorized to perform codedeploy:StopDeployment/);
      expect(logs.lines.some((l) => l.level === 'error' && l.message.startsWith('could not judge the stopped task'))).toBe(true);
    });

    test('CodeDeploy that cannot be read throws without stopping; the retry stops', async () => {
      await deliver(crash('aaa'));
      codeDeploy.on(ListDeploymentsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform codedeploy:ListDeployments'));
      await expect(deliver(crash('bbb'))).rejects.toThrow(/ListDeployments/);
      expect(stopCalls()).toEqual([]);

      codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [DEPLOYMENT] });
      await expect(deliver(crash('bbb'))).resolves.toMatchObject({ verdict: 'stopped' });
      expect(stopCalls()).toHaveLength(1);
    });

    test('ECS that cannot be read: a threshold of 2 throws for a retry, a threshold of 1 stops on the event\'s task', async () => {
      ecs.on(ListTasksCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:ListTasks'));
      await expect(deliver(crash('aaa'))).rejects.toThrow(/ecs:ListTasks/);
      expect(stopCalls()).toEqual([]);

      configure({ ...CONFIG, failedTaskThreshold: 1 });
      await expect(deliver(crash('bbb'))).resolves.toMatchObject({ verdict: 'stopped' });
    });

    test('an answer of the wrong shape throws naming the call', async () => {
      codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: 'd-1' as unknown as string[] });
      await expect(deliver(crash('aaa'))).rejects.toThrow(/codedeploy:ListDeployments answered without a deployments list/);
    });

    test('a missing or bad configuration throws naming where it is read', async () => {
      const where = source === 'environment' ? TASK_SET_GUARD_CONFIG_ENV : 'guard of the input';
      if (source === 'environment') {
        configure(undefined);
        await expect(deliver(crash('aaa'))).rejects.toThrow(`invalid ${TASK_SET_GUARD_CONFIG_ENV}: not set`);
      } else {
        configure(undefined);
        await expect(deliver(crash('aaa'))).rejects.toThrow('invalid guard of the input: must be a JSON object');
        configure({ ...CONFIG, serviceName: '' });
        await expect(deliver(crash('aaa'))).rejects.toThrow('invalid guard of the input: serviceName must be a non-empty string');
      }
      configure({ ...CONFIG, failedTaskThreshold: 1.5 });
      await expect(deliver(crash('aaa'))).rejects.toThrow(`invalid ${where}: failedTaskThreshold must be a whole number, got 1.5`);
    });
  });
});

describe('the configuration\'s source', () => {
  afterEach(() => {
    delete process.env[TASK_SET_GUARD_CONFIG_ENV];
  });

  test('the input\'s configuration, not the environment\'s, guards a wrapped event', async () => {
    const logs = captureLogs();
    try {
      process.env[TASK_SET_GUARD_CONFIG_ENV] = JSON.stringify({ ...CONFIG, serviceName: 'billing', displayName: 'billing' });
      const event: TaskStateChangeEvent = { 'id': 'e-1', 'detail-type': 'ECS Task State Change', 'detail': { ...task('u1', { stopCode: 'UserInitiated' }) } as TaskStateChangeEvent['detail'] };
      await expect(handler({ guard: CONFIG, event }, fakeContext())).resolves.toMatchObject({ verdict: 'ignored', reason: expect.stringMatching(/^not a failure/) });
      expect(decisionLines(logs).pop()).toMatchObject({ service: 'orders-api', eventId: 'e-1' });
    } finally {
      logs.restore();
    }
  });
});
