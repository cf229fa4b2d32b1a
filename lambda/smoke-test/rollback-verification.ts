/**
 * Verifies a completed rollback: runs the service's smoke checks against the production listener
 * and puts one `Rollback Verification Result` event, VERIFIED or UNVERIFIED, on the default bus.
 *
 * Every path that concerns a rollback ends in exactly one event or in a thrown error (when
 * EventBridge refuses the event until the function's deadline): Lambda's asynchronous retries,
 * then the function's dead-letter queue, take over from there. A second delivery of the same
 * rollback to the same execution environment is logged and not reported again; one to another
 * environment reports again, with the same deploymentId, which receivers may dedupe on.
 */
import { setMaxListeners } from 'events';
import {
  ROLLBACK_VERIFICATION_DETAIL_TYPE, RollbackVerificationDetail, VerifiedCheck,
} from '../../contract/release-events';
import {
  ROLLBACK_VERIFICATION_EVENT_FIELD, ROLLBACK_VERIFICATION_FIELD, ROLLBACK_VERIFICATION_RESERVE_MS, ROLLBACK_VERIFICATION_VERSION,
  RollbackVerificationSettings,
} from '../../contract/rollback-verification';
import { isRecord } from '../shared/answer';
import type { AwsCallScope } from '../shared/aws-call';
import type { LambdaContext } from '../shared/hook';
import { Logger, createLogger, describeError, errorMessage } from '../shared/logger';
import { readConfig } from './config';
import { createAgents } from './http';
import { putReleaseEvent } from '../shared/release-event';
import { DeploymentEvent, RollbackClassification, classifyRollbackEvent } from './rollback-event';
import { RestoredVersionReader } from './restored-version';
import { CheckResult, runCheck, verifiedChecks } from './run';
import { SecretReader } from './secrets';
import { loadBalancerPrivateIps } from './target';

/** What the rule passes to the function. */
export interface RollbackVerificationInput {
  readonly [ROLLBACK_VERIFICATION_FIELD]: RollbackVerificationSettings;
  readonly [ROLLBACK_VERIFICATION_EVENT_FIELD]: DeploymentEvent;
}

/** What one invocation did. */
export interface RollbackVerificationSummary {
  readonly verdict: 'VERIFIED' | 'UNVERIFIED' | 'ignored' | 'duplicate';
  readonly reason: string;
  readonly eventId?: string;
}

/** Whether the function was invoked by the verification's rule rather than as a lifecycle hook. */
export function isRollbackVerificationInput(event: unknown): event is RollbackVerificationInput {
  return isRecord(event) && ROLLBACK_VERIFICATION_FIELD in event;
}

/** The rollbacks reported by this execution environment, so a redelivery is not reported twice. */
const reported = new Map<string, string>();
const MAX_REMEMBERED = 100;

/** Forgets the rollbacks reported; for tests. */
export function forgetReportedRollbacks(): void {
  reported.clear();
}

