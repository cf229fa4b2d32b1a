import { alarmCount, rollbackConflicts, withAlarmPolling, withRollbackEvents } from '../../../lib/alarms/private/deployment-group';

describe('withAlarmPolling', () => {
  test('stops deployments when alarms cannot be read, unless the deployment group says otherwise', () => {
    expect(withAlarmPolling({ alarms: [{ name: 'a' }], enabled: true }))
      .toEqual({ alarms: [{ name: 'a' }], enabled: true, ignorePollAlarmFailure: false });
    expect(withAlarmPolling({ alarms: [{ name: 'a' }], enabled: true, ignorePollAlarmFailure: true }))
      .toEqual({ alarms: [{ name: 'a' }], enabled: true, ignorePollAlarmFailure: true });
  });

  test('leaves a configuration without alarms alone', () => {
    expect(withAlarmPolling(undefined)).toBeUndefined();
    expect(withAlarmPolling({ enabled: false })).toEqual({ enabled: false });
  });
});

describe('withRollbackEvents', () => {
  test('adds failure, stop request and alarm, in CodeDeploy\'s order', () => {
    expect(withRollbackEvents({ enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_FAILURE'] }, true)).toEqual({
      enabled: true,
      events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
    });
  });

  test('starts from nothing', () => {
    expect(withRollbackEvents(undefined, true).events).toEqual(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM']);
  });

  test('leaves out the alarm event when there are no alarms, which CodeDeploy would reject', () => {
    expect(withRollbackEvents(undefined, false).events).toEqual(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']);
  });

  test('keeps events it does not know', () => {
    expect(withRollbackEvents({ events: ['SOMETHING_NEW'] }, false).events).toEqual(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'SOMETHING_NEW']);
  });
});

describe('rollbackConflicts', () => {
  const alarms = { alarms: [{ name: 'a' }], enabled: true };

  test('none for a deployment group without alarms, whose alarm settings render as off', () => {
    expect(rollbackConflicts({ enabled: false }, { enabled: true, events: ['DEPLOYMENT_FAILURE'] })).toEqual([]);
  });

  test('none for a deployment group that rolls back on alarm and failure', () => {
    expect(rollbackConflicts(alarms, { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] })).toEqual([]);
    expect(rollbackConflicts(undefined, undefined)).toEqual([]);
  });

  test('a deployment group that ignores its alarms', () => {
    expect(rollbackConflicts({ ...alarms, enabled: false }, { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] }))
      .toEqual([expect.stringMatching(/ignores its alarms \(ignoreAlarmConfiguration: true\)/)]);
  });

  test('a deployment group with rollback turned off', () => {
    expect(rollbackConflicts(alarms, { enabled: false })).toEqual([expect.stringMatching(/automatic rollback turned off/)]);
  });

  test('a deployment group that does not roll back on alarm or on failure', () => {
    expect(rollbackConflicts(alarms, { enabled: true, events: ['DEPLOYMENT_FAILURE'] }))
      .toEqual([expect.stringMatching(/autoRollback.deploymentInAlarm: false/)]);
    expect(rollbackConflicts(alarms, { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] }))
      .toEqual([expect.stringMatching(/autoRollback.failedDeployment: false/)]);
  });
});

test('alarmCount counts the listed alarms', () => {
  expect(alarmCount(undefined)).toBe(0);
  expect(alarmCount({ enabled: false })).toBe(0);
  expect(alarmCount({ alarms: [{ name: 'a' }, { name: 'b' }] })).toBe(2);
});
