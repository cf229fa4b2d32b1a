import { batches, evaluateAlarms, uniqueAlarmNames } from '../../../lambda/preflight/evaluate';

describe('evaluateAlarms', () => {
  test('clear alarms, including one without data yet, pass', () => {
    const v = evaluateAlarms(['a', 'b'], [
      { name: 'a', type: 'metric', stateValue: 'OK', actionsEnabled: true },
      { name: 'b', type: 'composite', stateValue: 'INSUFFICIENT_DATA', actionsEnabled: true },
    ], true);
    expect(v.status).toBe('Succeeded');
    expect(v.decisions.map((d) => d.verdict)).toEqual(['ok', 'ok']);
  });

  test('each problem is named', () => {
    const v = evaluateAlarms(['a', 'b', 'c'], [
      { name: 'a', type: 'metric', stateValue: 'ALARM', actionsEnabled: true, stateReason: 'Threshold Crossed' },
      { name: 'b', type: 'metric', stateValue: 'OK', actionsEnabled: false },
    ], true);
    expect(v.status).toBe('Failed');
    expect(v.reason).toBe('refusing to deploy: metric alarm a is in ALARM: Threshold Crossed; '
      + 'metric alarm b has its actions disabled; alarm c does not exist');
  });

  test('actions disabled can be accepted', () => {
    const v = evaluateAlarms(['b'], [{ name: 'b', type: 'metric', stateValue: 'OK', actionsEnabled: false }], false);
    expect(v.status).toBe('Succeeded');
  });

  test('no alarms at all passes, saying so', () => {
    expect(evaluateAlarms([], [], true)).toEqual({ status: 'Succeeded', reason: 'no rollback alarms to check', decisions: [] });
  });

  test('names are deduplicated and batched by 100', () => {
    expect(uniqueAlarmNames(['a', ' b'], undefined, ['b', '', 'c'])).toEqual(['a', 'b', 'c']);
    const names = Array.from({ length: 205 }, (_, i) => `n${i}`);
    expect(batches(names).map((b) => b.length)).toEqual([100, 100, 5]);
  });
});
