/**
 * The notifier's path for a stage's rollback alarm that went into ALARM. During a deployment of
 * the stage's service the alarm stops and rolls it back, and the deployment's own message tells
 * it: nothing is published. Outside one, users are hurt with no deployment to blame or undo:
 * CRITICAL on a stage that requires approval, WARNING elsewhere. When it cannot be told whether
 * a deployment is in flight, the alarm is published, saying so: a message too many beats none.
 */
import type { RollbackAlarmNotice } from '../../contract/notification-routing';
import { ROLLBACK_ALARM_NOTICE_KIND } from '../../contract/notification-routing';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { codeDeployApi } from '../shared/codedeploy';
import type { LambdaContext } from '../shared/hook';
import { createLogger, describeError, errorMessage } from '../shared/logger';
import { loadNotifierSettings } from './config';
import type { NotifierOutcome } from './ecs-deployment';
import { parseServiceArn } from './ecs-lookup';
import { Notification, chatbotNotification, subjectLine } from './message';
import { lookupScopeOf, publishAndLog, topicsOf } from './publish';
import { factsOf } from './severity';

const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));

/** CodeDeploy statuses of a deployment still under way. */
const CODEDEPLOY_IN_FLIGHT = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

export function isRollbackAlarmNotice(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { kind?: unknown }).kind === ROLLBACK_ALARM_NOTICE_KIND;
}

export async function notifyRollbackAlarm(notice: RollbackAlarmNotice, context?: LambdaContext): Promise<NotifierOutcome> {
  const started = Date.now();
  const deadline = started + (context?.getRemainingTimeInMillis() ?? 60_000) - 1000;
  const logger = createLogger({ ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}) });
  const settings = loadNotifierSettings();
  const scope = lookupScopeOf(logger, started, deadline);
  let inFlight: string | undefined;
  let unknown: string | undefined;
  try {
    inFlight = await deploymentInFlight(scope, notice);
  } catch (error) {
    unknown = errorMessage(error);
    logger.warn('could not tell whether a deployment is in flight; the alarm is notified', { error: describeError(error) });
  }
  logger.info('rollback alarm in ALARM', { alarm: notice.alarmName, service: notice.serviceName, stage: notice.stageName, inFlight: inFlight ?? null });
  if (inFlight) {
    const reason = `deployment ${inFlight} is in flight: the alarm rolls it back, and its own message tells it`;
    logger.info('event ignored', { reason });
    return { ignored: reason };
  }
  const notification = renderRollbackAlarm(notice, unknown);
  return publishAndLog(logger, topicsOf(settings.topicArn, settings.severityTopics, notification), notification, deadline, { startedAt: started });
}

/** The deployment of the stage's service under way, if any. */
async function deploymentInFlight(scope: AwsCallScope, notice: RollbackAlarmNotice): Promise<string | undefined> {
  if (notice.engine === 'ECS') {
    const parts = notice.serviceArn ? parseServiceArn(notice.serviceArn) : undefined;
    if (!notice.serviceArn || !parts) {
      throw new Error('the rule names no ECS service ARN');
    }
    const { client, sdk } = await ecsApi();
    const out = await awsCall(scope, 'ecs:ListServiceDeployments', (abortSignal) => client.send(new sdk.ListServiceDeploymentsCommand({
      cluster: parts.cluster, service: parts.service, status: ['PENDING', 'IN_PROGRESS'],
    }), { abortSignal }));
    return out.serviceDeployments?.[0]?.serviceDeploymentArn?.split('/').pop();
  }
  if (!notice.applicationName || !notice.deploymentGroupName) {
    throw new Error('the rule names no CodeDeploy deployment group');
  }
  const { client, sdk } = await codeDeployApi();
  const out = await awsCall(scope, 'codedeploy:ListDeployments', (abortSignal) => client.send(new sdk.ListDeploymentsCommand({
    applicationName: notice.applicationName, deploymentGroupName: notice.deploymentGroupName, includeOnlyStatuses: [...CODEDEPLOY_IN_FLIGHT],
  }), { abortSignal }));
  return out.deployments?.[0];
}

export function renderRollbackAlarm(notice: RollbackAlarmNotice, inFlightUnknown?: string): Notification {
  const critical = notice.requiresApproval === 'true';
  const headline = `${notice.serviceName} ${notice.stageName}: rollback alarm in ALARM outside a deployment`;
  const lines: [string, string][] = [
    ['Service', notice.serviceName],
    ['Stage', notice.stageName],
    ['Alarm', notice.alarmName],
    ['Why', notice.reason],
    ['Since', notice.time],
    ...(inFlightUnknown ? [['Deployment in flight', `unknown: ${inFlightUnknown}`] as [string, string]] : []),
  ];
  const alarmUrl = `https://${notice.region}.console.aws.amazon.com/cloudwatch/home?region=${notice.region}#alarmsV2:alarm/${encodeURIComponent(notice.alarmName)}`;
  const links: [string, string][] = [['Alarm', alarmUrl], ...(notice.consoleUrl ? [['Deployments', notice.consoleUrl] as [string, string]] : [])];
  const nextStep = 'No deployment is rolling back: the version that serves now is the cause, or something it depends on. '
    + 'Check the service and the alarm; a new release is refused while the alarm fires.';
  const text = [`${headline}.`, '', ...lines.map(([l, v]) => `${l}: ${v}`), '', ...links.map(([l, u]) => `${l}: ${u}`), '', nextStep].join('\n');
  return {
    subject: subjectLine(headline, `${notice.serviceName} ${notice.stageName}: rollback alarm in ALARM`),
    text,
    chatbot: chatbotNotification({
      success: false,
      title: headline,
      description: [...lines.map(([l, v]) => `*${l}:* ${v}`), ...links.map(([l, u]) => `<${u}|${l}>`)].join('\n'),
      nextSteps: [nextStep],
      summary: headline,
      eventType: 'RollbackAlarmOutsideDeployment',
      threadId: notice.alarmArn,
    }),
    facts: factsOf({
      severity: critical ? 'CRITICAL' : 'WARNING',
      eventType: 'RollbackAlarmOutsideDeployment',
      serviceName: notice.serviceName, stageName: notice.stageName, why: `${notice.alarmName}: ${notice.reason}`, consoleUrl: alarmUrl,
    }),
  };
}
