import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { freezeOverrideParameterName } from '../../../contract/freeze-override';
import { MigrationHook } from '../../hooks/migration-hook';
import type { NotificationRoute } from '../../pipeline/notification-route';
import type { ReleasePipeline } from '../../pipeline/release-pipeline';
import type { ReleaseStageOptions } from '../../pipeline/release-pipeline-props';
import { literalAlarmName } from '../../private/alarm-names';
import { consoleUrl } from '../../private/console-url';
import { runbookNotesOf } from '../../private/runbook-notes';
import { describeDuration } from '../../private/validation';
import { Construct } from 'constructs';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { ecsLifecycleStageOf } from '../../service/ecs-lifecycle-stage';

/** What a runbook is written from: the service, the pipeline that releases it, its dashboard. */
export interface RunbookSubject {
  readonly service: IBlueGreenService;
  readonly pipeline?: ReleasePipeline;
  readonly dashboardUrl?: string;
  readonly fileName: string;
  /** How a value that may hold tokens is written: a placeholder in the file, the token itself on the dashboard. */
  readonly text: (value: string | number) => string;
}

/** The waits of a service, when it says them (a `BlueGreenService` does; an imported one does not). */
interface Waits {
  readonly terminationWait?: Duration;
  readonly approvalWait?: Duration;
}

/** The stages of the pipeline that deploy the service, in release order. */
export function stagesDeploying(pipeline: ReleasePipeline, service: IBlueGreenService): ReleaseStageOptions[] {
  return pipeline.stageOptions.filter((stage) => stage.service === service || (stage.services ?? []).includes(service));
}

/** The whole runbook, as Markdown. */
export function renderRunbook(subject: RunbookSubject): string {
  const { service, text } = subject;
  const stack = Stack.of(service);
  return [
    `# Deployment runbook: ${text(service.serviceName)}`,
    '',
    `Generated at synthesis from \`${service.node.path}\` in stack \`${text(stack.stackName)}\`: it changes with the code and `
      + 'is replaced by every synthesis. Change the code, not this file.',
    '',
    ...section('How a release deploys', deploymentLines(subject)),
    ...section('Stages', stageLines(subject)),
    ...section('Hooks, in the order they run', hookLines(subject)),
    ...section('Rollback criteria', rollbackLines(subject)),
    ...section('Who is notified', notificationLines(subject)),
    ...section('Console links', linkLines(subject).map(([label, url]) => `- ${label}: ${url}`)),
    ...section('Emergency commands', emergencyLines(subject)),
  ].join('\n');
}

/** The short form for the dashboard: engine, criteria, the commands, and where the whole runbook is. */
export function renderRunbookSummary(subject: RunbookSubject): string {
  const { service, text } = subject;
  const name = text(service.serviceName);
  const alarms = service.rollbackAlarms?.alarms ?? [];
  const stages = subject.pipeline ? stagesDeploying(subject.pipeline, service) : [];
  return [
    `## Runbook: ${name}`,
    `**${service.engine.describe()}**, ${service.trafficShifting?.describe() ?? 'traffic shifting not known'}. `
      + `Rolls back when ${alarms.length === 0 ? 'a hook fails' : `one of ${alarms.length} alarms fires or a hook fails`}: `
      + alarms.map((alarm) => `\`${text(literalAlarmName(alarm))}\``).join(', '),
    '',
    '```',
    `npx cdk-ecs-release status --service ${name}`,
    `npx cdk-ecs-release abort --service ${name} --reason "<why>"`,
    `npx cdk-ecs-release promote --service ${name}`,
    ...stages.map((stage) => `npx cdk-ecs-release rollback --service ${name} --stage ${stage.stageName}`),
    '```',
    `[Deployments](${text(service.deploymentsConsoleUrl)}). The whole runbook: \`${subject.fileName}\` in the cloud assembly (\`cdk.out\`).`,
  ].join('\n');
}

function section(title: string, lines: string[]): string[] {
  const body = [...lines];
  while (body.length > 0 && body[body.length - 1] === '') {
    body.pop();
  }
  return body.length === 0 ? [] : [`## ${title}`, '', ...body, ''];
}

