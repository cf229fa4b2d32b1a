/**
 * The message people read when a deployment ends: which service, which stage, which version,
 * and why it failed. One text for e-mail, and the same content in AWS Chatbot's custom
 * notification format for Slack.
 */
import type { DeploymentInfo } from '@aws-sdk/client-codedeploy';
import type { NotificationFacts } from '../../contract/notification-routing';
import type { DeploymentFacts } from './lookup';
import { describeStoppedTask } from './stopped-tasks';

/** SNS accepts subjects of at most 100 printable ASCII characters. */
export const MAX_SUBJECT_LENGTH = 100;
/** Kept well below what Slack shows in one message. */
const MAX_DESCRIPTION_LENGTH = 3500;
const MAX_LOG_TAIL_LENGTH = 1000;

export interface NotificationInput {
  readonly deploymentId: string;
  /** The EventBridge `detail.state`: FAILURE, STOP or SUCCESS. */
  readonly state: string;
  readonly region: string;
  readonly eventId?: string;
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** The service and stage from the pipeline's configuration; absent for a deployment group it does not know. */
  readonly serviceName?: string;
  readonly stageName?: string;
  readonly deploymentGroupConsoleUrl?: string;
  readonly pipelineConsoleUrl?: string;
  /** The incident report of the deployment rolled back, when the message is about a rollback. */
  readonly incidentReportUrl?: string;
  readonly facts: DeploymentFacts;
}

export interface Notification {
  readonly subject: string;
  /** Plain text, for e-mail. */
  readonly text: string;
  /** AWS Chatbot's custom notification, for Slack and any other subscriber. */
  readonly chatbot: ChatbotNotification;
  /** Its severity and what a forwarder needs; absent, the message is treated as WARNING. */
  readonly facts?: NotificationFacts;
}

export interface ChatbotNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id?: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps?: string[];
  };
  readonly metadata: {
    readonly summary: string;
    readonly eventType: string;
    readonly threadId: string;
  };
}

/**
 * AWS Chatbot's custom notification (`"source": "custom"`, `client-markdown`), for every
 * engine's messages: a success is marked with a check, anything else with a cross.
 */
export function chatbotNotification(message: {
  readonly eventId?: string;
  readonly success: boolean;
  readonly title: string;
  readonly description: string;
  readonly nextSteps?: string[];
  readonly summary: string;
  readonly eventType: string;
  readonly threadId: string;
}): ChatbotNotification {
  return {
    version: '1.0',
    source: 'custom',
    ...(message.eventId ? { id: message.eventId } : {}),
    content: {
      textType: 'client-markdown',
      title: `${message.success ? ':white_check_mark:' : ':x:'} ${message.title}`,
      description: message.description,
      ...(message.nextSteps ? { nextSteps: message.nextSteps } : {}),
    },
    metadata: { summary: message.summary, eventType: message.eventType, threadId: message.threadId },
  };
}

/** What happened, in a few words: `rolled back`, `failed`, `stopped`, `succeeded`. */
export function outcome(state: string, deployment: DeploymentInfo | undefined): string {
  if (state === 'SUCCESS') {
    return 'succeeded';
  }
  const rollback = deployment?.rollbackInfo;
  if (rollback?.rollbackDeploymentId || rollback?.rollbackMessage || deployment?.status === 'Stopped' && deployment.autoRollbackConfiguration?.enabled) {
    return 'rolled back';
  }
  return state === 'STOP' ? 'stopped' : state === 'FAILURE' ? 'failed' : state.toLowerCase();
}

