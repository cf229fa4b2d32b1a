/**
 * The notifier's path for services Amazon ECS deploys itself: EventBridge invokes it with an
 * `ECS Deployment State Change`; it notifies failures and rollbacks always, completions only
 * when asked, starts never, and ignores services that are not the pipeline's stages.
 */
import {
  ECS_DEPLOYMENT_DETAIL_TYPE, ECS_DEPLOYMENT_EVENT_SOURCE, NotifiedEcsService,
} from '../../contract/release-notifier';
import type { AwsCallScope } from '../shared/aws-call';
import { awsRegion } from '../shared/clients';
import type { LambdaContext } from '../shared/hook';
import { Logger, createLogger } from '../shared/logger';
import { NotifierSettings, loadNotifierSettings } from './config';
import { EcsDeploymentFacts, lookUpEcsDeployment, parseServiceArn } from './ecs-lookup';
import { ecsDeploymentsConsoleUrl, ecsOutcome, renderEcsNotification } from './ecs-message';
import { incidentReportUrl } from './incident-link';
import { Notification, subjectLine } from './message';
import { lookUpOrUnknown, lookupScopeOf, publishAndLog, topicsOf } from './publish';
import { factsOf } from './severity';

/** The EventBridge event `ECS Deployment State Change`. */
export interface EcsDeploymentStateChangeEvent {
  readonly 'id'?: string;
  readonly 'source'?: string;
  readonly 'detail-type'?: string;
  readonly 'region'?: string;
  readonly 'time'?: string;
  /** The service's ARN. */
  readonly 'resources'?: readonly string[];
  readonly 'detail'?: {
    /** `INFO` or `ERROR`. */
    readonly eventType?: string;
    /** `SERVICE_DEPLOYMENT_IN_PROGRESS`, `SERVICE_DEPLOYMENT_COMPLETED`, `SERVICE_DEPLOYMENT_FAILED`. */
    readonly eventName?: string;
    /** `ecs-svc/…`. */
    readonly deploymentId?: string;
    readonly serviceDeploymentArn?: string;
    readonly updatedAt?: string;
    readonly reason?: string;
    readonly [field: string]: unknown;
  };
  readonly [field: string]: unknown;
}

/** What one invocation did: the message it published, or why it published none. */
export interface NotifierOutcome {
  readonly subject?: string;
  readonly messageId?: string;
  /** Why nothing was published. */
  readonly ignored?: string;
}

/** Whether an event is Amazon ECS's rather than CodeDeploy's. */
export function isEcsDeploymentEvent(event: { readonly source?: unknown; readonly 'detail-type'?: unknown } | undefined): boolean {
  const detailType = event?.['detail-type'];
  return detailType === ECS_DEPLOYMENT_DETAIL_TYPE
    || (event?.source === ECS_DEPLOYMENT_EVENT_SOURCE && typeof detailType === 'string' && /Deployment State Change/.test(detailType));
}