function deploymentLines({ service, text }: RunbookSubject): string[] {
  const waits = service as IBlueGreenService & Waits;
  const onEcs = service.engine.kind === DeploymentEngineKind.ECS;
  const lines = [
    `- Engine: **${service.engine.describe()}**${onEcs ? ' (the service\'s own blue/green deployment: a stack update that changes the service is a release)'
      : ' (a deployment group swaps the listeners\' target groups)'}`,
    `- Traffic shifting: ${service.trafficShifting ? text(service.trafficShifting.describe()) : 'not known (an imported service)'}`,
    `- Approval wait: ${waits.approvalWait ? `waits up to ${describeDuration(waits.approvalWait)} for a person before production traffic shifts, `
      + 'and rolls back if nobody promotes it' : 'none: traffic shifts as soon as the hooks succeed'}`,
  ];
  if (waits.terminationWait) {
    lines.push(`- ${onEcs ? 'Bake time' : 'Termination wait'}: ${describeDuration(waits.terminationWait)} after production traffic has moved, `
      + 'during which the old version keeps running and the rollback alarms still roll back');
  }
  lines.push(`- Test listener: ${text(service.testUrl)} (port ${text(service.testListenerPort)})`);
  if (service.url !== undefined) {
    lines.push(`- Production: ${text(service.url)}`);
  }
  return lines;
}

function stageLines({ service, pipeline, text }: RunbookSubject): string[] {
  if (!pipeline) {
    return ['No release pipeline given: releases reach the service by `cdk deploy` or another pipeline.'];
  }
  const deploying = stagesDeploying(pipeline, service);
  const lines = [`Pipeline \`${text(pipelineNameOf(pipeline))}\`: Source, Build, then ${pipeline.stageNames.map((s) => `\`${s}\``).join(', ')}. `
    + `The stages that deploy ${text(service.serviceName)}:`, ''];
  for (const stage of deploying) {
    const calendars = stage.changeCalendars ?? [];
    lines.push(`### ${stage.stageName}`, '');
    lines.push(`- Manual approval: ${stage.requireApproval ? 'yes, before the deployment' : 'no'}`);
    if (stage.requireApproval) {
      const dryRun = service.hooks.find((hook): hook is MigrationHook => hook instanceof MigrationHook && hook.dryRunCommand !== undefined);
      lines.push(`- Migration dry run at the approval: ${stage.migrationDryRun === false || !dryRun ? 'none'
        : `\`${dryRun.dryRunCommand!.join(' ')}\`, its output shown to the approver`}`);
      if (stage.approvalComment !== undefined) {
        lines.push(`- Approvers read: ${text(stage.approvalComment)}`);
      }
    }
    lines.push(`- Deployment window: ${stage.deploymentWindow ? text(stage.deploymentWindow.description) : 'none, releases enter at any time'}`);
    lines.push(`- Change calendars: ${calendars.length > 0 ? calendars.map((c) => `\`${text(c)}\``).join(', ')
      + ` (no release enters while one is CLOSED; ${stage.allowFreezeOverride === false ? 'no hotfix override'
        : `a hotfix enters with the override in SSM parameter \`${freezeOverrideParameterName(text(service.serviceName))}\``})` : 'none'}`);
    if (stage.lastReleaseWins) {
      lines.push('- A newer release supersedes one waiting to enter the stage');
    }
    lines.push('');
  }
  return lines;
}

function hookLines({ service, text }: RunbookSubject): string[] {
  const onEcs = service.engine.kind === DeploymentEngineKind.ECS;
  if (service.hooks.length === 0) {
    return ['No hooks: the deployment shifts traffic without checks of its own; the rollback alarms still apply.'];
  }
  return service.hooks.flatMap((hook) => {
    const notes = runbookNotesOf(hook);
    const name = hook.constructor.name;
    const event = onEcs ? `${ecsLifecycleStageOf(hook.lifecycleEvent)} (${hook.lifecycleEvent})` : hook.lifecycleEvent;
    return [`### ${event}: ${name} (\`${Construct.isConstruct(hook) ? hook.node.path : hook.function.node.path}\`)`, '',
      ...(notes.length > 0 ? notes : [`runs \`${text(hook.function.functionName)}\``]).map((note) => `- ${text(note)}`), ''];
  });
}

