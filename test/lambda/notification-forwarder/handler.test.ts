/**
 * The notification forwarder against a PagerDuty-like endpoint on 127.0.0.1: what it sends for
 * each kind of message, and that every fault (the secret unreadable, throttling, a server error, a
 * refusal, no answer in time) ends in exactly one outcome: delivered, or thrown for Lambda's
 * retries and the dead-letter queue; never a silent drop.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { NOTIFICATION_FORWARDER_CONFIG_ENV } from '../../../contract/notification-routing';
import { clearRoutingKeyCache, handler } from '../../../lambda/notification-forwarder';
import { CapturedLogs, awsError, captureLogs, fakeContext } from '../helpers';
import { Endpoint, startEndpoint } from './endpoint';
import { ROUTING_KEY, SECRET_ARN, UNVERIFIED_FACTS, forwarderConfig, notifierMessage, snsEvent } from './fixtures';

const secrets = mockClient(SecretsManagerClient);
let endpoint: Endpoint;
let logs: CapturedLogs;

beforeAll(async () => {
  endpoint = await startEndpoint();
});
afterAll(() => endpoint.close());

beforeEach(() => {
  secrets.reset();
  clearRoutingKeyCache();
  endpoint.received.length = 0;
  endpoint.answer({ status: 202, body: '{"status":"success"}' });
  secrets.on(GetSecretValueCommand).resolves({ SecretString: `${ROUTING_KEY}\n` });
  process.env[NOTIFICATION_FORWARDER_CONFIG_ENV] = JSON.stringify(forwarderConfig(endpoint.url));
  jest.spyOn(Math, 'random').mockReturnValue(0);
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  jest.restoreAllMocks();
  delete process.env[NOTIFICATION_FORWARDER_CONFIG_ENV];
});

function errorLines(): string[] {
  return logs.lines.filter((line) => line.level === 'error').map((line) => line.message);
}

describe('what is sent', () => {
  test('a notifier message triggers an incident with its severity, dedup key, service, stage, version and console link', async () => {
    const result = await handler(notifierMessage(UNVERIFIED_FACTS), fakeContext(30_000));
    expect(result.delivered).toEqual([{ dedupKey: 'orders-api/Production/d-ABC123', action: 'trigger', status: 202 }]);
    expect(endpoint.received).toEqual([{
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'orders-api/Production/d-ABC123',
      payload: expect.objectContaining({
        summary: 'orders-api Production: rollback of d-ABC123 UNVERIFIED',
        source: 'Release/Pipeline',
        severity: 'critical',
        component: 'orders-api',
        group: 'Production',
        class: 'RollbackUnverified',
        custom_details: expect.objectContaining({ version: 'a1b2c3d', why: 'smoke check health answered 503' }),
      }),
      links: [{ href: UNVERIFIED_FACTS.consoleUrl, text: 'Open in the AWS console' }],
    }]);
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input.SecretId)).toEqual([SECRET_ARN]);
  });

  test('a message that ends the incident resolves it by the same dedup key, with no payload', async () => {
    await handler(notifierMessage({ ...UNVERIFIED_FACTS, severity: 'INFO', eventType: 'DeploymentSucceeded', resolves: true }), fakeContext());
    expect(endpoint.received).toEqual([{ routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: 'orders-api/Production/d-ABC123' }]);
  });

  test('a CloudWatch alarm triggers by its name and resolves when it is OK again', async () => {
    const alarm = (state: string) => JSON.stringify({ AlarmName: 'lost notifications', NewStateValue: state, NewStateReason: 'Threshold Crossed' });
    await handler(snsEvent(alarm('ALARM')), fakeContext());
    await handler(snsEvent(alarm('OK')), fakeContext());
    expect(endpoint.received.map((e) => [e.event_action, e.dedup_key])).toEqual([['trigger', 'alarm:lost notifications'], ['resolve', 'alarm:lost notifications']]);
    expect(endpoint.received[0].payload).toEqual(expect.objectContaining({ severity: 'warning', summary: 'lost notifications is ALARM: Threshold Crossed' }));
  });

  test('any other message is one incident per SNS message: a redelivery pages once', async () => {
    await handler(snsEvent('orders-api waits for approval at POST_TEST_TRAFFIC_SHIFT', { severity: 'WARNING', messageId: 'm-7' }), fakeContext());
    await handler(snsEvent('orders-api waits for approval at POST_TEST_TRAFFIC_SHIFT', { severity: 'WARNING', messageId: 'm-7' }), fakeContext());
    expect(endpoint.received.map((e) => e.dedup_key)).toEqual(['sns:m-7', 'sns:m-7']);
    expect(endpoint.received[0].payload).toEqual(expect.objectContaining({ severity: 'warning', summary: 'orders-api waits for approval at POST_TEST_TRAFFIC_SHIFT' }));
  });

  test('the routing key is read once per container, and never logged', async () => {
    await handler(notifierMessage(UNVERIFIED_FACTS), fakeContext());
    await handler(notifierMessage(UNVERIFIED_FACTS), fakeContext());
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(endpoint.received).toHaveLength(2);
    expect(logs.raw()).not.toContain(ROUTING_KEY);
  });
});

describe('fault paths: exactly one outcome', () => {
  test('the secret cannot be read: thrown after retries, nothing sent, and the next invocation reads it again', async () => {
    secrets.on(GetSecretValueCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform secretsmanager:GetSecretValue'));
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).rejects.toThrow(/not authorized/);
    expect(endpoint.received).toHaveLength(0);
    expect(errorLines()).toEqual(['could not read the routing key; the message is retried, then kept in the dead-letter queue']);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: ROUTING_KEY });
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).resolves.toEqual({ delivered: [expect.objectContaining({ status: 202 })] });
  });

  test('an empty secret is refused with the fix', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '  ' });
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).rejects.toThrow(/holds no SecretString; store the PagerDuty integration key/);
    expect(endpoint.received).toHaveLength(0);
  });

  test.each([
    [429, 'throttled'],
    [500, 'a server error'],
    [400, 'a refusal (malformed, or a wrong key)'],
  ])('HTTP %d (%s) is thrown once, for Lambda to retry, then the dead-letter queue', async (status) => {
    endpoint.answer({ status, body: '{"status":"error"}' });
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).rejects.toThrow(`the endpoint answered HTTP ${status}`);
    expect(endpoint.received).toHaveLength(1);
    expect(errorLines()).toHaveLength(1);
    expect(logs.lines.filter((line) => line.message === 'event delivered')).toHaveLength(0);
  });

  test('no answer within the request timeout: thrown once, and well within the function\'s time', async () => {
    process.env[NOTIFICATION_FORWARDER_CONFIG_ENV] = JSON.stringify(forwarderConfig(endpoint.url, 200));
    endpoint.answer({ status: 202, delayMs: 2000 });
    const started = Date.now();
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext(30_000))).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(errorLines()).toEqual(['the endpoint did not answer; the message is retried, then kept in the dead-letter queue']);
  });

  test('nothing listens at the endpoint: thrown once', async () => {
    process.env[NOTIFICATION_FORWARDER_CONFIG_ENV] = JSON.stringify(forwarderConfig('http://127.0.0.1:1/v2/enqueue'));
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).rejects.toThrow();
    expect(errorLines()).toHaveLength(1);
  });

  test('a bad configuration fails the invocation with the variable named', async () => {
    process.env[NOTIFICATION_FORWARDER_CONFIG_ENV] = JSON.stringify({ source: 'x' });
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).rejects.toThrow(`invalid ${NOTIFICATION_FORWARDER_CONFIG_ENV}: routingKeySecret must be a non-empty string`);
  });

  test('an event without SNS records sends nothing and says so', async () => {
    await expect(handler({}, fakeContext())).resolves.toEqual({ delivered: [] });
    expect(endpoint.received).toHaveLength(0);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});

test('a CodeStar Notifications message is summed up in one line', async () => {
  const message = JSON.stringify({ detailType: 'CodePipeline Pipeline Execution State Change', detail: { pipeline: 'orders', state: 'FAILED' } });
  await handler(snsEvent(message, { messageId: 'm-9' }), fakeContext());
  expect(endpoint.received[0].payload).toEqual(expect.objectContaining({
    summary: 'CodePipeline Pipeline Execution State Change: orders: FAILED', severity: 'warning',
  }));
});

describe('an HTTPS route (JSON)', () => {
  test('POSTs the message as JSON with the secret as the Authorization header', async () => {
    const received: Array<{ authorization?: string; body: Record<string, unknown> }> = [];
    const http = await import('http');
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
        res.writeHead(200);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/releases`;
      process.env[NOTIFICATION_FORWARDER_CONFIG_ENV] = JSON.stringify({ ...forwarderConfig(url), format: 'JSON' });
      secrets.on(GetSecretValueCommand).resolves({ SecretString: 'Bearer t0ken' });
      await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).resolves.toEqual({
        delivered: [{ dedupKey: UNVERIFIED_FACTS.dedupKey, action: 'post', status: 200 }],
      });
      expect(received).toEqual([{
        authorization: 'Bearer t0ken',
        body: {
          severity: 'CRITICAL', subject: 'orders-api Production: rollback of d-ABC123 UNVERIFIED',
          text: 'orders-api Production: rollback of d-ABC123 UNVERIFIED.\n\nWhy: smoke check health answered 503',
          facts: UNVERIFIED_FACTS, messageId: 'sns-message-1', timestamp: '2026-12-03T07:00:00.000Z',
        },
      }]);
      // A message of another publisher is sent whole, with the severity of its attribute.
      await handler(snsEvent('orders-api waits for approval', { severity: 'WARNING', subject: 'Approval' }), fakeContext());
      expect(received[1].body).toEqual(expect.objectContaining({ severity: 'WARNING', subject: 'Approval', text: 'orders-api waits for approval' }));
      expect(logs.raw()).not.toContain('t0ken');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('a 500 from the endpoint is thrown once', async () => {
    process.env[NOTIFICATION_FORWARDER_CONFIG_ENV] = JSON.stringify({ ...forwarderConfig(endpoint.url), format: 'JSON' });
    endpoint.answer({ status: 500 });
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).rejects.toThrow('the endpoint answered HTTP 500');
    expect(errorLines()).toHaveLength(1);
  });

  test('format JSON without an endpoint is refused', async () => {
    process.env[NOTIFICATION_FORWARDER_CONFIG_ENV] = JSON.stringify({ routingKeySecret: SECRET_ARN, source: 'x', format: 'JSON' });
    await expect(handler(notifierMessage(UNVERIFIED_FACTS), fakeContext())).rejects.toThrow('endpointUrl is required with format JSON');
  });
});