export async function verifyRollback(input: RollbackVerificationInput, lambdaContext?: LambdaContext): Promise<RollbackVerificationSummary> {
  const started = Date.now();
  const remaining = lambdaContext?.getRemainingTimeInMillis() ?? 60_000;
  const settings = input[ROLLBACK_VERIFICATION_FIELD];
  const event: DeploymentEvent = isRecord(input[ROLLBACK_VERIFICATION_EVENT_FIELD]) ? input[ROLLBACK_VERIFICATION_EVENT_FIELD] : {};
  const serviceName = typeof settings?.serviceName === 'string' ? settings.serviceName : 'unknown service';
  const logger = createLogger({
    hook: `${serviceName} rollback verification`,
    ...(lambdaContext?.awsRequestId ? { requestId: lambdaContext.awsRequestId } : {}),
  });
  // The checks stop early enough to leave time for the event; the event may use it all but a second.
  const checks = new AbortController();
  const checksDeadline = started + Math.max(remaining - ROLLBACK_VERIFICATION_RESERVE_MS, 1000);
  const timer = setTimeout(() => checks.abort(new Error('the verification ran out of time')), checksDeadline - started);
  setMaxListeners(100, checks.signal);
  const scope: AwsCallScope = { signal: checks.signal, deadline: checksDeadline, logger };
  const putScope: AwsCallScope = { signal: new AbortController().signal, deadline: started + remaining - 1000, logger };
  try {
    let classification: RollbackClassification;
    try {
      if (!isRecord(settings) || settings.version !== ROLLBACK_VERIFICATION_VERSION || !isRecord(settings.config)) {
        throw new Error(`the rule's ${ROLLBACK_VERIFICATION_FIELD} is not version ${ROLLBACK_VERIFICATION_VERSION} settings; deploy the stack again`);
      }
      const stranger = anotherServicesEvent(settings, event);
      classification = stranger ? { kind: 'ignore', reason: stranger } : await classifyRollbackEvent(scope, event);
    } catch (error) {
      // It may have been a rollback: a page that says why is better than silence.
      const deploymentId = String(event.detail?.deploymentId ?? event.detail?.serviceDeploymentArn ?? event.id ?? 'unknown');
      const reason = `could not tell whether the deployment rolled back: ${errorMessage(error)}`;
      return await report(putScope, settings, { deploymentId, restored: { engine: 'ECS' } }, started, {
        outcome: 'UNVERIFIED', reason, checks: [],
      });
    }
    if (classification.kind === 'ignore') {
      logger.info('rollback verification', { verdict: 'ignored', observed: classification.reason, deploymentId: classification.deploymentId });
      return { verdict: 'ignored', reason: classification.reason };
    }
    const earlier = reported.get(classification.deploymentId);
    if (earlier) {
      const reason = `the rollback of ${classification.deploymentId} was already reported (event ${earlier}): a repeated delivery`;
      logger.info('rollback verification', { verdict: 'duplicate', observed: reason, deploymentId: classification.deploymentId });
      return { verdict: 'duplicate', reason };
    }
    const result = await runChecks(scope, settings, classification, logger);
    const summary = await report(putScope, settings, classification, started, result);
    return summary;
  } finally {
    clearTimeout(timer);
    checks.abort(new Error('verification finished'));
  }
}

/**
 * Why the event concerns another service of the rule, or undefined when it is this one's. A rule
 * sends the deployment ends of up to five services to each of its targets, each target with its
 * own service's settings; settings that name no deployment group or service ARN came from a rule
 * of one service, whose events are all its own.
 */
function anotherServicesEvent(settings: RollbackVerificationSettings, event: DeploymentEvent): string | undefined {
  if (settings.applicationName !== undefined && settings.deploymentGroupName !== undefined && event.source === 'aws.codedeploy') {
    const application = event.detail?.application;
    const group = event.detail?.deploymentGroup;
    return application === settings.applicationName && group === settings.deploymentGroupName ? undefined
      : `the deployment is of ${String(application)}/${String(group)}, not of ${settings.serviceName} `
        + `(${settings.applicationName}/${settings.deploymentGroupName}), which shares the rule`;
  }
  if (settings.serviceArn !== undefined && event.source === 'aws.ecs') {
    const resources = Array.isArray(event.resources) ? event.resources : [];
    return resources.includes(settings.serviceArn) ? undefined
      : `the deployment is of ${resources.join(', ') || 'no service'}, not of ${settings.serviceName} (${settings.serviceArn}), which shares the rule`;
  }
  return undefined;
}

interface VerificationResult {
  readonly outcome: 'VERIFIED' | 'UNVERIFIED';
  readonly reason: string;
  readonly checks: VerifiedCheck[];
  readonly url?: string;
  readonly restoredVersion?: string;
}

