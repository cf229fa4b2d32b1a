/**
 * The bundled forwarder (`assets/handlers/notification-forwarder/index.js`), as Lambda runs it:
 * it delivers, and a server error is thrown rather than swallowed.
 */
import * as path from 'path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { NOTIFICATION_FORWARDER_CONFIG_ENV } from '../../../contract/notification-routing';
import type { ForwarderResult } from '../../../lambda/notification-forwarder';
import { CapturedLogs, captureLogs, fakeContext } from '../helpers';
import { Endpoint, startEndpoint } from './endpoint';
import { ROUTING_KEY, UNVERIFIED_FACTS, forwarderConfig, notifierMessage } from './fixtures';

type Handler = (event: unknown, context: unknown) => Promise<ForwarderResult>;

function bundledHandler(): Handler {
  const file = path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'notification-forwarder', 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { handler: Handler }).handler;
}

const secrets = mockClient(SecretsManagerClient);
let endpoint: Endpoint;
let logs: CapturedLogs;

beforeAll(async () => {
  endpoint = await startEndpoint();
});
afterAll(() => endpoint.close());

beforeEach(() => {
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: ROUTING_KEY });
  process.env[NOTIFICATION_FORWARDER_CONFIG_ENV] = JSON.stringify(forwarderConfig(endpoint.url));
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  delete process.env[NOTIFICATION_FORWARDER_CONFIG_ENV];
});

test('the bundle delivers a critical page', async () => {
  endpoint.answer({ status: 202 });
  await expect(bundledHandler()(notifierMessage(UNVERIFIED_FACTS), fakeContext())).resolves.toEqual({
    delivered: [{ dedupKey: UNVERIFIED_FACTS.dedupKey, action: 'trigger', status: 202 }],
  });
  expect(endpoint.received[endpoint.received.length - 1]).toEqual(expect.objectContaining({ routing_key: ROUTING_KEY, event_action: 'trigger' }));
});

test('the bundle throws on a server error, for the retries and the dead-letter queue', async () => {
  endpoint.answer({ status: 503 });
  await expect(bundledHandler()(notifierMessage(UNVERIFIED_FACTS), fakeContext())).rejects.toThrow('the endpoint answered HTTP 503');
  expect(logs.lines.filter((line) => line.level === 'error')).toHaveLength(1);
});
