import { alarmCount, rollbackConflicts } from '../../../lib/alarms/private/deployment-group';

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
