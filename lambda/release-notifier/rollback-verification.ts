/**
 * The notifier's path for a rollback's verification: the library's own event
 * `Rollback Verification Result` says whether the old version serves again after a rollback.
 * VERIFIED is WARNING (a release failed, production is fine) and resolves the stage's incident;
 * UNVERIFIED is CRITICAL (production may be broken).
 */
import { RELEASE_EVENT_SOURCE, ROLLBACK_VERIFICATION_DETAIL_TYPE, RollbackVerificationDetail } from '../../contract/release-events';
import type { LambdaContext } from '../shared/hook';
import { Logger, createLogger } from '../shared/logger';
import { loadNotifierSettings } from './config';
import type { NotifierOutcome } from './ecs-deployment';
import { ecsDeploymentsConsoleUrl } from './ecs-message';
import { parseServiceArn } from './ecs-lookup';
import { Notification, chatbotNotification, subjectLine, truncate } from './message';
import { incidentReportUrl } from './incident-link';
import { publishAndLog, topicsOf } from './publish';
import { factsOf } from './severity';

export interface RollbackVerificationEvent {
  readonly 'id'?: string;
  readonly 'source'?: string;
  readonly 'detail-type'?: string;
  readonly 'region'?: string;
  readonly 'detail'?: Partial<RollbackVerificationDetail>;
  readonly [field: string]: unknown;
}

export function isRollbackVerificationEvent(event: { readonly source?: unknown; readonly 'detail-type'?: unknown } | undefined): boolean {
  return event?.source === RELEASE_EVENT_SOURCE && event?.['detail-type'] === ROLLBACK_VERIFICATION_DETAIL_TYPE;
}

export async function notifyRollbackVerification(event: RollbackVerificationEvent, context?: LambdaContext): Promise<NotifierOutcome> {
  const started = Date.now();
  const deadline = started + (context?.getRemainingTimeInMillis() ?? 60_000) - 1000;
  const detail = event?.detail ?? {};
  const logger = createLogger({
    ...(typeof detail.deploymentId === 'string' ? { deploymentId: detail.deploymentId } : {}),
    ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
  });
  const settings = loadNotifierSettings();
  const outcome = detail.outcome === 'VERIFIED' ? 'VERIFIED' : 'UNVERIFIED';
  if (detail.outcome !== 'VERIFIED' && detail.outcome !== 'UNVERIFIED') {
    // An outcome nobody can read is no proof the old version serves: told as unverified.
    logger.warn('rollback verification without a known outcome; notified as UNVERIFIED', { outcome: detail.outcome });
  }
  const group = settings.deploymentGroups.find((g) => g.applicationName === detail.applicationName && g.deploymentGroupName === detail.deploymentGroupName);
  const ecsService = detail.serviceArn ? settings.ecsServices.find((s) => s.serviceArn === detail.serviceArn) : undefined;
  const serviceName = group?.serviceName ?? ecsService?.serviceName ?? text(detail.serviceName) ?? 'unknown service';
  const stageName = group?.stageName ?? ecsService?.stageName;
  if (!stageName) {
    return ignore(logger, `rollback verification of ${serviceName} concerns no stage of this pipeline`);
  }
  const region = text(event?.region) ?? 'us-east-1';
  const deploymentId = text(detail.deploymentId) ?? 'unknown';
  const consoleUrl = detail.engine === 'ECS' && detail.serviceArn
    ? ecsService?.consoleUrl ?? ecsDeploymentsConsoleUrl(region, parseServiceArn(detail.serviceArn)?.cluster ?? 'default', parseServiceArn(detail.serviceArn)?.service ?? detail.serviceArn)
    : `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${region}`;
  const notification = renderRollbackVerification({
    outcome, serviceName, stageName, deploymentId, consoleUrl, eventId: text(event?.id), detail, pipelineConsoleUrl: settings.pipelineConsoleUrl,
    incidentReportUrl: deploymentId === 'unknown' ? undefined : incidentReportUrl(settings.incidentReports, region, serviceName, stageName, deploymentId),
  });
  logger.info('rollback verification', { outcome, service: serviceName, stage: stageName });
  return publishAndLog(logger, topicsOf(settings.topicArn, settings.severityTopics, notification), notification, deadline,
    { version: text(detail.restoredVersion), startedAt: started });
}

