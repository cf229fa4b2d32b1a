import { setMaxListeners } from 'events';
import type { VerifiedCheck } from '../../contract/release-events';
import { HookContext, HookOutcome, failed, formatSeconds, succeeded } from '../shared/hook';
import { Logger, errorMessage } from '../shared/logger';
import { sleep } from '../shared/retry';
import { Evaluation, ResolvedVersion, configuredVersion, describeExpectation, evaluateError, evaluateResponse } from './checks';
import { ResolvedSmokeCheck, SmokeTestConfig, readConfig } from './config';
import { DeployedVersionReader } from './deployed-version';
import { Agents, createAgents, sendRequest } from './http';
import { SecretReader } from './secrets';
import { loadBalancerPrivateIps } from './target';

/** How one check ended. */
export type CheckResult =
  | { readonly verdict: 'pass'; readonly check: ResolvedSmokeCheck; readonly expectation: string }
  | { readonly verdict: 'fail'; readonly check: ResolvedSmokeCheck; readonly attempts: number; readonly reason: string }
  | { readonly verdict: 'aborted'; readonly check: ResolvedSmokeCheck };

/**
 * The smoke test as an engine-neutral hook body: runs every check against the test listener,
 * a bounded number at once, and fails as soon as one check has failed for good (the others are
 * aborted).
 */
export async function smokeTestBody(context: HookContext): Promise<HookOutcome> {
  const config = readConfig();
  return runSmokeChecks(config, context);
}

export async function runSmokeChecks(config: SmokeTestConfig, context: HookContext): Promise<HookOutcome> {
  const started = Date.now();
  const { logger } = context;
  // Aborted on the first definitive failure, or when the hook's own signal aborts.
  const run = new AbortController();
  // Every request in flight and every retry wait listens to it: that many listeners is expected.
  setMaxListeners(config.concurrency * 2 + 10, run.signal);
  const onHookAbort = () => run.abort(context.signal.reason);
  context.signal.addEventListener('abort', onHookAbort, { once: true });
  const agents = createAgents(config.concurrency);
  const secrets = new SecretReader({ signal: run.signal, deadline: context.deadline, logger });
  // Read once per invocation, however many checks expect the deployed version.
  const deployedVersions = new DeployedVersionReader({ signal: run.signal, deadline: context.deadline, logger },
    context.execution, config.deployedService);

  try {
    if (config.loadBalancerFullName) {
      context.progress(`resolving the private IPs of ${config.loadBalancerFullName}`);
    }
    const ips = config.loadBalancerFullName
      ? await loadBalancerPrivateIps(config.loadBalancerFullName, { signal: run.signal, deadline: context.deadline, logger })
      : undefined;

    const running = new Set<string>();
    const results: CheckResult[] = [];
    // Described only if the deadline asks: joining the running checks' names at each of hundreds of checks costs.
    context.progress(() => (running.size > 0
      ? `checks not finished: ${[...running].join(', ')}`
      : `${results.length} of ${config.checks.length} checks finished`));
    let firstFailure: Extract<CheckResult, { verdict: 'fail' }> | undefined;
    let onFailure: () => void = () => undefined;
    const failure = new Promise<void>((resolve) => {
      onFailure = resolve;
    });

    let next = 0;
    const worker = async () => {
      while (!run.signal.aborted && next < config.checks.length) {
        const index = next++;
        const check = config.checks[index];
        running.add(check.name);
        const result = await runCheck(check, index, { config, ips, agents, secrets, deployedVersions, signal: run.signal, logger });
        running.delete(check.name);
        results.push(result);
        if (result.verdict === 'fail' && !firstFailure) {
          firstFailure = result;
          run.abort(new Error(`smoke check "${check.name}" failed`));
          onFailure();
        }
      }
    };
    const workers = Array.from({ length: Math.min(config.concurrency, config.checks.length) }, worker);
    // Decide on the first failure without waiting for the aborted checks to wind down.
    await Promise.race([Promise.all(workers), failure]);

    if (firstFailure) {
      const passed = results.filter((result) => result.verdict === 'pass').length;
      const notRun = config.checks.length - passed - 1;
      return failed(`smoke check "${firstFailure.check.name}" failed`
        + `${firstFailure.attempts > 1 ? ` after ${firstFailure.attempts} attempts` : ''}: ${firstFailure.reason} `
        + `(${describeTarget(firstFailure.check)})`
        + `; ${passed} passed${notRun > 0 ? `, ${notRun} stopped` : ''}`,
      { checks: verifiedChecks(results, `another check failed (${firstFailure.check.name})`) });
    }
    if (context.signal.aborted) {
      // The runtime has already reported the deadline; this value is not used.
      return failed('smoke test stopped by the hook deadline');
    }
    return succeeded(`${config.checks.length} smoke check${config.checks.length === 1 ? '' : 's'} passed `
      + `in ${formatSeconds(Date.now() - started)}`, { checks: verifiedChecks(results, 'the smoke test ended') });
  } finally {
    context.signal.removeEventListener('abort', onHookAbort);
    run.abort(new Error('smoke test finished'));
    agents.destroy();
  }
}

