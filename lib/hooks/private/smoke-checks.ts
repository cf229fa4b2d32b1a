/**
 * Smoke checks as the construct takes them (Durations, secrets) turned into the handler's JSON
 * specs, and what is wrong with them in the construct's terms.
 */
import { validateHeaderName, validateHeaderValue } from 'http';
import { Duration, Token } from 'aws-cdk-lib';
import { ExpectedVersion, SmokeCheck } from '../smoke-check';
import { DEFAULT_RELEASE_VERSION_VARIABLE, ENVIRONMENT_VARIABLE_NAME } from '../../../contract/artifacts';
import { SMOKE_TEST_DEFAULTS, SMOKE_TEST_LIMITS, SmokeCheckSpec, validateSmokeChecks } from '../../../contract/smoke-test';
import { durationProblem, integerRangeProblem, literalNumberProblem, wholeDurationIn } from '../../private/validation';

const MAX_TIMEOUT_SECONDS = SMOKE_TEST_LIMITS.maxTimeoutMs / 1000;
const MAX_RETRIES = SMOKE_TEST_LIMITS.maxAttempts - 1;
const MAX_RETRY_DELAY_SECONDS = SMOKE_TEST_LIMITS.maxRetryDelayMs / 1000;

/** Why a check's numbers and durations must be literals. */
const SPEC_NEEDS_LITERALS = 'the library checks the check\'s spec against the smoke test\'s limits and writes it into the hook\'s configuration at synthesis, '
  + 'where nothing else would check it before a deployment runs the check';

/** Headers that carry credentials; they belong in a secret, not in the function's configuration. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'];

/** The check as the handler reads it, defaults left out to save environment space. */
export function toSmokeCheckSpec(check: SmokeCheck): SmokeCheckSpec {
  const o = check._options;
  const jsonFields = o.jsonFields
    ? Object.fromEntries(Object.entries(o.jsonFields).map(([path, value]) => [path, value._value]))
    : undefined;
  const spec: Record<string, unknown> = {
    name: check.name,
    path: o.path,
    method: o.method,
    headers: o.headers && Object.keys(o.headers).length > 0 ? o.headers : undefined,
    body: o.body,
    expectedStatuses: o.expectedStatuses,
    bodyContains: o.bodyContains,
    jsonFields,
    versionHeader: o.version?._header,
    versionJsonField: o.version?._jsonField,
    expectedVersion: o.expectedVersion?._value,
    expectedVersionVariable: o.expectedVersion?._variable,
    timeoutMs: millisOf(o.timeout),
    latencyBudgetMs: millisOf(o.latencyBudget),
    attempts: o.retries !== undefined ? o.retries + 1 : undefined,
    retryDelayMs: millisOf(o.retryDelay),
    secretArn: o.secret?.secretArn,
    secretHeader: o.secret && o.secretHeaderName !== undefined ? o.secretHeaderName.toLowerCase() : undefined,
    secretPrefix: o.secretPrefix,
    secretJsonKey: o.secretJsonField,
  };
  return Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined)) as unknown as SmokeCheckSpec;
}

/**
 * What is wrong with one check, in the construct's terms (seconds, `retries`), one message per
 * problem. `resolvesToSecret` tells whether a value is a reference to a stored secret.
 */
