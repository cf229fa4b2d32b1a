/**
 * Reading the CloudFormation request and writing the answer: properties as CloudFormation passes
 * them (strings), the physical id, and an answer that fits CloudFormation's 4096 bytes.
 */
import {
  physicalResourceIdOf,
  releaseContinuationOf,
  releaseSettingsOf,
} from '../../../lambda/codedeploy-release/event';
import { MAX_RESPONSE_BYTES, responseBody, sendResponse } from '../../../lambda/codedeploy-release/response';
import { createLogger } from '../../../lambda/shared/logger';
import { startServer } from '../smoke-test/server';
import { appSpecSha256, deploysSame, taskDefinitionRevision } from '../../../lambda/codedeploy-release/deployment';
import { CODEDEPLOY_RELEASE_PROPERTY_NAMES } from '../../../contract/codedeploy-release';
import { NEW_TASK_DEFINITION, appSpec } from './fixtures';

const IDS = { responseUrl: 'https://example.test/r', stackId: 'arn:stack', requestId: 'req', logicalResourceId: 'Release' };
const PROPERTIES = {
  ApplicationName: 'orders-app',
  DeploymentGroupName: 'orders-prod',
  ClusterName: 'orders',
  ServiceName: 'orders-api',
  TaskDefinitionArn: NEW_TASK_DEFINITION,
  AppSpecContent: appSpec(NEW_TASK_DEFINITION),
  TimeoutSeconds: '1800',
};

describe('the release request', () => {
  test('reads numbers CloudFormation passes as strings, and defaults PollSeconds to 15', () => {
    expect(releaseSettingsOf(PROPERTIES)).toEqual({ settings: expect.objectContaining({ timeoutMs: 1_800_000, pollMs: 15_000 }) });
    expect(releaseSettingsOf({ ...PROPERTIES, TimeoutSeconds: 600, PollSeconds: '5' }))
      .toEqual({ settings: expect.objectContaining({ timeoutMs: 600_000, pollMs: 5_000 }) });
  });

  test('fails when a number is not a positive number of seconds', () => {
    expect(releaseSettingsOf({ ...PROPERTIES, PollSeconds: 'often' })).toEqual({ problem: 'PollSeconds must be a positive number of seconds, got "often"' });
    expect(releaseSettingsOf({ ...PROPERTIES, TimeoutSeconds: '0' })).toEqual({ problem: 'TimeoutSeconds must be a positive number of seconds, got "0"' });
  });

  test('names every property of the contract', () => {
    expect(releaseSettingsOf({})).toEqual({
      problem: 'the release resource lacks the properties ApplicationName, DeploymentGroupName, ClusterName, ServiceName, '
        + 'TaskDefinitionArn, AppSpecContent',
    });
    expect(CODEDEPLOY_RELEASE_PROPERTY_NAMES).toEqual(expect.arrayContaining(Object.keys(PROPERTIES)));
  });

  test('keeps the physical id of an existing resource, and names a new one after its deployment group', () => {
    expect(physicalResourceIdOf({ PhysicalResourceId: 'kept', ResourceProperties: PROPERTIES })).toBe('kept');
    expect(physicalResourceIdOf({ RequestType: 'Create', ResourceProperties: PROPERTIES })).toBe('orders-app/orders-prod');
    expect(physicalResourceIdOf({ RequestType: 'Create', LogicalResourceId: 'Release', ResourceProperties: {} })).toBe('Release');
  });

  test('reads a continuation only when it names a deployment and a start', () => {
    const startedAt = '2026-12-02T10:00:00.000Z';
    expect(releaseContinuationOf({ continuation: { state: { deploymentId: 'd-1' }, attempt: 2, startedAt } }))
      .toEqual({ state: { deploymentId: 'd-1' }, attempt: 2, startedAt: Date.parse(startedAt) });
    expect(releaseContinuationOf({ continuation: { state: {}, attempt: 2, startedAt } })).toBeUndefined();
    expect(releaseContinuationOf({ continuation: { state: { deploymentId: 'd-1' }, attempt: 2, startedAt: 'yesterday' } })).toBeUndefined();
    expect(releaseContinuationOf({})).toBeUndefined();
  });
});

