import {
  anomalyLatencyCriterion,
  errorRateCriterion,
  fatalLogMetricName,
  fixedLatencyCriterion,
  formatAlarmName,
  formatDuration,
  formatLatency,
  formatNumber,
  MAX_ALARM_DESCRIPTION_LENGTH,
  MAX_ALARM_NAME_LENGTH,
  runningTaskShortfallCriterion,
  sanitizeAlarmText,
  truncateDescription,
  unhealthyTargetsCriterion,
} from '../../../lib/alarms/private/format';

describe('formatAlarmName', () => {
  test('names the service, the criterion and the stack', () => {
    expect(formatAlarmName('orders-api', '5xx rate > 1% for 2 min', 'OrdersProd'))
      .toBe('orders-api: 5xx rate > 1% for 2 min (OrdersProd)');
  });

  test('shortens the service name, never the criterion, to stay within 255 characters', () => {
    const name = formatAlarmName('s'.repeat(300), '5xx rate > 1% for 2 min', 'OrdersProd');
    expect(name).toHaveLength(MAX_ALARM_NAME_LENGTH);
    expect(name.endsWith('~: 5xx rate > 1% for 2 min (OrdersProd)')).toBe(true);
  });

  test('keeps a name that fits exactly', () => {
    const rest = ': c (S)';
    const service = 'x'.repeat(MAX_ALARM_NAME_LENGTH - rest.length);
    expect(formatAlarmName(service, 'c', 'S')).toBe(`${service}${rest}`);
  });

  test('removes control characters and double quotes', () => {
    expect(formatAlarmName('orders\n"api"', 'c', 'S')).toBe('orders \'api\': c (S)');
  });
});

test('sanitizeAlarmText trims and replaces what CloudWatch or composite rules reject', () => {
  expect(sanitizeAlarmText(' a\tb"c\u007f ')).toBe('a b\'c');
});

test('truncateDescription keeps CloudWatch\'s 1024 characters', () => {
  expect(truncateDescription('short')).toBe('short');
  const long = truncateDescription('d'.repeat(2000));
  expect(long).toHaveLength(MAX_ALARM_DESCRIPTION_LENGTH);
  expect(long.endsWith('...')).toBe(true);
});

test.each([
  [1, '1'],
  [0.5, '0.5'],
  [2.25, '2.25'],
  [1 / 3, '0.333'],
  [0, '0'],
])('formatNumber(%p) is %p', (value, text) => {
  expect(formatNumber(value)).toBe(text);
});

test.each([
  [30, '30 s'],
  [60, '1 min'],
  [120, '2 min'],
  [3600, '1 h'],
  [5400, '90 min'],
  [7200, '2 h'],
])('formatDuration(%p) is %p', (seconds, text) => {
  expect(formatDuration(seconds)).toBe(text);
});

test.each([
  [0.25, '250 ms'],
  [0.0125, '12.5 ms'],
  [0.75, '750 ms'],
  [1, '1 s'],
  [1.5, '1.5 s'],
])('formatLatency(%p) is %p', (seconds, text) => {
  expect(formatLatency(seconds)).toBe(text);
});

test('criteria read as people say them', () => {
  expect(errorRateCriterion('1', '2 min')).toBe('5xx rate > 1% for 2 min');
  expect(fixedLatencyCriterion('750 ms', '3', '250 ms', '2 min')).toBe('p99 latency > 750 ms (3x 250 ms) for 2 min');
  expect(anomalyLatencyCriterion('3', '2 min')).toBe('p99 latency above anomaly band (3 sd) for 2 min');
  expect(unhealthyTargetsCriterion('0', '5 min')).toBe('unhealthy targets > 0 for 5 min');
});

test('a running-task shortfall reads as fewer than desired, or a share of desired', () => {
  expect(runningTaskShortfallCriterion('100', '3 min')).toBe('running tasks < desired for 3 min');
  expect(runningTaskShortfallCriterion('90', '3 min')).toBe('running tasks < 90% of desired for 3 min');
});

describe('fatalLogMetricName', () => {
  test('names the stack and the service', () => {
    expect(fatalLogMetricName('OrdersProd', 'orders-api')).toBe('FatalLogLines/OrdersProd/orders-api');
  });

  test('replaces the characters CloudWatch Logs rejects and stays within 255 characters', () => {
    expect(fatalLogMetricName('OrdersProd', 'orders:api*$')).toBe('FatalLogLines/OrdersProd/orders-api--');
    expect(fatalLogMetricName('OrdersProd', 's'.repeat(300))).toHaveLength(255);
  });
});
