/**
 * The CodeDeploy messages that are no outcome: a deployment that started (with
 * `notifyDeploymentStart`), and one that waits at READY for a person (the service's
 * `approvalWait`), with the commands that continue it.
 */
import type { Notification } from './message';
import { chatbotNotification, subjectLine } from './message';
import type { DeploymentFacts } from './lookup';
import { codeDeploySeverity, factsOf } from './severity';

export interface WaitInput {
  readonly state: 'START' | 'READY';
  readonly deploymentId: string;
  readonly region: string;
  readonly eventId?: string;
  readonly serviceName: string;
  readonly stageName: string;
  readonly pipelineConsoleUrl?: string;
  readonly facts: DeploymentFacts;
}

export function renderWait(input: WaitInput): Notification {
  const { deploymentId, serviceName, stageName } = input;
  const version = input.facts.version.known ? input.facts.version.value : undefined;
  const deploymentUrl = `https://${input.region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${input.region}`;
  const ready = input.state === 'READY';
  const headline = ready
    ? `${serviceName} ${stageName}: deployment ${deploymentId} awaits approval`
    : `${serviceName} ${stageName}: deployment ${deploymentId} started`;
  const versionLine = version ? `${version} (${input.facts.version.known ? input.facts.version.source : ''})` : `unknown: ${input.facts.version.known ? '' : input.facts.version.reason}`;
  const steps = ready ? [
    'The new version serves test traffic; production traffic still reaches the previous one. Release it to production traffic:',
    `aws deploy continue-deployment --deployment-id ${deploymentId} --deployment-wait-type READY_WAIT`,
    `or: npx cdk-ecs-release promote --service ${serviceName}`,
    'Roll it back instead: aws deploy stop-deployment --deployment-id ' + `${deploymentId} --auto-rollback-enabled`,
    'Without a decision before the approval wait ends, CodeDeploy stops and rolls back the deployment.',
  ] : [];
  const lines: [string, string][] = [
    ['Service', serviceName],
    ['Stage', stageName],
    ['Version', versionLine],
    ['Deployment', `${deploymentId}, ${ready ? 'waiting at READY (approval wait)' : 'started'}`],
  ];
  const links: [string, string][] = [
    ['Deployment', deploymentUrl],
    ...(input.pipelineConsoleUrl ? [['Pipeline executions (the commit of each release)', input.pipelineConsoleUrl] as [string, string]] : []),
  ];
  const text = [
    `${headline}.`, '',
    ...lines.map(([label, value]) => `${label}: ${value}`),
    ...(steps.length > 0 ? ['', ...steps] : []),
    '',
    ...links.map(([label, url]) => `${label}: ${url}`),
  ].join('\n');
  return {
    subject: subjectLine(`${headline}${version ? ` (${version})` : ''}`, headline),
    text,
    chatbot: chatbotNotification({
      eventId: input.eventId,
      success: !ready,
      title: `${headline}${version ? ` (version ${version})` : ''}`,
      description: [...lines.map(([label, value]) => `*${label}:* ${value}`), ...links.map(([label, url]) => `<${url}|${label}>`)].join('\n'),
      ...(ready ? { nextSteps: steps.slice(1, 3) } : {}),
      summary: headline,
      eventType: ready ? 'DeploymentAwaitingApproval' : 'DeploymentStarted',
      threadId: deploymentId,
    }),
    facts: factsOf({
      severity: codeDeploySeverity(input.state),
      eventType: ready ? 'DeploymentAwaitingApproval' : 'DeploymentStarted',
      serviceName, stageName, version, consoleUrl: deploymentUrl,
      ...(ready ? { why: 'the deployment waits for a person to continue it' } : {}),
    }),
  };
}