describe('the answer to CloudFormation', () => {
  test('copies the request ids and carries the data', () => {
    expect(JSON.parse(responseBody(IDS, { status: 'SUCCESS', physicalResourceId: 'p', data: { DeploymentId: 'd-1' } }))).toEqual({
      Status: 'SUCCESS', PhysicalResourceId: 'p', StackId: 'arn:stack', RequestId: 'req', LogicalResourceId: 'Release', Data: { DeploymentId: 'd-1' },
    });
  });

  test.each([
    ['plain text', 'x'.repeat(10_000)],
    ['characters JSON escapes', '"\n\\'.repeat(3_000)],
    ['multi-byte characters', 'é✓😀'.repeat(2_000)],
  ])('shortens a reason of %s until the whole answer fits in 4096 bytes', (_kind, reason) => {
    const body = responseBody(IDS, { status: 'FAILED', reason, physicalResourceId: 'p', data: { DeploymentId: 'd-1' } });

    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_RESPONSE_BYTES - 16);
    const parsed = JSON.parse(body);
    expect(parsed.Reason.endsWith('…')).toBe(true);
    expect(reason.startsWith(parsed.Reason.slice(0, 100))).toBe(true);
  });

  test('is PUT again after the connection broke', async () => {
    let seen = 0;
    const server = await startServer((_request, response) => {
      seen++;
      if (seen === 1) {
        response.socket?.destroy();
        return;
      }
      response.end();
    });
    const lines: string[] = [];
    try {
      const sent = await sendResponse({ ...IDS, responseUrl: `${server.url}/r` }, { status: 'SUCCESS', physicalResourceId: 'p' },
        { deadline: Date.now() + 10_000, logger: createLogger({}, (line) => lines.push(line)) });

      expect(sent).toBe('sent');
      expect(seen).toBe(2);
      expect(lines.map((line) => JSON.parse(line).message)).toEqual(['answer to CloudFormation failed, retrying']);
    } finally {
      await server.close();
    }
  });

  test('is not PUT again when the URL refuses it (an expired signature), and says so', async () => {
    const server = await startServer((_request, response) => {
      response.statusCode = 403;
      response.end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    });
    const lines: string[] = [];
    try {
      const sent = await sendResponse({ ...IDS, responseUrl: `${server.url}/r` }, { status: 'FAILED', reason: 'x', physicalResourceId: 'p' },
        { deadline: Date.now() + 10_000, logger: createLogger({}, (line) => lines.push(line)) });

      expect(sent).toBe('failed');
      expect(server.requests).toHaveLength(1);
      expect(JSON.parse(lines[0]).error.message).toContain('the response URL answered HTTP 403: <Error><Code>AccessDenied</Code>');
    } finally {
      await server.close();
    }
  });

  test('leaves a reason that fits as it is', () => {
    expect(JSON.parse(responseBody(IDS, { status: 'FAILED', reason: 'short', physicalResourceId: 'p' })).Reason).toBe('short');
  });
});

describe('which deployment releases the request', () => {
  const settings = (releaseSettingsOf(PROPERTIES) as { settings: Parameters<typeof deploysSame>[1] }).settings;

  test('the same AppSpec by its hash, or an AppSpec naming the same task definition', () => {
    expect(deploysSame({ deploymentId: 'd', status: 'InProgress', appSpecSha256: appSpecSha256(PROPERTIES.AppSpecContent).toUpperCase() }, settings)).toBe(true);
    expect(deploysSame({ deploymentId: 'd', status: 'InProgress', appSpecContent: `{"TaskDefinition":"${NEW_TASK_DEFINITION}"}` }, settings)).toBe(true);
    // Revision 420 is not revision 42.
    expect(deploysSame({ deploymentId: 'd', status: 'InProgress', appSpecSha256: 'f00', appSpecContent: appSpec(`${NEW_TASK_DEFINITION}0`) }, settings))
      .toBe(false);
    expect(deploysSame({ deploymentId: 'd', status: 'InProgress' }, settings)).toBe(false);
  });

  test('compares task definitions by family and revision', () => {
    expect(taskDefinitionRevision(NEW_TASK_DEFINITION)).toBe('orders-api:42');
    expect(taskDefinitionRevision('orders-api:42')).toBe('orders-api:42');
  });
});
