/**
 * The release notifier: EventBridge invokes it when a CodeDeploy deployment of one of the
 * pipeline's stages fails or is stopped (and, if asked, succeeds), and when an Amazon ECS
 * deployment of one fails, rolls back or completes. It reads why from the engine and which
 * version from the deployed task definition, and publishes one message to the notification topic.
 *
 * Lookups never fail the invocation: the message says what is unknown and why. Only a publish
 * that fails after retries throws, so that EventBridge's and Lambda's retries, then the
 * dead-letter queue, take over.
 */
import type { NotifiedDeploymentGroup } from '../../contract/release-notifier';
import type { AwsCallScope } from '../shared/aws-call';
import { awsRegion } from '../shared/clients';
import type { LambdaContext } from '../shared/hook';
import { createLogger } from '../shared/logger';
import { NotifierSettings, loadNotifierSettings } from './config';
import { EcsDeploymentStateChangeEvent, NotifierOutcome, isEcsDeploymentEvent, notifyEcsDeployment } from './ecs-deployment';
import { incidentReportUrl, rolledBackCodeDeployDeployment } from './incident-link';
import { DeploymentFacts, lookUpDeployment } from './lookup';
import { Notification, reason, renderNotification } from './message';
import { lookUpOrUnknown, lookupScopeOf, publishAndLog, topicsOf } from './publish';
import { RollbackVerificationEvent, isRollbackVerificationEvent, notifyRollbackVerification } from './rollback-verification';
import { codeDeploySeverity, factsOf } from './severity';
import { renderWait } from './waits';
import type { RollbackAlarmNotice } from '../../contract/notification-routing';
import { isRollbackAlarmNotice, notifyRollbackAlarm } from './rollback-alarm';

export type { EcsDeploymentStateChangeEvent } from './ecs-deployment';

