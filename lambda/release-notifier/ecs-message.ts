/**
 * The message people read when an Amazon ECS deployment ends: which service, which stage, which
 * version, where it stopped and why, and for a rollback the version production is back on. The
 * same two texts as for CodeDeploy: plain for e-mail, AWS Chatbot's format for Slack.
 */
import type { ServiceDeployment } from '@aws-sdk/client-ecs';
import type { NotifiedEcsService } from '../../contract/release-notifier';
import type { EcsDeploymentFacts } from './ecs-lookup';
import type { DeployedVersion } from './lookup';
import { Notification, chatbotNotification, subjectLine, truncate } from './message';

/** Kept well below what Slack shows in one message. */
const MAX_DESCRIPTION_LENGTH = 3500;
/** Hook statuses that stop a deployment. */
const FAILED_HOOK_STATUSES = ['FAILED', 'TIMED_OUT'];

/** What a deployment's end means to people: a release that went out, one that did not, or one undone. */
export type EcsOutcomeKind = 'success' | 'failure' | 'rollback';

export interface EcsOutcome {
  readonly kind: EcsOutcomeKind;
  /** What happened, in a few words: `rolled back`, `failed`, `succeeded`. */
  readonly words: string;
}

export interface EcsNotificationInput {
  /** The EventBridge `detail.eventName`, e.g. `SERVICE_DEPLOYMENT_FAILED`. */
  readonly eventName: string;
  /** The EventBridge `detail.reason`. */
  readonly eventReason?: string;
  /** The deployment as people can find it in the console. */
  readonly deploymentId: string;
  readonly eventId?: string;
  readonly service: NotifiedEcsService;
  /** The service's deployments in the ECS console. */
  readonly consoleUrl: string;
  readonly pipelineConsoleUrl?: string;
  /** The incident report of the deployment, linked when it rolled back. */
  readonly incidentReportUrl?: string;
  readonly facts: EcsDeploymentFacts;
}

/**
 * The outcome, from ECS's record of the deployment when it could be read, else from the event: a
 * completed deployment whose status is a rollback's was rolled back, not released.
 */
export function ecsOutcome(eventName: string, deployment: ServiceDeployment | undefined): EcsOutcome {
  switch (deployment?.status) {
    case 'ROLLBACK_SUCCESSFUL':
      return { kind: 'rollback', words: 'rolled back' };
    case 'ROLLBACK_FAILED':
      return { kind: 'rollback', words: 'failed, and so did its rollback' };
    case 'ROLLBACK_REQUESTED':
    case 'ROLLBACK_IN_PROGRESS':
      return { kind: 'rollback', words: 'failed and is rolling back' };
    case 'STOPPED':
    case 'STOP_REQUESTED':
      // ECS stops a failed deployment that has no rollback configured, and one a person stops.
      return { kind: 'failure', words: eventName.includes('FAILED') ? 'failed, not rolled back' : 'was stopped' };
    default:
      break;
  }
  if (/ROLLBACK/.test(eventName)) {
    return { kind: 'rollback', words: 'rolled back' };
  }
  if (eventName !== 'SERVICE_DEPLOYMENT_COMPLETED') {
    return { kind: 'failure', words: 'failed' };
  }
  // Without ECS's record, a completion may as well be a rollback's.
  return { kind: 'success', words: deployment ? 'succeeded' : 'completed' };
}

/** Why the deployment failed or rolled back, in one line; undefined for a success. */
export function ecsReason(input: EcsNotificationInput, outcome: EcsOutcome): string | undefined {
  const { deployment, deploymentError } = input.facts;
  if (outcome.kind === 'success') {
    return deployment ? undefined : `whether it was released or rolled back is unknown${deploymentError ? `: ${deploymentError}` : ''}`;
  }
  const alarms = deployment?.alarms?.triggeredAlarmNames ?? [];
  const hooks = (deployment?.lifecycleHookDetails ?? []).filter((hook) => FAILED_HOOK_STATUSES.includes(hook.status ?? ''));
  const breaker = deployment?.deploymentCircuitBreaker;
  const causes = [
    ...(alarms.length > 0 ? [`rollback alarm${alarms.length > 1 ? 's' : ''} ${alarms.map((name) => `"${name}"`).join(', ')} went into ALARM`] : []),
    ...hooks.map((hook) => `lifecycle hook ${hookName(hook.targetArn, hook.targetType)} ${hook.status === 'TIMED_OUT' ? 'timed out' : 'failed'}`),
    ...(breaker?.failureCount && breaker.threshold && breaker.failureCount >= breaker.threshold
      ? [`the circuit breaker counted ${breaker.failureCount} failed tasks (threshold ${breaker.threshold})`] : []),
  ];
  const ecsSays = [deployment?.statusReason, input.eventReason]
    .filter((text, index, all): text is string => text !== undefined && text !== '' && all.indexOf(text) === index)
    .join('; ');
  if (causes.length > 0) {
    return `${causes.join('; ')}${ecsSays ? ` (ECS: ${ecsSays})` : ''}`;
  }
  return ecsSays || `unknown${deploymentError ? `: ${deploymentError}` : ''}`;
}

