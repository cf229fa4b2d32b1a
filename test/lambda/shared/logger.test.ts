import { createLogger, errorMessage } from '../../../lambda/shared';

function collect() {
  const lines: string[] = [];
  return { lines, sink: (line: string) => lines.push(line) };
}

afterEach(() => {
  delete process.env.LOG_LEVEL;
});

test('writes one JSON object per line, with level, message, base fields and line fields', () => {
  const { lines, sink } = collect();
  const logger = createLogger({ hook: 'smoke-test', deploymentId: 'd-1' }, sink);

  logger.info('smoke check attempt', { check: 'health', expectation: 'status 200', observed: 'status 200', verdict: 'pass', elapsedMs: 12 });

  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain('\n');
  expect(JSON.parse(lines[0])).toEqual({
    level: 'info', message: 'smoke check attempt', hook: 'smoke-test', deploymentId: 'd-1',
    check: 'health', expectation: 'status 200', observed: 'status 200', verdict: 'pass', elapsedMs: 12,
    timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
});

test('child loggers add their fields', () => {
  const { lines, sink } = collect();

  createLogger({ hook: 'h' }, sink).child({ check: 'version' }).warn('retrying');

  expect(JSON.parse(lines[0])).toMatchObject({ level: 'warn', hook: 'h', check: 'version' });
});

test('errors are written with their name and message', () => {
  const { lines, sink } = collect();

  createLogger({}, sink).error('failed', { error: Object.assign(new Error('nope'), { code: 'ECONNREFUSED' }) });

  expect(JSON.parse(lines[0]).error).toEqual({ name: 'Error', message: 'nope', code: 'ECONNREFUSED' });
});

test('LOG_LEVEL filters lower levels', () => {
  process.env.LOG_LEVEL = 'WARN';
  const { lines, sink } = collect();
  const logger = createLogger({}, sink);

  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');

  expect(lines.map((line) => JSON.parse(line).message)).toEqual(['w', 'e']);
});

test('a circular field does not lose the line', () => {
  const { lines, sink } = collect();
  const circular: Record<string, unknown> = {};
  circular.self = circular;

  createLogger({}, sink).info('still here', { circular });

  expect(JSON.parse(lines[0])).toMatchObject({ level: 'info', message: 'still here' });
});

test('errorMessage reads anything thrown', () => {
  expect(errorMessage(new Error('a'))).toBe('a');
  expect(errorMessage('b')).toBe('b');
  expect(errorMessage({ c: 1 })).toBe('{"c":1}');
});
