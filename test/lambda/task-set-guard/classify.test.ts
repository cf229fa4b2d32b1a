import { describeStoppedTask, judge, stoppedTask, taskDefinitionFamily } from '../../../lambda/task-set-guard/classify';

const base = { taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/orders/0f3e', lastStatus: 'STOPPED' };

describe('judge', () => {
  test.each([
    ['an image that cannot be pulled', { stopCode: 'TaskFailedToStart', stoppedReason: 'CannotPullContainerError: not found' }, 'failed-to-start'],
    ['a secret that cannot be read', { stopCode: 'TaskFailedToStart', stoppedReason: 'ResourceInitializationError: unable to pull secrets' }, 'failed-to-start'],
    ['a crashed essential container', { stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' }, 'container-exited'],
    ['an ELB health check', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed ELB health checks in (target-group arn:x)' }, 'health-check'],
    ['a container health check', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task failed container health checks' }, 'health-check'],
  ])('%s is a failure', (_what, fields, kind) => {
    expect(judge(stoppedTask({ ...base, ...fields })!)).toMatchObject({ failed: true, kind });
  });

  test.each([
    ['a scale-in or drain', { stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)' }],
    ['a person', { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' }],
    ['a Spot interruption', { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' }],
    ['no stop code at all', {}],
  ])('a task stopped by %s is not', (_what, fields) => {
    expect(judge(stoppedTask({ ...base, ...fields })!).failed).toBe(false);
  });
});

test('the reason names the task, why it stopped, and each container that exited', () => {
  const task = stoppedTask({
    ...base, stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'web', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }, { name: 'sidecar' }, 'junk'],
  })!;
  expect(describeStoppedTask(task)).toBe('task 0f3e: Essential container in task exited (web exit code 137: OutOfMemoryError: Container killed due to memory usage)');
});

test('no task without an ARN, and the family of a task definition', () => {
  expect(stoppedTask({ lastStatus: 'STOPPED' })).toBeUndefined();
  expect(stoppedTask(undefined)).toBeUndefined();
  expect(taskDefinitionFamily('arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:43')).toBe('orders-api');
});
