import { JsonScalar } from '../../contract/smoke-test';
import { errorMessage } from '../shared/logger';
import { ResolvedSmokeCheck } from './config';
import { HttpResponse, HttpTimeoutError } from './http';

/** What one attempt found. */
export interface Evaluation {
  readonly pass: boolean;
  /** What was found, in words: `status 503 in 12 ms`. */
  readonly observed: string;
  /** Each unmet expectation: `status 503, expected 200`. Empty when the attempt passed. */
  readonly failures: readonly string[];
}

/** The version a check compares with, once known. */
export interface ResolvedVersion {
  readonly value: string;
  /** Where it was read, e.g. `RELEASE_VERSION of task definition orders-api:42`; absent when configured. */
  readonly source?: string;
}

const EXCERPT_LENGTH = 200;

/** The version a check expects when its configuration gives it; undefined when it is read at run time. */
export function configuredVersion(check: ResolvedSmokeCheck): ResolvedVersion | undefined {
  const expected = check.version?.expected;
  return expected && 'value' in expected ? { value: expected.value } : undefined;
}

/**
 * The check's expectations in words, for the log: `GET /health → status 200; body contains "ok"; within 500 ms`.
 * @param expectedVersion the version read at run time, for a check that reads it
 */
export function describeExpectation(check: ResolvedSmokeCheck, expectedVersion = configuredVersion(check)): string {
  const parts = [`status ${check.expectedStatuses.join(' or ')}`];
  if (check.bodyContains !== undefined) {
    parts.push(`body contains ${JSON.stringify(check.bodyContains)}`);
  }
  for (const [path, value] of check.jsonFields) {
    parts.push(`${path} = ${JSON.stringify(value)}`);
  }
  if (check.version) {
    const source = check.version.header !== undefined ? `header ${check.version.header}` : `field ${check.version.jsonField}`;
    const expected = check.version.expected;
    const value = expectedVersion ? JSON.stringify(expectedVersion.value) : 'variable' in expected ? `from ${expected.variable}` : '?';
    parts.push(`version ${value} (${[source, expectedVersion?.source].filter(Boolean).join('; ')})`);
  }
  parts.push(check.latencyBudgetMs !== undefined ? `within ${check.latencyBudgetMs} ms` : `complete within ${check.timeoutMs} ms`);
  return `${check.method} ${check.url.pathname}${check.url.search} → ${parts.join('; ')}`;
}

/**
 * Compares a response with the check's expectations; lists every unmet one.
 * @param expectedVersion the version read at run time, required for a check that reads it
 */
export function evaluateResponse(check: ResolvedSmokeCheck, response: HttpResponse, expectedVersion = configuredVersion(check)): Evaluation {
  const failures: string[] = [];
  const observed = [`status ${response.status} in ${response.elapsedMs} ms`];

  if (!check.expectedStatuses.includes(response.status)) {
    failures.push(`status ${response.status}, expected ${check.expectedStatuses.join(' or ')}`);
  }
  if (check.latencyBudgetMs !== undefined && response.elapsedMs > check.latencyBudgetMs) {
    failures.push(`took ${response.elapsedMs} ms, over the ${check.latencyBudgetMs} ms budget`);
  }
  if (check.bodyContains !== undefined && !response.body.includes(check.bodyContains)) {
    failures.push(`body does not contain ${JSON.stringify(check.bodyContains)}`);
  }

  const needsJson = check.jsonFields.length > 0 || check.version?.jsonField !== undefined;
  let json: unknown;
  let jsonError: string | undefined;
  if (needsJson) {
    try {
      json = JSON.parse(response.body);
    } catch {
      jsonError = response.bodyTruncated ? 'body is too large to read as JSON' : 'body is not JSON';
      failures.push(jsonError);
    }
  }
  if (jsonError === undefined) {
    for (const [path, expected] of check.jsonFields) {
      const found = readPath(json, path);
      if (!found.present) {
        failures.push(`${path} is missing, expected ${JSON.stringify(expected)}`);
      } else if (found.value !== expected) {
        failures.push(`${path} = ${JSON.stringify(found.value)}, expected ${JSON.stringify(expected)}`);
      }
    }
  }

  if (check.version) {
    if (!expectedVersion) {
      throw new Error(`smoke check "${check.name}": the expected version was not read before the response was evaluated`);
    }
    const expected = `${JSON.stringify(expectedVersion.value)}${expectedVersion.source ? ` (${expectedVersion.source})` : ''}`;
    const version = readVersion(check, response, json, jsonError);
    observed.push(version === undefined ? 'no version' : `version ${JSON.stringify(version)}`);
    if (version === undefined) {
      if (jsonError === undefined) {
        failures.push(check.version.header !== undefined
          ? `no ${check.version.header} header, expected version ${expected}`
          : `${check.version.jsonField} is missing, expected version ${expected}`);
      }
    } else if (version !== expectedVersion.value) {
      failures.push(`version ${JSON.stringify(version)}, expected ${expected}`);
    }
  }

  if (failures.length > 0 && response.body.length > 0) {
    observed.push(`body ${JSON.stringify(excerpt(response.body))}`);
  }
  return { pass: failures.length === 0, observed: observed.join(', '), failures };
}

/** Describes a request that got no response. */
export function evaluateError(error: unknown): Evaluation {
  const observed = describeRequestError(error);
  return { pass: false, observed, failures: [observed] };
}

/** Node's codes for a certificate that failed verification: OpenSSL's verify results, and the host name check. */
function isCertificateError(code: string): boolean {
  return code.startsWith('ERR_TLS_CERT') || /CERT|SELF_SIGNED|UNABLE_TO_(GET_ISSUER|VERIFY|DECRYPT)|CRL_/.test(code);
}

function describeRequestError(error: unknown): string {
  if (error instanceof HttpTimeoutError) {
    return error.message;
  }
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)';
    case 'ECONNRESET':
      return 'connection reset (ECONNRESET)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host name not resolved (${code})`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `host unreachable (${code}); check the security groups between the function and the test listener`;
    default: {
      const message = errorMessage(error);
      if (typeof code === 'string' && isCertificateError(code)) {
        return `TLS certificate rejected: ${message} (${code}); the test listener must present a valid certificate for the host name `
          + 'the checks use, or the hook must be told not to verify it (verifyCertificate: false)';
      }
      return typeof code === 'string' ? `request failed: ${message} (${code})` : `request failed: ${message}`;
    }
  }
}

function readVersion(check: ResolvedSmokeCheck, response: HttpResponse, json: unknown, jsonError: string | undefined): string | undefined {
  const version = check.version;
  if (!version) {
    return undefined;
  }
  if (version.header !== undefined) {
    const value = response.headers[version.header];
    return Array.isArray(value) ? value[0] : value?.trim();
  }
  if (jsonError !== undefined || version.jsonField === undefined) {
    return undefined;
  }
  const found = readPath(json, version.jsonField);
  return found.present && found.value !== null && typeof found.value !== 'object' ? String(found.value) : undefined;
}

/** Reads `a.b.0.c` from parsed JSON. */
export function readPath(value: unknown, path: string): { present: boolean; value?: JsonScalar | object } {
  let current: unknown = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.prototype.hasOwnProperty.call(current, key)) {
      return { present: false };
    }
    current = (current as Record<string, unknown>)[key];
  }
  return { present: true, value: current as JsonScalar | object };
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length <= EXCERPT_LENGTH ? flat : `${flat.slice(0, EXCERPT_LENGTH)}…`;
}