function rollbackLines({ service, text }: RunbookSubject): string[] {
  const alarms = service.rollbackAlarms;
  const lines = ['A deployment stops and rolls back to the old version when a hook reports Failed or times out, or when one of '
    + 'these alarms fires during the deployment or the termination wait:', ''];
  for (const alarm of alarms?.alarms ?? []) {
    lines.push(`- \`${text(literalAlarmName(alarm))}\`${describeAlarm(alarm, text)}`);
  }
  if (!alarms) {
    lines.push('- the alarms of the deployment group (not known here: the service is imported)');
  } else if (alarms.alarms.length === 0) {
    lines.push('- no alarms: only the hooks can stop a deployment');
  }
  if (alarms?.failedTaskSetGuard) {
    lines.push('- and the failed task set guard stops a deployment whose new tasks keep failing to start');
  }
  return lines;
}

/** The alarm's own description, threshold and evaluation, when it is defined in this app. */
function describeAlarm(alarm: cloudwatch.IAlarm, text: RunbookSubject['text']): string {
  const resource = alarm.node.defaultChild;
  if (!(resource instanceof cloudwatch.CfnAlarm)) {
    return resource instanceof cloudwatch.CfnCompositeAlarm ? ': a composite alarm' : ': defined elsewhere';
  }
  const parts: string[] = [];
  if (typeof resource.alarmDescription === 'string') {
    parts.push(text(resource.alarmDescription).replace(/\.$/, ''));
  }
  const threshold = resource.threshold;
  const evaluation = resource.evaluationPeriods ?? 1;
  const datapoints = resource.datapointsToAlarm ?? evaluation;
  parts.push(`${comparison(resource.comparisonOperator ?? '')} ${threshold === undefined ? 'an anomaly band' : text(threshold)}, `
    + `${text(datapoints)} of ${text(evaluation)} periods`);
  return `: ${parts.join('; ')}`;
}

function comparison(operator: string): string {
  switch (operator) {
    case 'GreaterThanThreshold': return 'above';
    case 'GreaterThanOrEqualToThreshold': return 'at or above';
    case 'LessThanThreshold': return 'below';
    case 'LessThanOrEqualToThreshold': return 'at or below';
    case 'GreaterThanUpperThreshold': return 'above';
    case 'LessThanLowerOrGreaterThanUpperThreshold': return 'outside';
    default: return Token.isUnresolved(operator) ? 'compared with' : operator;
  }
}

function notificationLines({ pipeline, text }: RunbookSubject): string[] {
  if (!pipeline) {
    return ['No release pipeline given: the library notifies nobody of this service\'s deployments.'];
  }
  const lines: string[] = [`Release notifications go to the SNS topic \`${text(pipeline.notificationTopic.topicName)}\`, and from it to:`, ''];
  for (const email of pipeline.notificationEmails) {
    lines.push(`- ${text(email)} (e-mail, every message)`);
  }
  if (pipeline.slackChannel) {
    lines.push(`- Slack channel \`${text(pipeline.slackChannel.slackChannelConfigurationName)}\` (every message)`);
  }
  for (const route of pipeline.notificationRoutes) {
    lines.push(`- ${describeRoute(route, text)} (${route.minimumSeverity} and above)`);
  }
  if (lines.length === 2) {
    lines.push('- nobody yet: subscribe to the topic, or give notificationEmails, slackChannel or notificationRoutes');
  }
  return lines;
}

function describeRoute(route: NotificationRoute, text: RunbookSubject['text']): string {
  if (route.address !== undefined) {
    return `${text(route.address)} (e-mail)`;
  }
  if (route.channel) {
    return `Slack channel \`${text(route.channel.slackChannelConfigurationName)}\``;
  }
  if (route.url !== undefined) {
    return `${text(route.url)} (HTTPS)`;
  }
  return 'PagerDuty';
}

function linkLines({ service, pipeline, dashboardUrl, text }: RunbookSubject): Array<[string, string]> {
  const links: Array<[string, string]> = [
    ['Deployments', text(service.deploymentsConsoleUrl)],
    ['ECS service', text(consoleUrl(service, `ecs/v2/clusters/${service.cluster.clusterName}/services/${service.service.serviceName}/health`))],
  ];
  if (pipeline) {
    links.push(['Pipeline', text(consoleUrl(pipeline, `codesuite/codepipeline/pipelines/${pipelineNameOf(pipeline)}/view`))]);
  }
  if (dashboardUrl !== undefined) {
    links.push(['Dashboard', text(dashboardUrl)]);
  }
  for (const alarm of service.rollbackAlarms?.alarms ?? []) {
    links.push([`Alarm \`${text(literalAlarmName(alarm))}\``, text(consoleUrl(alarm, 'cloudwatch/home', `alarmsV2:alarm/${encodeLiteral(literalAlarmName(alarm))}`))]);
  }
  return links;
}