/** Why the deployment failed or stopped, in one line; undefined for a success. */
export function reason(input: NotificationInput): string | undefined {
  if (input.state === 'SUCCESS') {
    return undefined;
  }
  const { deployment, deploymentError, failedEvent, targetError, stoppedTasks } = input.facts;
  const error = deployment?.errorInformation;
  const alarms = error?.code === 'ALARM_ACTIVE' ? activatedAlarms(error.message) : [];
  if (alarms.length > 0) {
    return `rollback alarm${alarms.length > 1 ? 's' : ''} ${alarms.map(quote).join(', ')} went into ALARM`;
  }
  const failedStep = failedEvent
    ? `${failedEvent.name} failed: ${failedEvent.message ?? error?.message ?? 'no diagnostics'}${failedEvent.errorCode ? ` (${failedEvent.errorCode})` : ''}`
    : undefined;
  const codeDeploySays = failedStep ?? (error?.code || error?.message ? [error.code, error.message].filter(Boolean).join(': ') : undefined);
  // Read only when no hook and no alarm explains the failure; CodeDeploy's own words come after.
  if (stoppedTasks && stoppedTasks.length > 0) {
    const tasks = stoppedTasks.map(describeStoppedTask).join('; ');
    return `green task${stoppedTasks.length > 1 ? 's' : ''} of ${input.facts.stoppedTasksOf ?? 'the new task definition'} stopped: ${tasks}`
      + `${codeDeploySays ? ` (CodeDeploy: ${codeDeploySays})` : ''}`;
  }
  if (codeDeploySays) {
    return codeDeploySays;
  }
  if (input.state === 'STOP') {
    return `stopped${deployment?.creator ? ` (deployment created by ${deployment.creator})` : ''}, by a person or a newer deployment`;
  }
  const unknown = [deploymentError, targetError].filter(Boolean).join('; ');
  return `unknown${unknown ? `: ${unknown}` : ''}`;
}

/**
 * The alarm names in CodeDeploy's ALARM_ACTIVE message: `… Activated alarms: <a> <b>`. The
 * library's own names contain `>` and `<` (`orders-api: 5xx rate > 1% for 2 min (Prod)`), so the
 * list is split only where one bracketed name ends and the next begins.
 */
export function activatedAlarms(message: string | undefined): string[] {
  const listed = message ? /Activated alarms?:\s*(.*)$/is.exec(message)?.[1]?.trim() : undefined;
  if (!listed) {
    return [];
  }
  const first = listed.indexOf('<');
  const last = listed.lastIndexOf('>');
  if (first !== 0 || last <= first) {
    return listed.split(/[\s,]+/).filter((name) => name.length > 0);
  }
  return listed.slice(first + 1, last).split(/>\s*,?\s*</).map((name) => name.trim()).filter((name) => name.length > 0);
}

/** An alarm name as people read it in the message: whole, in double quotes. */
function quote(name: string): string {
  return `"${name}"`;
}