export function renderRollbackVerification(input: {
  readonly outcome: 'VERIFIED' | 'UNVERIFIED';
  readonly serviceName: string;
  readonly stageName: string;
  readonly deploymentId: string;
  readonly consoleUrl: string;
  readonly eventId?: string;
  readonly pipelineConsoleUrl?: string;
  /** The rolled-back deployment's incident report. */
  readonly incidentReportUrl?: string;
  readonly detail: Partial<RollbackVerificationDetail>;
}): Notification {
  const { outcome, serviceName, stageName, deploymentId, detail } = input;
  const verified = outcome === 'VERIFIED';
  const headline = `${serviceName} ${stageName}: rollback of ${deploymentId} ${verified ? 'verified' : 'UNVERIFIED'}`;
  const why = text(detail.reason) ?? (verified ? 'every smoke check passed against production' : 'the verification gave no reason');
  const checks = Array.isArray(detail.checks) ? detail.checks : [];
  const lines: [string, string][] = [
    ['Service', serviceName],
    ['Stage', stageName],
    ['Version', text(detail.restoredVersion) ? `${detail.restoredVersion} (serving after the rollback)` : 'unknown'],
    ['Rollback', verified ? 'verified: the previous version serves again' : 'UNVERIFIED: production may be broken'],
    ['Why', why],
    ...(text(detail.url) ? [['Checked', detail.url!] as [string, string]] : []),
  ];
  const checkLines = checks.map((check) => `${check.passed ? 'passed' : 'FAILED'} ${check.name}: ${check.detail}`);
  const links: [string, string][] = [
    ['Deployment', input.consoleUrl],
    ...(input.pipelineConsoleUrl ? [['Pipeline executions (the commit of each release)', input.pipelineConsoleUrl] as [string, string]] : []),
    ...(input.incidentReportUrl ? [['Incident report', input.incidentReportUrl] as [string, string]] : []),
  ];
  const nextStep = verified
    ? 'Production is back on the previous version. Fix the cause and push a new commit to release again.'
    : 'Check production now: the rollback did not prove the previous version serves. Open the service and its alarms.';
  const text_ = [
    `${headline}.`, '',
    ...lines.map(([label, value]) => `${label}: ${value}`),
    ...(checkLines.length > 0 ? ['', 'Checks:', ...checkLines.map((l) => `  ${l}`)] : []),
    '',
    ...links.map(([label, url]) => `${label}: ${url}`),
    '', nextStep,
  ].join('\n');
  return {
    subject: subjectLine(headline, headline),
    text: text_,
    chatbot: chatbotNotification({
      eventId: input.eventId,
      success: false,
      title: headline,
      description: truncate([
        ...lines.map(([label, value]) => `*${label}:* ${value}`),
        ...checkLines.map((l) => `• ${l}`),
        ...links.map(([label, url]) => `<${url}|${label}>`),
      ].join('\n'), 3500),
      nextSteps: [nextStep],
      summary: headline,
      eventType: verified ? 'RollbackVerified' : 'RollbackUnverified',
      threadId: deploymentId,
    }),
    facts: factsOf({
      severity: verified ? 'WARNING' : 'CRITICAL',
      eventType: verified ? 'RollbackVerified' : 'RollbackUnverified',
      serviceName, stageName, version: text(detail.restoredVersion), why, consoleUrl: input.consoleUrl,
      // The stage's incident ends when production is proven to serve again.
      resolves: verified,
    }),
  };
}

function ignore(logger: Logger, reason: string): NotifierOutcome {
  logger.info('event ignored', { reason });
  return { ignored: reason };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