export function smokeCheckProblems(check: SmokeCheck, resolvesToSecret: (value: string) => boolean): string[] {
  const o = check._options;
  const label = `smoke check "${check.name}"`;
  const problems: string[] = [];
  if (!Token.isUnresolved(o.path) && !o.path.startsWith('/')) {
    problems.push(`${label} path must start with '/', got '${o.path}'; for example '/health'`);
  }
  if (o.name !== undefined && !Token.isUnresolved(o.name) && o.name.trim() === '') {
    problems.push(`${label} has an empty name; leave name unset for '${o.method ?? 'GET'} ${o.path}' or give one`);
  }
  if (o.expectedStatuses !== undefined) {
    if (o.expectedStatuses.length === 0) {
      problems.push(`${label} expectedStatuses is empty; list the statuses that pass, e.g. [200]`);
    }
    for (const status of o.expectedStatuses) {
      const problem = literalNumberProblem(status, SPEC_NEEDS_LITERALS, '[200, 204]')
        ?? (!Number.isInteger(status) || status < 100 || status > 599 ? `must be HTTP statuses between 100 and 599, got ${status}` : undefined);
      if (problem) {
        problems.push(`${label} expectedStatuses ${problem}`);
      }
    }
  }
  // Whole milliseconds, the handler's unit; the library compares them and writes them into the check's spec.
  const timeoutProblem = durationProblem(o.timeout, { unit: 'millis', rangeUnit: 'seconds', min: 1, max: MAX_TIMEOUT_SECONDS,
    fix: 'lower it or split the check', literalBecause: `${SPEC_NEEDS_LITERALS}, and latencyBudget is checked against it` });
  if (timeoutProblem) {
    problems.push(`${label} timeout ${timeoutProblem}`);
  }
  const budgetProblem = durationProblem(o.latencyBudget, { unit: 'millis', min: 1, max: SMOKE_TEST_LIMITS.maxTimeoutMs,
    fix: 'for example Duration.millis(500)', literalBecause: `${SPEC_NEEDS_LITERALS}, and it is checked against the timeout` });
  if (budgetProblem) {
    problems.push(`${label} latencyBudget ${budgetProblem}`);
  }
  const timeout = timeoutProblem || o.timeout === undefined ? undefined : wholeDurationIn(o.timeout, 'millis') / 1000;
  const budget = budgetProblem || o.latencyBudget === undefined ? undefined : wholeDurationIn(o.latencyBudget, 'millis') / 1000;
  const effectiveTimeout = timeout ?? SMOKE_TEST_DEFAULTS.timeoutMs / 1000;
  if (budget !== undefined && !timeoutProblem && budget > effectiveTimeout) {
    problems.push(`${label} latencyBudget (${budget} seconds) exceeds its timeout (${effectiveTimeout} seconds${timeout === undefined ? ', the default' : ''}); `
      + 'lower the budget or raise the timeout');
  }
  const retriesProblem = literalNumberProblem(o.retries, `${SPEC_NEEDS_LITERALS}, as the number of attempts (retries + 1)`, '2')
    ?? (integerRangeProblem(o.retries, 0, MAX_RETRIES) ? `must be a whole number from 0 to ${MAX_RETRIES}, got ${o.retries}` : undefined);
  if (retriesProblem) {
    problems.push(`${label} retries ${retriesProblem}`);
  }
  const retryDelayProblem = durationProblem(o.retryDelay, { unit: 'millis', rangeUnit: 'seconds', min: 0, max: MAX_RETRY_DELAY_SECONDS,
    fix: 'for example Duration.seconds(1)', literalBecause: SPEC_NEEDS_LITERALS });
  if (retryDelayProblem) {
    problems.push(`${label} retryDelay ${retryDelayProblem}`);
  }
  if (o.expectedVersion !== undefined && o.version === undefined) {
    problems.push(`${label} has an expectedVersion but nowhere to read the version from; set version: VersionSource.header(...) or VersionSource.jsonField(...)`);
  }
  const expectedProblem = expectedVersionProblem(o.expectedVersion);
  if (expectedProblem) {
    problems.push(`${label} ${expectedProblem}`);
  }
  if (!o.secret && (o.secretHeaderName !== undefined || o.secretPrefix !== undefined || o.secretJsonField !== undefined)) {
    problems.push(`${label} sets secretHeaderName, secretPrefix or secretJsonField without a secret; add secret or remove them`);
  }
  const secretHeader = (o.secretHeaderName ?? SMOKE_TEST_DEFAULTS.secretHeader).toLowerCase();
  const secretHeaderProblem = o.secret ? headerNameProblem(o.secretHeaderName ?? SMOKE_TEST_DEFAULTS.secretHeader) : undefined;
  if (secretHeaderProblem) {
    problems.push(`${label} secretHeaderName ${secretHeaderProblem}`);
  }
  const secretPrefixProblem = o.secret && o.secretPrefix !== undefined ? headerValueProblem(o.secretPrefix) : undefined;
  if (secretPrefixProblem) {
    problems.push(`${label} secretPrefix ${secretPrefixProblem}`);
  }
  const versionHeaderProblem = o.version?._header !== undefined ? headerNameProblem(o.version._header) : undefined;
  if (versionHeaderProblem) {
    problems.push(`${label} version reads header ${JSON.stringify(o.version?._header)}, which no response can carry: VersionSource.header(...) ${versionHeaderProblem}`);
  }
  for (const [path, value] of Object.entries(o.jsonFields ?? {})) {
    const expected: unknown = value?._value;
    if (typeof expected === 'number' && !Number.isFinite(expected)) {
      problems.push(`${label} jsonFields '${path}' expects ${expected}, which JSON cannot carry: it would be written as null, `
        + 'and the check would pass whenever the field is null; give a finite number, or JsonValue.NULL to expect null');
    }
  }
  for (const [name, value] of Object.entries(o.headers ?? {})) {
    const lower = name.toLowerCase();
    const nameProblem = headerNameProblem(name);
    if (nameProblem) {
      problems.push(`${label} headers: the name ${nameProblem}`);
    }
    const valueProblem = typeof value === 'string' ? headerValueProblem(value) : undefined;
    if (valueProblem) {
      problems.push(`${label} header '${name}' ${valueProblem}`);
    }
    if (o.secret && lower === secretHeader) {
      problems.push(`${label} headers contain '${name}', the header that carries its secret; remove it from headers`);
    } else if (CREDENTIAL_HEADERS.includes(lower)) {
      problems.push(`${label} headers contain '${name}', a credential, which would be stored in plain text in the function's configuration; `
        + `pass it as secret (a Secrets Manager secret) with secretHeaderName: '${lower}'`);
    }
    if (resolvesToSecret(value)) {
      problems.push(`${label} header '${name}' holds a secret value, which would be stored in plain text in the function's configuration; `
        + 'pass the secret itself as secret with secretHeaderName instead');
    }
  }
  if (o.body !== undefined && resolvesToSecret(o.body)) {
    problems.push(`${label} body holds a secret value, which would be stored in plain text in the function's configuration; send credentials in a header from secret`);
  }
  // The handler's own rules, on the spec; a failure here that the checks above missed still fails synthesis.
  if (problems.length === 0) {
    const spec = toSmokeCheckSpec(check);
    problems.push(...validateSmokeChecks([{ ...spec, path: Token.isUnresolved(spec.path) ? '/' : spec.path }]));
  }
  return problems;
}

