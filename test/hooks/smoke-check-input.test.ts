import { validateHeaderName, validateHeaderValue } from 'http';
import { Lazy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ExpectedVersion, JsonValue, SmokeCheck, SmokeCheckOptions, SmokeTestHook, VersionSource } from '../../lib';
import { SMOKE_CHECKS_ENV } from '../../contract/smoke-test';
import { headerNameProblem, headerValueProblem, smokeCheckProblems } from '../../lib/hooks/private/smoke-checks';
import { recordedProblems } from '../../lib/private/validation';
import { expectSynthError } from '../synth-errors';
import { environmentOf, joinToText, mockService, testStack } from './util';

function problemsOf(options: SmokeCheckOptions): string[] {
  return smokeCheckProblems(SmokeCheck.get('/health', options), () => false);
}

/** Whether Node's HTTP client, which the handler sends the checks with, accepts the header. */
function nodeAccepts(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

describe('smoke check jsonFields numbers', () => {
  test.each([NaN, Infinity, -Infinity])('fails when a jsonFields number is %p, which JSON writes as null', (value) => {
    expect(problemsOf({ jsonFields: { 'db.latency': JsonValue.fromNumber(value) } })).toEqual([
      `smoke check "GET /health" jsonFields 'db.latency' expects ${value}, which JSON cannot carry: it would be written as null, `
        + 'and the check would pass whenever the field is null; give a finite number, or JsonValue.NULL to expect null',
    ]);
  });

  test('accepts finite numbers and JSON null', () => {
    expect(problemsOf({ jsonFields: { count: JsonValue.fromNumber(-1.5e300), zero: JsonValue.fromNumber(0), gone: JsonValue.NULL } })).toEqual([]);
  });

  test('fails the synthesis naming the hook, the check, the field and the value, and leaves the check out', () => {
    const stack = testStack();
    const service = mockService(stack);
    let hook: SmokeTestHook | undefined;
    expectSynthError(stack, () => {
      hook = new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health', { jsonFields: { ratio: JsonValue.fromNumber(NaN) } })] });
    }, /TestStack\/Smoke: invalid checks: smoke check "GET \/health" jsonFields 'ratio' expects NaN, which JSON cannot carry/);
    expect(recordedProblems(hook!)).toHaveLength(1);
  });
});

describe('smoke check header names and values', () => {
  test.each(['x y', '', 'x:y', 'é', 'x\ny'])('fails when a header name is %j', (name) => {
    expect(nodeAccepts(() => validateHeaderName(name))).toBe(false);
    const problems = problemsOf({ headers: { [name]: 'v' } });
    expect(problems).toEqual(['smoke check "GET /health" headers: the name must be an HTTP header name, one or more letters, digits or '
      + `!#$%&'*+-.^_\`|~ (no spaces, ':' or other characters), got ${JSON.stringify(name)}; for example 'x-request-id'`]);
  });

  test.each([
    ['v\nw', 'U+000A at index 1'],
    ['v\rw', 'U+000D at index 1'],
    ['v\u0000', 'U+0000 at index 1'],
    ['ok \u007f', 'U+007F at index 3'],
    ['\u2713', 'U+2713 at index 0'],
  ])('fails when a header value is %j, which Node refuses to send', (value, where) => {
    expect(nodeAccepts(() => validateHeaderValue('x', value))).toBe(false);
    const problems = problemsOf({ headers: { 'x-tenant': value } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`smoke check "GET /health" header 'x-tenant' holds ${where}, got ${JSON.stringify(value)}, `
      + 'and Node\'s HTTP client would refuse to send it, failing every run of the check; remove line breaks (CR, LF)');
  });

  test('reports the name and the value of one header both', () => {
    expect(problemsOf({ headers: { 'x y': 'v\nw' } })).toHaveLength(2);
  });

  test('accepts what Node sends: token names, tab, Latin-1 and empty values', () => {
    const headers = { 'x-tenant': 'a\tb é', "!#$%&'*+-.^_`|~09AZaz": '', Accept: 'application/json; q=0.9' };
    for (const [name, value] of Object.entries(headers)) {
      expect(nodeAccepts(() => validateHeaderName(name)) && nodeAccepts(() => validateHeaderValue(name, value))).toBe(true);
    }
    expect(problemsOf({ headers })).toEqual([]);
  });

  test('agrees with Node on every character of a one-character name and value', () => {
    for (let code = 0; code <= 0x17f; code++) {
      const c = String.fromCharCode(code);
      expect([code, headerNameProblem(c) === undefined]).toEqual([code, nodeAccepts(() => validateHeaderName(c))]);
      expect([code, headerValueProblem(`a${c}`) === undefined]).toEqual([code, nodeAccepts(() => validateHeaderValue('x', `a${c}`))]);
    }
  });

  test('passes a token name, and checks the literal text around a token in a value', () => {
    const token = Lazy.string({ produce: () => 'tenant' });
    expect(problemsOf({ headers: { [token]: `${token}-1` } })).toEqual([]);
    expect(problemsOf({ headers: { 'x-tenant': `${token}\n` } })[0]).toMatch(/header 'x-tenant' holds U\+000A/);
  });

  test('fails when VersionSource.header is not a header name', () => {
    expect(problemsOf({ version: VersionSource.header('a b'), expectedVersion: ExpectedVersion.of('1.0.0') })).toEqual([
      'smoke check "GET /health" version reads header "a b", which no response can carry: VersionSource.header(...) must be an HTTP header name, '
        + 'one or more letters, digits or !#$%&\'*+-.^_`|~ (no spaces, \':\' or other characters), got "a b"; for example \'x-request-id\'',
    ]);
    expect(problemsOf({ version: VersionSource.header('X-App-Version'), expectedVersion: ExpectedVersion.of('1.0.0') })).toEqual([]);
  });

  test('fails when secretHeaderName or secretPrefix would not be sent, with the same rule as headers', () => {
    const stack = testStack();
    const secret = new secretsmanager.Secret(stack, 'Token');
    expect(problemsOf({ secret, secretHeaderName: 'x token' })).toEqual([
      `smoke check "GET /health" secretHeaderName ${headerNameProblem('x token')}`,
    ]);
    expect(problemsOf({ secret, secretPrefix: 'Bearer\n' })).toEqual([
      `smoke check "GET /health" secretPrefix ${headerValueProblem('Bearer\n')}`,
    ]);
    expect(problemsOf({ secret, secretHeaderName: 'x-api-token', secretPrefix: 'Bearer ' })).toEqual([]);
  });

  test('fails the synthesis naming the hook and the header, and writes valid headers into the function\'s configuration', () => {
    const stack = testStack();
    const service = mockService(stack);
    expectSynthError(stack, () => new SmokeTestHook(stack, 'Smoke', {
      service,
      checks: [SmokeCheck.get('/health', { headers: { 'x y': 'v' } })],
    }), 'TestStack/Smoke: invalid checks: smoke check "GET /health" headers: the name must be an HTTP header name');

    const good = testStack('Good');
    const hook = new SmokeTestHook(good, 'Smoke', {
      service: mockService(good),
      checks: [SmokeCheck.get('/health', { headers: { 'x-tenant': 'acme é' } })],
    });
    const environment = environmentOf(good, Template.fromStack(good), hook.function);
    expect(JSON.parse(joinToText(environment[SMOKE_CHECKS_ENV]))[0].headers).toEqual({ 'x-tenant': 'acme é' });
  });

});
