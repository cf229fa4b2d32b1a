import { awsCall } from '../../../lambda/shared';
import { awsError, callScope } from '../helpers';

test('retries a throttled call and logs each retry with the call\'s name and extra fields', async () => {
  const { lines, scope } = callScope();
  const operation = jest.fn()
    .mockRejectedValueOnce(awsError('ThrottlingException'))
    .mockResolvedValueOnce('ok');

  const result = await awsCall(scope, 'ecs:DescribeTasks', operation, { baseDelayMs: 1, logFields: { cluster: 'prod' } });

  expect(result).toBe('ok');
  expect(operation).toHaveBeenCalledTimes(2);
  expect(operation.mock.calls[0][0]).toBeInstanceOf(AbortSignal);
  expect(lines).toEqual([expect.objectContaining({
    level: 'warn',
    message: 'retrying AWS call',
    hook: 'test-hook',
    call: 'ecs:DescribeTasks',
    cluster: 'prod',
    attempt: 1,
    error: expect.objectContaining({ name: 'ThrottlingException' }),
  })]);
});

test('stops at the scope\'s deadline', async () => {
  const { scope } = callScope(60);
  const operation = jest.fn((signal: AbortSignal) => new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason));
  }));

  const started = Date.now();
  await expect(awsCall(scope, 'ecs:DescribeTasks', operation)).rejects.toMatchObject({ name: 'AttemptTimeoutError' });
  expect(Date.now() - started).toBeLessThan(1_000);
});

test('stops when the scope\'s signal aborts, without another attempt', async () => {
  const controller = new AbortController();
  const scope = { ...callScope().scope, signal: controller.signal };
  const operation = jest.fn(() => {
    controller.abort(new Error('hook deadline reached'));
    return Promise.reject(awsError('ThrottlingException'));
  });

  await expect(awsCall(scope, 'ecs:StopTask', operation, { baseDelayMs: 1 })).rejects.toMatchObject({ name: 'ThrottlingException' });
  expect(operation).toHaveBeenCalledTimes(1);
});
