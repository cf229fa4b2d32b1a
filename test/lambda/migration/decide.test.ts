import { decideTaskOutcome, describeLogs, logStreamConsoleUrl, pickExistingTask } from '../../../lambda/migration/decide';

const arn = 'arn:aws:ecs:eu-west-1:111111111111:task/prod/0123456789abcdef';
const log = { region: 'eu-west-1', logGroupName: '/ecs/web', logStreamPrefix: 'web' };

describe('decideTaskOutcome', () => {
  test('a running task is still running', () => {
    expect(decideTaskOutcome({ taskArn: arn, lastStatus: 'RUNNING' }, 'migrate', log)).toEqual({ state: 'running', lastStatus: 'RUNNING' });
  });

  test('exit code 0 succeeds', () => {
    const outcome = decideTaskOutcome({ taskArn: arn, lastStatus: 'STOPPED', containers: [{ name: 'migrate', exitCode: 0 }] }, 'migrate', log);
    expect(outcome.state).toBe('succeeded');
  });

  test('non-zero exit names the code, reason and log stream', () => {
    const outcome = decideTaskOutcome({
      taskArn: arn,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'sidecar', exitCode: 0 }, { name: 'migrate', exitCode: 3 }],
    }, 'migrate', log);
    expect(outcome).toEqual({
      state: 'failed',
      reason: expect.stringContaining('container migrate exited with code 3; stop code EssentialContainerExited; '
        + 'stopped reason: Essential container in task exited; logs: /ecs/web web/migrate/0123456789abcdef'),
      exitCode: 3,
      logUrl: logStreamConsoleUrl('eu-west-1', '/ecs/web', 'web/migrate/0123456789abcdef'),
    });
  });

  test('a task that never started names the pull error', () => {
    const outcome = decideTaskOutcome({
      taskArn: arn,
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      containers: [{ name: 'migrate' }],
    }, 'migrate', {});
    expect(outcome.state).toBe('failed');
    if (outcome.state === 'failed') {
      expect(outcome.reason).toContain('has no exit code');
      expect(outcome.reason).toContain('stop code TaskFailedToStart');
      expect(outcome.reason).toContain('CannotPullContainerError');
      expect(outcome.reason).toContain(`task ${arn}`);
    }
  });
});

describe('logs', () => {
  test('console link escapes the group and stream as the console does', () => {
    expect(logStreamConsoleUrl('eu-west-1', '/ecs/web', 'web/migrate/abc')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1'
      + '#logsV2:log-groups/log-group/$252Fecs$252Fweb/log-events/web$252Fmigrate$252Fabc');
    expect(describeLogs(log, 'migrate', arn)).toContain('(https://eu-west-1.console');
  });
});

describe('pickExistingTask', () => {
  test('prefers a task still running, else the newest', () => {
    const old = { taskArn: 'old', lastStatus: 'STOPPED', createdAt: new Date(1000) };
    const running = { taskArn: 'run', lastStatus: 'RUNNING', createdAt: new Date(500) };
    const newest = { taskArn: 'new', lastStatus: 'STOPPED', createdAt: new Date(2000) };
    expect(pickExistingTask([old, running, newest])?.taskArn).toBe('run');
    expect(pickExistingTask([old, newest])?.taskArn).toBe('new');
    expect(pickExistingTask([])).toBeUndefined();
  });
});
