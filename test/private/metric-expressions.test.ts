import {
  DESIRED_TASKS_ID,
  RUNNING_TASKS_ID,
  errorRateExpression,
  errorsId,
  latencyExpression,
  latencyId,
  requestsId,
  runningTaskPercentExpression,
  unhealthyId,
  unhealthyTargetsExpression,
  worstOf,
} from '../../lib/private/metric-expressions';

test('metric ids are valid CloudWatch ids, numbered per target group', () => {
  for (const id of [requestsId(1), errorsId(2), latencyId(3), unhealthyId(5), RUNNING_TASKS_ID, DESIRED_TASKS_ID]) {
    expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
  }
  expect([requestsId(1), errorsId(2)]).toEqual(['requests1', 'errors2']);
});

describe('worstOf', () => {
  test('takes the pointwise maximum of several series', () => {
    expect(worstOf(['a', 'b'])).toBe('MAX([a, b])');
  });

  test('leaves a single series alone', () => {
    expect(worstOf(['a'])).toBe('a');
  });

  test('fails when given no series', () => {
    expect(() => worstOf([])).toThrow('worstOf needs at least one term');
  });
});

describe('errorRateExpression', () => {
  test('is the worse rate in percent of both target groups, 0 below the request minimum', () => {
    expect(errorRateExpression(2, 20)).toBe('MAX(['
      + 'IF(FILL(requests1, 0) >= 20, 100 * FILL(errors1, 0) / requests1, 0), '
      + 'IF(FILL(requests2, 0) >= 20, 100 * FILL(errors2, 0) / requests2, 0)])');
  });

  test('is a plain rate for one target group', () => {
    expect(errorRateExpression(1, 5)).toBe('IF(FILL(requests1, 0) >= 5, 100 * FILL(errors1, 0) / requests1, 0)');
  });
});

test('latencyExpression is the worse p99 of the target groups that served enough requests', () => {
  expect(latencyExpression(2, 20)).toBe('MAX(['
    + 'IF(FILL(requests1, 0) >= 20, FILL(latency1, 0), 0), '
    + 'IF(FILL(requests2, 0) >= 20, FILL(latency2, 0), 0)])');
});

test('unhealthyTargetsExpression is the worse count of unhealthy targets', () => {
  expect(unhealthyTargetsExpression(2)).toBe('MAX([FILL(unhealthy1, 0), FILL(unhealthy2, 0)])');
});

test('runningTaskPercentExpression is the running tasks in percent of the desired ones, 100 when none are desired', () => {
  expect(runningTaskPercentExpression()).toBe('IF(desired > 0, 100 * running / desired, 100)');
});