function emergencyLines(subject: RunbookSubject): string[] {
  const { service, pipeline, text } = subject;
  const name = text(service.serviceName);
  const region = text(Stack.of(service).region);
  const stages = pipeline ? stagesDeploying(pipeline, service) : [];
  const overridable = service.hooks.some((hook) => runbookNotesOf(hook).some((note) => note.startsWith('freeze override')));
  const cli = [
    `npx cdk-ecs-release status --service ${name}`,
    `npx cdk-ecs-release abort --service ${name} --reason "<why>"        # stop the deployment in flight and roll it back`,
    `npx cdk-ecs-release promote --service ${name}                      # approve a waiting approval or deployment`,
    ...stages.flatMap((stage) => [
      `npx cdk-ecs-release rollback --service ${name} --stage ${stage.stageName}   # back to the release that last succeeded there`,
      `npx cdk-ecs-release freeze --stage ${stage.stageName} --reason "<why>"   # no release enters until unfreeze`,
    ]),
    ...(overridable ? [`npx cdk-ecs-release override --service ${name} --reason "<why>" --approved-by "<who>" --for 1h   # a hotfix through a freeze`] : []),
  ];
  const aws = service.deploymentGroup ? [
    '# the deployment in flight',
    `aws deploy list-deployments --application-name ${text(service.deploymentGroup.application.applicationName)} `
      + `--deployment-group-name ${text(service.deploymentGroup.deploymentGroupName)} --include-only-statuses InProgress Ready --region ${region}`,
    '# abort: stop it and roll back',
    `aws deploy stop-deployment --deployment-id <deployment-id> --auto-rollback-enabled --region ${region}`,
    '# promote a deployment waiting at Ready',
    `aws deploy continue-deployment --deployment-id <deployment-id> --deployment-wait-type READY_WAIT --region ${region}`,
  ] : [
    '# the deployment in flight',
    `aws ecs list-service-deployments --cluster ${text(service.cluster.clusterName)} --service ${text(service.service.serviceName)} `
      + `--status IN_PROGRESS --region ${region}`,
    '# abort: stop it and roll back',
    `aws ecs stop-service-deployment --service-deployment-arn <service-deployment-arn> --stop-type ROLLBACK --region ${region}`,
  ];
  const pipelineName = pipeline ? text(pipelineNameOf(pipeline)) : undefined;
  const awsPipeline = stages.length === 0 ? [] : [
    '# the executions, to pick the one to roll back to',
    `aws codepipeline list-pipeline-executions --pipeline-name ${pipelineName} --region ${region}`,
    ...stages.flatMap((stage) => [
      `aws codepipeline rollback-stage --pipeline-name ${pipelineName} --stage-name ${stage.stageName} `
        + `--target-pipeline-execution-id <execution-id> --region ${region}`,
      `aws codepipeline disable-stage-transition --pipeline-name ${pipelineName} --stage-name ${stage.stageName} `
        + `--transition-type Inbound --reason "<why>" --region ${region}`,
    ]),
  ];
  return ['With the release CLI (`npx cdk-ecs-release help <command>` for the options):', '', '```sh', ...cli, '```', '',
    'With the AWS CLI:', '', '```sh', ...aws, ...awsPipeline, '```'];
}

/** The pipeline's name as given, else its reference: the given name reads better than a placeholder. */
function pipelineNameOf(pipeline: ReleasePipeline): string {
  const resource = pipeline.pipeline.node.defaultChild;
  const given = resource instanceof codepipeline.CfnPipeline ? resource.name : undefined;
  return given !== undefined && !Token.isUnresolved(given) ? given : pipeline.pipeline.pipelineName;
}

/** A literal part of a link, encoded; a deploy-time one as it is (a placeholder in the file). */
function encodeLiteral(value: string): string {
  return Token.isUnresolved(value) ? value : encodeURIComponent(value);
}
