import { SMOKE_CHECKS_ENV, SMOKE_TEST_BASE_URL_ENV, SmokeCheckSpec } from '../../../contract/smoke-test';
import { describeExpectation, evaluateError, evaluateResponse, readPath } from '../../../lambda/smoke-test/checks';
import { ResolvedSmokeCheck, readConfig } from '../../../lambda/smoke-test/config';
import { HttpResponse, HttpTimeoutError } from '../../../lambda/smoke-test/http';

function check(spec: Partial<SmokeCheckSpec>, expectedVersion?: string): ResolvedSmokeCheck {
  return readConfig({
    [SMOKE_TEST_BASE_URL_ENV]: 'http://alb:8080',
    [SMOKE_CHECKS_ENV]: JSON.stringify([{ name: 'c', path: '/c', ...spec }]),
    ...(expectedVersion ? { CDK_ECS_RELEASE_EXPECTED_VERSION: expectedVersion } : {}),
  }).checks[0];
}

function response(partial: Partial<HttpResponse>): HttpResponse {
  return { status: 200, headers: {}, body: '', bodyTruncated: false, elapsedMs: 10, ...partial };
}

test('readPath reads nested fields and array items, and tells a missing field from null', () => {
  const document = { a: { b: [{ c: 1 }, { c: null }] }, version: '2' };

  expect(readPath(document, 'version')).toEqual({ present: true, value: '2' });
  expect(readPath(document, 'a.b.0.c')).toEqual({ present: true, value: 1 });
  expect(readPath(document, 'a.b.1.c')).toEqual({ present: true, value: null });
  expect(readPath(document, 'a.b.2.c')).toEqual({ present: false });
  expect(readPath(document, 'a.x')).toEqual({ present: false });
  expect(readPath('text', 'a')).toEqual({ present: false });
});

test('JSON fields compare by type: "1" is not 1', () => {
  const evaluation = evaluateResponse(check({ jsonFields: { n: 1, ok: true } }), response({ body: '{"n":"1","ok":true}' }));

  expect(evaluation.failures).toEqual(['n = "1", expected 1']);
});

test('every unmet expectation is listed, with what was observed', () => {
  const evaluation = evaluateResponse(
    check({ expectedStatuses: [200], bodyContains: 'UP', latencyBudgetMs: 5, versionHeader: 'x-version' }, 'v2'),
    response({ status: 503, elapsedMs: 40, body: 'starting', headers: { 'x-version': 'v1' } }),
  );

  expect(evaluation.pass).toBe(false);
  expect(evaluation.failures).toEqual([
    'status 503, expected 200',
    'took 40 ms, over the 5 ms budget',
    'body does not contain "UP"',
    'version "v1", expected "v2"',
  ]);
  expect(evaluation.observed).toBe('status 503 in 40 ms, version "v1", body "starting"');
});

test('a passing response has no failures and no body excerpt', () => {
  const evaluation = evaluateResponse(check({ versionJsonField: 'build.version' }, '7'), response({ body: '{"build":{"version":7}}' }));

  expect(evaluation).toEqual({ pass: true, observed: 'status 200 in 10 ms, version "7"', failures: [] });
});

test('a long body is cut in the observation', () => {
  const evaluation = evaluateResponse(check({}), response({ status: 500, body: 'x'.repeat(1000) }));

  expect(evaluation.observed).toMatch(/body "x{200}…"$/);
});

test('request errors are described for a person', () => {
  expect(evaluateError(new HttpTimeoutError(250)).observed).toBe('no complete response within 250 ms');
  expect(evaluateError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).observed).toBe('connection refused (ECONNREFUSED)');
  expect(evaluateError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' })).observed)
    .toBe('host unreachable (ETIMEDOUT); check the security groups between the function and the test listener');
  expect(evaluateError(Object.assign(new Error('getaddrinfo ENOTFOUND alb'), { code: 'ENOTFOUND' })).observed).toBe('host name not resolved (ENOTFOUND)');
});

test('the expectation reads like the check', () => {
  expect(describeExpectation(check({ method: 'post', path: '/orders?x=1', expectedStatuses: [201, 202], jsonFields: { id: 7 }, latencyBudgetMs: 300 })))
    .toBe('POST /orders?x=1 → status 201 or 202; id = 7; within 300 ms');
});