export function renderEcsNotification(input: EcsNotificationInput): Notification {
  const { facts, service } = input;
  const outcome = ecsOutcome(input.eventName, facts.deployment);
  const why = ecsReason(input, outcome);
  const headline = `${service.serviceName} ${service.stageName}: deployment ${input.deploymentId} ${outcome.words}`;
  const stage = facts.deployment?.lifecycleStage;

  const lines: [string, string][] = [
    ['Service', service.serviceName],
    ['Stage', service.stageName],
    ['Version', versionLine(facts.version)],
    ...(facts.rolledBackTo ? [['Rolled back to', versionLine(facts.rolledBackTo)] as [string, string]] : []),
    ['Deployment', `${input.deploymentId}, ${outcome.words}${facts.deployment?.status ? ` (status ${facts.deployment.status})` : ''}`],
    ...(stage && outcome.kind !== 'success' ? [['Lifecycle stage', `${stage} (the last one ECS recorded)`] as [string, string]] : []),
    ...(why ? [['Why', why] as [string, string]] : []),
    ...(facts.foundBy ? [['Deployment found by', facts.foundBy] as [string, string]] : []),
  ];
  const links: [string, string][] = [
    ['Service deployments', input.consoleUrl],
    ...(input.pipelineConsoleUrl ? [['Pipeline executions (the commit of each release)', input.pipelineConsoleUrl] as [string, string]] : []),
    ...(input.incidentReportUrl && outcome.kind === 'rollback' ? [['Incident report', input.incidentReportUrl] as [string, string]] : []),
  ];
  const next = outcome.kind === 'success' ? undefined : nextStep(outcome);
  const version = facts.version.known ? facts.version.value : `unknown: ${facts.version.reason}`;
  const text = [
    `${headline}.`,
    '',
    ...lines.map(([label, value]) => `${label}: ${value}`),
    '',
    ...links.map(([label, url]) => `${label}: ${url}`),
    ...(next ? ['', next] : []),
  ].join('\n');
  const description = truncate([
    ...lines.map(([label, value]) => `*${label}:* ${value}`),
    ...links.map(([label, url]) => `<${url}|${label}>`),
  ].join('\n'), MAX_DESCRIPTION_LENGTH);

  return {
    subject: subjectLine(`${headline}${facts.version.known ? ` (${facts.version.value})` : ''}`, headline),
    text,
    chatbot: chatbotNotification({
      eventId: input.eventId,
      success: outcome.kind === 'success',
      title: `${headline} (version ${version})`,
      description,
      ...(next ? { nextSteps: [next, `Open the service's deployments: ${input.consoleUrl}`] } : {}),
      summary: headline,
      eventType: outcome.kind === 'success' ? 'DeploymentSucceeded' : 'DeploymentFailed',
      threadId: facts.deployment?.serviceDeploymentArn ?? input.deploymentId,
    }),
  };
}

/** `https://<region>.console.aws.amazon.com/ecs/v2/clusters/<cluster>/services/<service>/deployments?region=<region>`. */
export function ecsDeploymentsConsoleUrl(region: string, cluster: string, service: string): string {
  return `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}`
    + `/deployments?region=${region}`;
}

function versionLine(version: DeployedVersion): string {
  return version.known ? `${version.value} (${version.source})` : `version unknown: ${version.reason}`;
}

/** A Lambda hook by its function's name, the rest by their type (`PAUSE`). */
function hookName(targetArn: string | undefined, targetType: string | undefined): string {
  const name = targetArn ? /:function:([^:]+)/.exec(targetArn)?.[1] ?? targetArn : undefined;
  return name ?? targetType ?? 'unnamed';
}

function nextStep(outcome: EcsOutcome): string {
  if (outcome.words === 'failed, and so did its rollback') {
    return 'The rollback failed too: check the service\'s running tasks and its deployments now.';
  }
  return outcome.kind === 'rollback'
    ? 'Production traffic is back on the previous service revision. Fix the cause and push a new commit to release again.'
    : 'Open the service\'s deployments to see each lifecycle stage; a failed hook\'s log says what it checked.';
}