export async function notifyEcsDeployment(event: EcsDeploymentStateChangeEvent, context?: LambdaContext): Promise<NotifierOutcome> {
  const started = Date.now();
  const functionDeadline = started + (context?.getRemainingTimeInMillis() ?? 60_000) - 1000;
  const detail = event?.detail ?? {};
  const eventName = text(detail.eventName) ?? 'UNKNOWN';
  const deploymentId = text(detail.deploymentId);
  const serviceArn = Array.isArray(event?.resources) ? event.resources.find((r) => typeof r === 'string' && r.includes(':service/')) : undefined;
  const logger = createLogger({
    ...(deploymentId ? { deploymentId } : {}),
    ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
  });
  const settings = loadNotifierSettings();
  const service = serviceArn ? settings.ecsServices.find((s) => s.serviceArn === serviceArn) : undefined;
  logger.info('ECS deployment state change', { eventName, service: serviceArn, known: service !== undefined, reason: text(detail.reason) });
  if (!service || !serviceArn) {
    return ignore(logger, serviceArn ? `service ${serviceArn} is not one of the pipeline's stages` : 'the event names no ECS service');
  }
  const starting = /_IN_PROGRESS$/.test(eventName);
  if (starting && !settings.notifyDeploymentStart) {
    return ignore(logger, `${eventName} is not notified: the deployment has not ended`);
  }
  if (!starting && !/FAILED|ROLLBACK|COMPLETED/.test(eventName)) {
    return ignore(logger, `${eventName} is not a deployment outcome the notifier knows`);
  }

  const facts = await lookUp(lookupScopeOf(logger, started, functionDeadline), event, serviceArn, deploymentId, service, settings);
  const outcome = ecsOutcome(eventName, facts.deployment);
  if (starting && (outcome.kind === 'rollback' || /ROLLBACK/.test(facts.deployment?.status ?? ''))) {
    return ignore(logger, 'a rollback\'s start is not notified: its end is');
  }
  if (!starting && outcome.kind === 'success' && !settings.notifyDeploymentSuccess) {
    // A completion whose record could not be read may have been a rollback: notified, saying so.
    if (facts.deployment) {
      return ignore(logger, 'a completed deployment is notified only with notifyDeploymentSuccess');
    }
    logger.warn('completed deployment of unknown status: notified, since it may have been a rollback', { deploymentError: facts.deploymentError });
  }

  const parts = parseServiceArn(serviceArn);
  const region = text(event?.region) ?? parts?.region ?? awsRegion() ?? 'us-east-1';
  const rendered = renderEcsNotification({
    eventName,
    eventReason: text(detail.reason),
    deploymentId: facts.deployment?.serviceDeploymentArn?.split('/').pop() ?? deploymentId ?? 'unknown',
    eventId: text(event?.id),
    service,
    consoleUrl: service.consoleUrl ?? ecsDeploymentsConsoleUrl(region, parts?.cluster ?? 'default', parts?.service ?? serviceArn),
    pipelineConsoleUrl: settings.pipelineConsoleUrl,
    // Keyed as the recorder keys the deployment: by its ARN when the event names it.
    incidentReportUrl: incidentReportUrl(settings.incidentReports, region, service.serviceName, service.stageName,
      [text(detail.serviceDeploymentArn), deploymentId].find((id) => id?.includes(':service-deployment/'))
        ?? deploymentId ?? 'unknown'),
    facts,
  });
  const consoleUrl = service.consoleUrl ?? ecsDeploymentsConsoleUrl(region, parts?.cluster ?? 'default', parts?.service ?? serviceArn);
  const version = facts.version.known ? facts.version.value : undefined;
  const notification = starting ? startedNotification(rendered, service.serviceName, service.stageName, version, consoleUrl) : {
    ...rendered,
    facts: factsOf({
      severity: outcome.kind === 'success' ? 'INFO' : 'WARNING',
      eventType: rendered.chatbot.metadata.eventType,
      serviceName: service.serviceName, stageName: service.stageName, version, consoleUrl,
      why: outcome.kind === 'success' ? undefined : text(detail.reason) ?? outcome.words,
      resolves: outcome.kind === 'success',
    }),
  };
  return publishAndLog(logger, topicsOf(settings.topicArn, settings.severityTopics, notification), notification, functionDeadline,
    { version: facts.version.known ? facts.version.value : undefined, startedAt: started });
}

async function lookUp(
  scope: AwsCallScope,
  event: EcsDeploymentStateChangeEvent,
  serviceArn: string,
  deploymentId: string | undefined,
  service: NotifiedEcsService,
  settings: NotifierSettings,
): Promise<EcsDeploymentFacts> {
  const eventTime = text(event.detail?.updatedAt) ?? text(event.time);
  const time = eventTime && !Number.isNaN(Date.parse(eventTime)) ? new Date(eventTime) : undefined;
  return lookUpOrUnknown(scope, () => lookUpEcsDeployment(scope, {
    serviceArn,
    deploymentId,
    serviceDeploymentArn: text(event.detail?.serviceDeploymentArn),
    time,
  }, service, settings.releaseVersionVariable));
}

/** A start, in the words of the outcome message's lines: which service, stage and version. */
function startedNotification(rendered: Notification, serviceName: string, stageName: string, version: string | undefined, consoleUrl: string): Notification {
  const headline = `${serviceName} ${stageName}: deployment by Amazon ECS started`;
  const subject = subjectLine(`${headline}${version ? ` (${version})` : ''}`, headline);
  const text_ = [`${headline}.`, '', `Service: ${serviceName}`, `Stage: ${stageName}`, `Version: ${version ?? 'unknown'}`, '', `Deployments: ${consoleUrl}`].join('\n');
  return {
    subject,
    text: text_,
    chatbot: { ...rendered.chatbot, content: { ...rendered.chatbot.content, title: `:arrow_forward: ${subject}`, description: text_, nextSteps: undefined },
      metadata: { ...rendered.chatbot.metadata, eventType: 'DeploymentStarted', summary: headline } },
    facts: factsOf({ severity: 'INFO', eventType: 'DeploymentStarted', serviceName, stageName, version, consoleUrl }),
  };
}

function ignore(logger: Logger, reason: string): NotifierOutcome {
  logger.info('event ignored', { reason });
  return { ignored: reason };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