export function renderNotification(input: NotificationInput): Notification {
  const { deploymentId, facts } = input;
  const service = input.serviceName ?? `${input.applicationName}/${input.deploymentGroupName}`;
  const stage = input.stageName ?? 'unknown stage';
  const what = outcome(input.state, facts.deployment);
  const why = reason(input);
  const version = facts.version.known ? facts.version.value : `unknown: ${facts.version.reason}`;
  const deploymentUrl = `https://${input.region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${input.region}`;

  const lines: [string, string][] = [
    ['Service', service],
    ['Stage', stage],
    ['Version', facts.version.known ? `${facts.version.value} (${facts.version.source})` : `version unknown: ${facts.version.reason}`],
    ['Deployment', `${deploymentId}, ${what}${facts.deployment?.status ? ` (status ${facts.deployment.status})` : ''}`],
  ];
  if (why) {
    lines.push(['Why', why]);
  }
  if (facts.stoppedTasksError) {
    lines.push(['Stopped green tasks', `unknown: ${facts.stoppedTasksError}`]);
  }
  const rollback = rollbackLine(input.state, facts.deployment);
  if (rollback) {
    lines.push(['Rollback', rollback]);
  }
  const overview = overviewLine(facts.deployment);
  if (overview) {
    lines.push(['Progress', overview]);
  }
  if (!input.serviceName) {
    lines.push(['Deployment group', `${input.applicationName}/${input.deploymentGroupName} (not a stage of this pipeline's configuration)`]);
  }
  const links: [string, string][] = [
    ['Deployment', deploymentUrl],
    ...(input.deploymentGroupConsoleUrl ? [['Deployment group', input.deploymentGroupConsoleUrl] as [string, string]] : []),
    ...(input.pipelineConsoleUrl ? [['Pipeline executions (the commit of each release)', input.pipelineConsoleUrl] as [string, string]] : []),
    ...(input.incidentReportUrl ? [['Incident report', input.incidentReportUrl] as [string, string]] : []),
  ];
  const logTail = facts.failedEvent?.logTail ? truncate(facts.failedEvent.logTail.trim(), MAX_LOG_TAIL_LENGTH) : undefined;

  const headline = `${service} ${stage}: deployment ${deploymentId} ${what}`;
  const subject = subjectLine(`${headline}${facts.version.known ? ` (${facts.version.value})` : ''}`, headline);
  const text = [
    `${headline}.`,
    '',
    ...lines.map(([label, value]) => `${label}: ${value}`),
    ...(logTail ? ['', `Log tail of ${facts.failedEvent!.name}:`, ...logTail.split('\n').map((l) => `  ${l}`)] : []),
    '',
    ...links.map(([label, url]) => `${label}: ${url}`),
    ...(input.state === 'SUCCESS' ? [] : ['', nextStep(what)]),
  ].join('\n');
  const description = truncate([
    ...lines.map(([label, value]) => `*${label}:* ${value}`),
    ...(logTail ? [`*Log tail of ${facts.failedEvent!.name}:*\n\`\`\`${logTail.replace(/```/g, "'''")}\`\`\``] : []),
    ...links.map(([label, url]) => `<${url}|${label}>`),
  ].join('\n'), MAX_DESCRIPTION_LENGTH);

  return {
    subject,
    text,
    chatbot: chatbotNotification({
      eventId: input.eventId,
      success: input.state === 'SUCCESS',
      title: `${service} ${stage}: deployment ${deploymentId} ${what} (version ${version})`,
      description,
      ...(input.state === 'SUCCESS' ? {} : { nextSteps: [nextStep(what), `Open the deployment: ${deploymentUrl}`] }),
      summary: headline,
      eventType: input.state === 'SUCCESS' ? 'DeploymentSucceeded' : input.state === 'STOP' ? 'DeploymentStopped' : 'DeploymentFailed',
      threadId: deploymentId,
    }),
  };
}

function rollbackLine(state: string, deployment: DeploymentInfo | undefined): string | undefined {
  const info = deployment?.rollbackInfo;
  const parts: string[] = [];
  if (info?.rollbackDeploymentId) {
    parts.push(`rolled back by deployment ${info.rollbackDeploymentId}`);
  }
  if (info?.rollbackTriggeringDeploymentId) {
    parts.push(`this deployment rolls back deployment ${info.rollbackTriggeringDeploymentId}`);
  }
  if (info?.rollbackMessage) {
    parts.push(info.rollbackMessage);
  }
  if (parts.length === 0 && state !== 'SUCCESS' && deployment?.autoRollbackConfiguration?.enabled) {
    parts.push('automatic rollback is on: production traffic stays on, or returns to, the previous (blue) task set');
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

function overviewLine(deployment: DeploymentInfo | undefined): string | undefined {
  const o = deployment?.deploymentOverview;
  if (!o) {
    return undefined;
  }
  const counts = (['Succeeded', 'Failed', 'InProgress', 'Pending', 'Skipped', 'Ready'] as const)
    .filter((key) => (o[key] ?? 0) > 0)
    .map((key) => `${o[key]} ${key.toLowerCase()}`);
  return counts.length > 0 ? `targets: ${counts.join(', ')}` : undefined;
}

function nextStep(what: string): string {
  return what === 'rolled back'
    ? 'Production traffic is back on the previous (blue) task set. Fix the cause and push a new commit to release again.'
    : 'Open the deployment to see each lifecycle event; the failed hook\'s log says what it checked.';
}

/** The full subject if it fits, else the headline, else the headline cut to fit; printable ASCII only. */
export function subjectLine(full: string, headline: string): string {
  const clean = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');
  for (const candidate of [full, headline].map(clean)) {
    if (candidate.length <= MAX_SUBJECT_LENGTH) {
      return candidate;
    }
  }
  return truncate(clean(headline), MAX_SUBJECT_LENGTH, '...');
}

export function truncate(text: string, max: number, ellipsis = '…'): string {
  return text.length <= max ? text : `${text.slice(0, max - ellipsis.length)}${ellipsis}`;
}