/** Runs every check to its end (none stops another), each with its retries. */
async function runChecks(
  scope: AwsCallScope,
  settings: RollbackVerificationSettings,
  rollback: Extract<RollbackClassification, { kind: 'verify' }>,
  logger: Logger,
): Promise<VerificationResult> {
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig(settings.config);
  } catch (error) {
    return { outcome: 'UNVERIFIED', reason: `the checks could not run: ${errorMessage(error)}`, checks: [] };
  }
  const url = config.baseUrl.href;
  const agents = createAgents(config.concurrency);
  const secrets = new SecretReader(scope);
  const versions = new RestoredVersionReader(scope, rollback.restored, config.deployedService);
  let restoredVersion: string | undefined;
  const deployedVersions = {
    read: async (variable: string) => {
      const version = await versions.read(variable);
      restoredVersion ??= version.value;
      return version;
    },
  };
  try {
    let ips: string[] | undefined;
    try {
      ips = config.loadBalancerFullName ? await loadBalancerPrivateIps(config.loadBalancerFullName, scope) : undefined;
    } catch (error) {
      return { outcome: 'UNVERIFIED', reason: `the checks could not run: ${errorMessage(error)}`, checks: [], url };
    }
    const results: CheckResult[] = new Array(config.checks.length);
    let next = 0;
    const worker = async () => {
      while (next < config.checks.length) {
        const index = next++;
        results[index] = await runCheck(config.checks[index], index,
          { config, ips, agents, secrets, deployedVersions, signal: scope.signal, logger });
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, config.checks.length) }, worker));
    const checks = verifiedChecks(results, errorMessage(scope.signal.reason));
    const failedChecks = checks.filter((check) => !check.passed);
    const timedOut = scope.signal.aborted ? '; the verification ran out of time' : '';
    return failedChecks.length === 0 && !rollback.rollbackFailed
      ? { outcome: 'VERIFIED', reason: `${checks.length} smoke check${checks.length === 1 ? '' : 's'} passed against the production listener`
        + ' after the rollback', checks, url, ...(restoredVersion ? { restoredVersion } : {}) }
      : {
        outcome: 'UNVERIFIED',
        reason: [rollback.rollbackFailed,
          failedChecks.length > 0 ? `${failedChecks.length} of ${checks.length} smoke checks failed against the production listener after the rollback: `
            + failedChecks.map((check) => `"${check.name}" ${check.detail}`).join('; ') : undefined,
        ].filter(Boolean).join('; ') + timedOut,
        checks, url, ...(restoredVersion ? { restoredVersion } : {}),
      };
  } finally {
    agents.destroy();
  }
}

/** Puts the one event and logs the one decision line; throws when the event cannot be put. */
async function report(
  scope: AwsCallScope,
  settings: RollbackVerificationSettings | undefined,
  rollback: Pick<Extract<RollbackClassification, { kind: 'verify' }>, 'deploymentId' | 'restored' | 'serviceArn'>,
  started: number,
  result: VerificationResult,
): Promise<RollbackVerificationSummary> {
  const serviceArn = rollback.serviceArn ?? settings?.serviceArn;
  const detail: RollbackVerificationDetail = {
    outcome: result.outcome,
    engine: settings?.engine === 'CODE_DEPLOY' || settings?.engine === 'ECS' ? settings.engine : rollback.restored.engine,
    serviceName: settings?.serviceName ?? 'unknown service',
    ...(serviceArn ? { serviceArn } : {}),
    deploymentId: rollback.deploymentId,
    ...(settings?.applicationName ? { applicationName: settings.applicationName } : {}),
    ...(settings?.deploymentGroupName ? { deploymentGroupName: settings.deploymentGroupName } : {}),
    reason: result.reason,
    checks: result.checks,
    ...(result.url ? { url: result.url } : {}),
    ...(result.restoredVersion ? { restoredVersion: result.restoredVersion } : {}),
    startedAt: new Date(started).toISOString(),
    completedAt: new Date().toISOString(),
  };
  const fields = {
    verdict: result.outcome,
    deploymentId: rollback.deploymentId,
    observed: result.reason,
    checks: result.checks.map((check) => `${check.name}: ${check.passed ? 'pass' : 'fail'}`),
    elapsedMs: Date.now() - started,
  };
  let eventId: string;
  try {
    eventId = await putReleaseEvent(scope, ROLLBACK_VERIFICATION_DETAIL_TYPE, detail, serviceArn ? [serviceArn] : []);
  } catch (error) {
    scope.logger.error('rollback verification not put', { ...fields, error: describeError(error) });
    throw new Error(`the rollback verification of ${rollback.deploymentId} (${result.outcome}) could not be put on the event bus: ${errorMessage(error)}`);
  }
  remember(rollback.deploymentId, eventId);
  scope.logger[result.outcome === 'VERIFIED' ? 'info' : 'error']('rollback verification', { ...fields, eventId });
  return { verdict: result.outcome, reason: result.reason, eventId };
}

function remember(deploymentId: string, eventId: string): void {
  if (reported.size >= MAX_REMEMBERED) {
    reported.delete(reported.keys().next().value as string);
  }
  reported.set(deploymentId, eventId);
}