/** The EventBridge event `CodeDeploy Deployment State-change Notification`. */
export interface DeploymentStateChangeEvent {
  readonly 'id'?: string;
  readonly 'detail-type'?: string;
  readonly 'region'?: string;
  readonly 'time'?: string;
  readonly 'detail'?: {
    readonly deploymentId?: string;
    readonly application?: string;
    readonly deploymentGroup?: string;
    readonly state?: string;
    readonly region?: string;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

/** The message published (`subject`, `messageId`), or why none was (`ignored`). */
export type ReleaseNotifierResult = NotifierOutcome;

export async function handler(
  event: DeploymentStateChangeEvent | EcsDeploymentStateChangeEvent | RollbackVerificationEvent,
  context?: LambdaContext,
): Promise<ReleaseNotifierResult> {
  if (isRollbackAlarmNotice(event)) {
    return notifyRollbackAlarm(event as unknown as RollbackAlarmNotice, context);
  }
  if (isRollbackVerificationEvent(event)) {
    return notifyRollbackVerification(event as RollbackVerificationEvent, context);
  }
  if (isEcsDeploymentEvent(event)) {
    return notifyEcsDeployment(event as EcsDeploymentStateChangeEvent, context);
  }
  return notifyCodeDeployDeployment(event as DeploymentStateChangeEvent, context);
}

async function notifyCodeDeployDeployment(event: DeploymentStateChangeEvent, context?: LambdaContext): Promise<ReleaseNotifierResult> {
  const started = Date.now();
  const remainingMs = context?.getRemainingTimeInMillis() ?? 60_000;
  const functionDeadline = started + remainingMs - 1000;
  const detail = event?.detail ?? {};
  const deploymentId = stringOr(detail.deploymentId, 'unknown');
  const logger = createLogger({
    deploymentId,
    ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
  });
  const settings = loadNotifierSettings();
  const applicationName = stringOr(detail.application, 'unknown application');
  const deploymentGroupName = stringOr(detail.deploymentGroup, 'unknown deployment group');
  const state = stringOr(detail.state, 'UNKNOWN');
  const region = stringOr(detail.region ?? event?.region, awsRegion() ?? 'us-east-1');
  const group = settings.deploymentGroups.find((g) => g.applicationName === applicationName && g.deploymentGroupName === deploymentGroupName);
  logger.info('deployment state change', { state, application: applicationName, deploymentGroup: deploymentGroupName, known: group !== undefined });
  if (!group) {
    logger.warn('deployment group is not in the configuration; naming it by its CodeDeploy names', { application: applicationName, deploymentGroup: deploymentGroupName });
  }

  if (state === 'START' && !settings.notifyDeploymentStart) {
    logger.info('event ignored', { reason: 'a deployment start is notified only with notifyDeploymentStart' });
    return { ignored: 'a deployment start is notified only with notifyDeploymentStart' };
  }
  // A start or a wait is no failure: its green tasks are not searched for why they stopped.
  const lookupState = state === 'START' || state === 'READY' ? 'SUCCESS' : state;
  const facts = await lookUp(lookupScopeOf(logger, started, functionDeadline), detail.deploymentId, group, settings.releaseVersionVariable, lookupState);
  const serviceName = group?.serviceName ?? `${applicationName}/${deploymentGroupName}`;
  const stageName = group?.stageName ?? 'unknown stage';
  const version = facts.version.known ? facts.version.value : undefined;
  if (state === 'START' || state === 'READY') {
    const wait = renderWait({
      state, deploymentId, region, eventId: typeof event?.id === 'string' ? event.id : undefined, serviceName, stageName,
      pipelineConsoleUrl: settings.pipelineConsoleUrl, facts,
    });
    return publishAndLog(logger, topicsOf(settings.topicArn, settings.severityTopics, wait), wait, functionDeadline, { version, startedAt: started });
  }
  const input = {
    deploymentId,
    state,
    region,
    eventId: typeof event?.id === 'string' ? event.id : undefined,
    applicationName,
    deploymentGroupName,
    serviceName: group?.serviceName,
    stageName: group?.stageName,
    deploymentGroupConsoleUrl: group?.consoleUrl,
    pipelineConsoleUrl: settings.pipelineConsoleUrl,
    incidentReportUrl: group ? incidentReportOf(settings.incidentReports, region, group, deploymentId, state, facts) : undefined,
    facts,
  };
  const rendered = renderNotification(input);
  const notification: Notification = {
    ...rendered,
    facts: factsOf({
      severity: codeDeploySeverity(state),
      eventType: rendered.chatbot.metadata.eventType,
      serviceName, stageName, version, why: reason(input),
      consoleUrl: `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${region}`,
      // A successful deployment of the stage ends its incident.
      resolves: state === 'SUCCESS',
    }),
  };
  return publishAndLog(logger, topicsOf(settings.topicArn, settings.severityTopics, notification), notification, functionDeadline,
    { version, startedAt: started });
}

async function lookUp(
  scope: AwsCallScope,
  deploymentId: unknown,
  group: NotifiedDeploymentGroup | undefined,
  releaseVersionVariable: string,
  state: string,
): Promise<DeploymentFacts> {
  if (typeof deploymentId !== 'string' || deploymentId === '') {
    scope.logger.error('the event carries no deployment id', {});
    return { deploymentError: 'the event carries no deployment id', version: { known: false, reason: 'the event carries no deployment id' } };
  }
  return lookUpOrUnknown(scope, () => lookUpDeployment(scope, deploymentId, group, releaseVersionVariable, state));
}

/** The report of the deployment this state change says rolled back (the recorder writes it for the same deployment). */
function incidentReportOf(reports: NotifierSettings['incidentReports'], region: string, group: NotifiedDeploymentGroup, deploymentId: string, state: string,
  facts: DeploymentFacts): string | undefined {
  const rolledBack = rolledBackCodeDeployDeployment(deploymentId, state, facts.deployment);
  return rolledBack ? incidentReportUrl(reports, region, group.serviceName, group.stageName, rolledBack) : undefined;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