/** The checks' results as a person reads them; `stoppedWhy` says why a stopped check did not finish. */
export function verifiedChecks(results: readonly CheckResult[], stoppedWhy: string): VerifiedCheck[] {
  return results.map((result) => ({
    name: result.check.name,
    passed: result.verdict === 'pass',
    detail: result.verdict === 'pass' ? `passed: ${result.expectation}`
      : result.verdict === 'fail' ? `failed${result.attempts > 1 ? ` after ${result.attempts} attempts` : ''}: ${result.reason}`
        : `stopped: ${stoppedWhy}`,
  }));
}

/** Where expected versions read from a task definition come from. */
export interface VersionSource {
  read(variable: string): Promise<ResolvedVersion>;
}

export interface RunEnvironment {
  readonly config: SmokeTestConfig;
  readonly ips?: readonly string[];
  readonly agents: Agents;
  readonly secrets: SecretReader;
  readonly deployedVersions: VersionSource;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** Runs one check with its retries; logs each attempt. */
export async function runCheck(check: ResolvedSmokeCheck, index: number, env: RunEnvironment): Promise<CheckResult> {
  const checkStarted = Date.now();
  let expectedVersion = configuredVersion(check);
  let expectation: string | undefined;
  // Described once per check, and only when a line or the result needs it: hundreds of checks run at once.
  const describe = () => expectation ??= describeExpectation(check, expectedVersion);
  const logAborted = (attempt: number) => {
    env.logger.info('smoke check stopped', {
      check: check.name, attempt, expectation: describe(), observed: `stopped: ${errorMessage(env.signal.reason)}`,
      verdict: 'aborted', elapsedMs: Date.now() - checkStarted,
    });
    return { verdict: 'aborted', check } as const;
  };

  let headers: Record<string, string>;
  try {
    headers = await requestHeaders(check, env.secrets);
    expectedVersion ??= await deployedVersionOf(check, env.deployedVersions);
  } catch (error) {
    if (env.signal.aborted) {
      return logAborted(1);
    }
    const reason = env.secrets.mask(errorMessage(error));
    env.logger.error('smoke check attempt', {
      check: check.name, attempt: 1, expectation: describe(), observed: reason, verdict: 'fail', elapsedMs: Date.now() - checkStarted,
    });
    return { verdict: 'fail', check, attempts: 1, reason };
  }

  for (let attempt = 1; ; attempt++) {
    if (env.signal.aborted) {
      return logAborted(attempt);
    }
    // Spreads checks, and each retry, over the load balancer's nodes.
    const connectTo = env.ips ? env.ips[(index + attempt - 1) % env.ips.length] : undefined;
    const attemptStarted = Date.now();
    let evaluation: Evaluation;
    try {
      const response = await sendRequest({
        url: check.url,
        connectTo,
        method: check.method,
        headers,
        body: check.body,
        timeoutMs: check.timeoutMs,
        signal: env.signal,
        verifyTls: env.config.verifyTls,
        agents: env.agents,
      });
      evaluation = evaluateResponse(check, response, expectedVersion);
    } catch (error) {
      if (env.signal.aborted) {
        return logAborted(attempt);
      }
      evaluation = evaluateError(error);
    }

    const final = evaluation.pass || attempt >= check.attempts;
    const verdict = evaluation.pass ? 'pass' : final ? 'fail' : 'retry';
    const retryDelayMs = check.retryDelayMs * 2 ** (attempt - 1);
    const fields = {
      check: check.name,
      attempt,
      attempts: check.attempts,
      expectation: describe(),
      observed: env.secrets.mask(evaluation.observed),
      ...(evaluation.failures.length > 0 ? { failures: evaluation.failures.map((failure) => env.secrets.mask(failure)) } : {}),
      verdict,
      target: connectTo ? `${connectTo} (Host ${check.url.host})` : check.url.host,
      elapsedMs: Date.now() - attemptStarted,
      ...(final ? { checkElapsedMs: Date.now() - checkStarted } : { retryInMs: retryDelayMs }),
    };
    if (verdict === 'fail') {
      env.logger.error('smoke check attempt', fields);
    } else if (verdict === 'retry') {
      env.logger.warn('smoke check attempt', fields);
    } else {
      env.logger.info('smoke check attempt', fields);
    }
    if (evaluation.pass) {
      return { verdict: 'pass', check, expectation: describe() };
    }
    if (final) {
      return { verdict: 'fail', check, attempts: attempt, reason: env.secrets.mask(evaluation.failures.join('; ')) };
    }
    try {
      await sleep(retryDelayMs, env.signal);
    } catch {
      return logAborted(attempt + 1);
    }
  }
}

async function requestHeaders(check: ResolvedSmokeCheck, secrets: SecretReader): Promise<Record<string, string>> {
  if (!check.secret) {
    return check.headers;
  }
  const value = await secrets.read(check.secret.arn, check.secret.jsonKey);
  return { ...check.headers, [check.secret.header]: `${check.secret.prefix}${value}` };
}

/** The version of the deployed task definition a check compares with; undefined for a check that configures its version or has none. */
async function deployedVersionOf(check: ResolvedSmokeCheck, deployedVersions: VersionSource): Promise<ResolvedVersion | undefined> {
  const expected = check.version?.expected;
  return expected && 'variable' in expected ? deployedVersions.read(expected.variable) : undefined;
}

function describeTarget(check: ResolvedSmokeCheck): string {
  return `${check.method} ${check.url.pathname}${check.url.search}`;
}