/**
 * What is wrong with an expected version (a check's or the hook's), as the end of a sentence
 * starting with its owner; undefined when it is fine or absent.
 */
export function expectedVersionProblem(expected: unknown): string | undefined {
  if (expected === undefined) {
    return undefined;
  }
  if (!(expected instanceof ExpectedVersion)) {
    const shown = typeof expected === 'string' ? `'${expected}'` : JSON.stringify(expected);
    return `expectedVersion must be an ExpectedVersion, got ${shown}; pass ExpectedVersion.of(${typeof expected === 'string' ? shown : '\'1.2.3\''}) `
      + 'or ExpectedVersion.fromDeployedEnvironment()';
  }
  const { _value: value, _variable: variable } = expected;
  if (value !== undefined && !Token.isUnresolved(value) && value.trim() === '') {
    return 'expectedVersion is empty; pass the version the new tasks report, or ExpectedVersion.fromDeployedEnvironment() to follow each release';
  }
  if (variable !== undefined && !Token.isUnresolved(variable) && !ENVIRONMENT_VARIABLE_NAME.test(variable)) {
    return `expectedVersion reads the deployed environment variable '${variable}', which is not an environment variable name; `
      + `use letters, digits and '_', not starting with a digit, e.g. '${DEFAULT_RELEASE_VERSION_VARIABLE}'`;
  }
  return undefined;
}

/** Problems of the list as a whole: none, or the same name twice. */
export function smokeCheckListProblems(checks: readonly SmokeCheck[]): string[] {
  if (checks.length === 0) {
    return ['a smoke test needs at least one check; add one, e.g. SmokeCheck.get(\'/health\')'];
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const check of checks) {
    if (seen.has(check.name)) {
      problems.push(`smoke check "${check.name}" is defined twice; give each check its own name`);
    }
    seen.add(check.name);
  }
  return problems;
}

/** The characters besides letters and digits that an HTTP header name (an RFC 9110 token) may hold. */
const TOKEN_PUNCTUATION = "!#$%&'*+-.^_`|~";

/**
 * What is wrong with a header name, as the end of a sentence naming its owner; undefined when it
 * is fine or a token. The handler sends the checks with Node's HTTP client, which refuses, on
 * every run, a name that is not an RFC 9110 token; Node's own check decides.
 */
export function headerNameProblem(name: string): string | undefined {
  if (Token.isUnresolved(name)) {
    return undefined;
  }
  try {
    validateHeaderName(name);
    return undefined;
  } catch {
    return `must be an HTTP header name, one or more letters, digits or ${TOKEN_PUNCTUATION} (no spaces, ':' or other characters), `
      + `got ${JSON.stringify(name)}; for example 'x-request-id'`;
  }
}

/** What Node's HTTP client refuses in a header value: control characters but tab (CR, LF, NUL...), DEL and characters above U+00FF. */
const FORBIDDEN_VALUE_CHARACTER = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * What is wrong with a header value, as the end of a sentence naming its header; undefined when
 * Node's HTTP client sends it. A token's placeholder holds only characters Node sends, so the
 * literal parts around tokens are checked too.
 */
export function headerValueProblem(value: string): string | undefined {
  try {
    validateHeaderValue('x', value);
    return undefined;
  } catch {
    const found = FORBIDDEN_VALUE_CHARACTER.exec(value);
    const where = found
      ? ` U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at index ${found.index}`
      : ' a character Node\'s HTTP client refuses';
    return `holds${where}, got ${JSON.stringify(value)}, and Node's HTTP client would refuse to send it, failing every run of the check; `
      + 'remove line breaks (CR, LF), NUL and other control characters but tab, and characters above U+00FF (encode them, e.g. percent-encoding)';
  }
}

/** In whole milliseconds, without aws-cdk-lib's error on a fraction (a check with one is refused before it is rendered). */
function millisOf(duration: Duration | undefined): number | undefined {
  return duration === undefined ? undefined : wholeDurationIn(duration, 'millis');
}
