/**
 * The incident report of a rolled-back deployment, as Markdown in the shape of a post-incident
 * template: summary, impact, timeline, what decided the rollback, the rollback and its
 * verification, links, and the action items left for people. Pure: it renders what the record
 * item and the lookups gave, and says which lookup failed rather than guessing.
 */
import type { ReleaseRecordItem } from '../../contract/deployment-record';

/** A lookup's answer, or why it has none. */
export type Looked<T> = { readonly value: T } | { readonly failed: string };

/** What CodeDeploy's GetDeployment tells of the deployment. */
export interface CodeDeployFacts {
  readonly deploymentConfigName?: string;
  readonly status?: string;
  readonly createTime?: string;
  readonly completeTime?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly rollbackDeploymentId?: string;
  readonly rollbackMessage?: string;
  /** `deploymentOverview`: the count of targets per state (`Succeeded`, `Failed`, ...). */
  readonly overview?: Readonly<Record<string, number>>;
  readonly statusMessages?: readonly string[];
}

/** What Amazon ECS's DescribeServiceDeployments tells of the service deployment. */
export interface EcsFacts {
  readonly status?: string;
  readonly statusReason?: string;
  readonly lifecycleStage?: string;
  readonly strategy?: string;
  readonly canaryPercent?: number;
  readonly linearStepPercent?: number;
  readonly rollbackReason?: string;
}

/** A rollback alarm of the service and stage whose state changed while the deployment ran. */
export interface AlarmFacts {
  readonly name: string;
  readonly state?: string;
  readonly updatedAt?: string;
  readonly reason?: string;
  /** `StateReasonData` as CloudWatch gives it: JSON with `threshold`, `recentDatapoints`, ... */
  readonly reasonData?: string;
  readonly threshold?: number;
  readonly comparison?: string;
  readonly metric?: string;
}

export interface IncidentInput {
  /** The rolled-back deployment's item. */
  readonly item: ReleaseRecordItem;
  /** Its pipeline execution's item and stage item, when they could be read. */
  readonly execution?: ReleaseRecordItem;
  readonly stage?: ReleaseRecordItem;
  /** Undefined when the lookup does not apply (another engine, nothing to ask). */
  readonly codeDeploy?: Looked<CodeDeployFacts>;
  readonly ecs?: Looked<EcsFacts>;
  readonly alarms?: Looked<readonly AlarmFacts[]>;
  /** Lookups of the record's other items that failed. */
  readonly recordLookup?: string;
  /** The record item in the console. */
  readonly recordUrl?: string;
  readonly renderedAt: string;
}

const CODEDEPLOY_LIFECYCLE = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'];
const ECS_LIFECYCLE = ['RECONCILE_SERVICE', 'PRE_SCALE_UP', 'SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP'];

export function renderIncidentReport(input: IncidentInput): string {
  const { item } = input;
  const service = item.serviceName ?? 'unknown service';
  const stage = item.stageName ?? 'unknown stage';
  const id = item.deploymentId ?? item.recordId;
  return [
    `# Incident: ${service} ${stage}, deployment ${id} rolled back`, '',
    `_Rendered ${input.renderedAt} from the deployment record; re-rendered by each later event of the deployment._`, '',
    ...section('Summary', summary(input)),
    ...section('Impact', impact(input)),
    ...section('Timeline', timeline(input)),
    ...section('What decided the rollback', decision(input)),
    ...section('Rollback and verification', rollback(input)),
    ...section('Links', links(input)),
    ...section('Action items', [
      '- [ ] Confirm the impact with the service\'s users (errors, latency, data written by the new version)',
      '- [ ] Find the root cause',
      '- [ ] Add a test or a check that would have stopped this release earlier',
      '- [ ] Decide whether to retry the release, and with what change',
    ]),
  ].join('\n');
}

function section(title: string, lines: string[]): string[] {
  return [`## ${title}`, '', ...(lines.length > 0 ? lines : ['- nothing recorded']), ''];
}

function summary({ item, execution, stage, recordLookup }: IncidentInput): string[] {
  const image = item.imageUri ?? execution?.imageUri;
  const tag = item.imageTag ?? execution?.imageTag;
  const commit = execution?.sourceRevision;
  return [
    `- **Service:** ${item.serviceName ?? 'unknown'}`,
    `- **Stage:** ${item.stageName ?? 'unknown'}`,
    `- **Engine:** ${item.engine === 'ECS' ? 'Amazon ECS' : item.engine === 'CODE_DEPLOY' ? 'CodeDeploy' : 'unknown'}`,
    `- **Deployment:** ${item.deploymentId ?? item.recordId}`,
    `- **Image:** ${image ? `\`${image}\`` : 'unknown (not recorded)'}${tag ? ` (tag \`${tag}\`)` : ''}`,
    `- **Commit:** ${commit ? `\`${commit}\`${execution?.sourceSummary ? ` ${oneLine(execution.sourceSummary)}` : ''}` : 'unknown (not recorded)'}`
      + `${item.commitTime ?? execution?.commitTime ? `, committed ${item.commitTime ?? execution?.commitTime}` : ''}`,
    `- **Triggered by:** ${execution?.triggeredBy ? `${execution.triggeredBy}${execution.triggerType ? ` (${execution.triggerType})` : ''}` : 'unknown (not recorded)'}`,
    `- **Approved by:** ${stage?.approvedBy ? `${stage.approvedBy}${stage.approvalDecidedAt ? ` at ${stage.approvalDecidedAt}` : ''}` : 'unknown (no approval recorded)'}`,
    `- **Pipeline execution:** ${item.pipelineExecutionId ?? 'unknown (not linked yet)'}`,
    ...(recordLookup ? [`- _Could not read the pipeline execution's record: ${recordLookup}_`] : []),
  ];
}

function impact(input: IncidentInput): string[] {
  const { item } = input;
  const reached = furthestLifecycle(input);
  const lines: string[] = [];
  if (item.engine === 'ECS') {
    lines.push(...lookupLine('Amazon ECS DescribeServiceDeployments', input.ecs));
    const ecs = valueOf(input.ecs);
    lines.push(`- **Lifecycle stage reached:** ${reached ?? 'unknown'}`);
    if (ecs?.strategy) {
      lines.push(`- **Strategy:** ${ecs.strategy}${ecs.canaryPercent !== undefined ? `, canary ${ecs.canaryPercent} %` : ''}`
        + `${ecs.linearStepPercent !== undefined ? `, linear steps of ${ecs.linearStepPercent} %` : ''}`);
    }
    lines.push(`- **Production traffic on the new version:** ${ecsTrafficShare(reached, ecs)}`);
  } else {
    lines.push(...lookupLine('CodeDeploy GetDeployment', input.codeDeploy));
    const deployment = valueOf(input.codeDeploy);
    lines.push(`- **Deployment configuration:** ${deployment?.deploymentConfigName ? `${deployment.deploymentConfigName} (${trafficSteps(deployment.deploymentConfigName)})` : 'unknown'}`);
    lines.push(`- **Lifecycle events reached:** ${reached ?? 'none reported by the hooks'}`);
    lines.push(`- **Production traffic on the new version:** ${codeDeployTrafficShare(reached, deployment?.deploymentConfigName, item)}`);
    if (deployment?.overview) {
      lines.push(`- **Targets:** ${Object.entries(deployment.overview).map(([state, count]) => `${state} ${count}`).join(', ')}`);
    }
  }
  const restored = restoredAt(item);
  const seconds = item.startedAt && restored ? Math.round((Date.parse(restored) - Date.parse(item.startedAt)) / 1000) : undefined;
  lines.push(`- **Started:** ${item.startedAt ?? 'unknown'}`);
  lines.push(`- **Restored:** ${restored ?? 'unknown (no completed rollback recorded yet)'}`);
  lines.push(`- **Duration from start to restore:** ${seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? duration(seconds) : 'unknown'}`);
  return lines;
}

function timeline({ item, stage }: IncidentInput): string[] {
  const entries: [string, string][] = [
    ...(stage?.approvalRequestedAt ? [[stage.approvalRequestedAt, 'approval requested'] as [string, string]] : []),
    ...(stage?.approvalDecidedAt ? [[stage.approvalDecidedAt, `approval ${stage.approvalOutcome === 'FAILED' ? 'rejected' : 'decided'}${stage.approvedBy ? ` by ${stage.approvedBy}` : ''}`] as [string, string]] : []),
    ...(item.startedAt ? [[item.startedAt, 'deployment started'] as [string, string]] : []),
    ...(item.completedAt ? [[item.completedAt, 'deployment ended'] as [string, string]] : []),
    ...(item.notes ?? []).map((note) => {
      const at = note.indexOf(' ');
      return (at > 0 ? [note.slice(0, at), note.slice(at + 1)] : ['', note]) as [string, string];
    }),
  ];
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => (a.entry[0] === b.entry[0] ? a.index - b.index : a.entry[0] < b.entry[0] ? -1 : 1))
    .map(({ entry: [time, what] }) => `- ${time ? `\`${time}\` ` : ''}${oneLine(what)}`);
}

function decision(input: IncidentInput): string[] {
  const { item } = input;
  const lines: string[] = [];
  const deployment = valueOf(input.codeDeploy);
  if (deployment?.errorCode || deployment?.errorMessage) {
    lines.push(`- **CodeDeploy error:** ${[deployment.errorCode, deployment.errorMessage].filter(Boolean).map((s) => oneLine(s!)).join(': ')}`);
  }
  if (deployment?.rollbackMessage) {
    lines.push(`- **CodeDeploy rollback:** ${oneLine(deployment.rollbackMessage)}`);
  }
  for (const message of deployment?.statusMessages ?? []) {
    lines.push(`- **CodeDeploy status:** ${oneLine(message)}`);
  }
  const ecs = valueOf(input.ecs);
  if (ecs?.rollbackReason || ecs?.statusReason) {
    lines.push(`- **Amazon ECS:** ${oneLine([ecs.statusReason, ecs.rollbackReason].filter(Boolean).join('; '))}`);
  }
  lines.push(...lookupLine('CloudWatch DescribeAlarms', input.alarms));
  const alarms = valueOf(input.alarms);
  if (alarms && alarms.length === 0) {
    lines.push('- No rollback alarm of the service and stage changed state during the deployment.');
  }
  for (const alarm of alarms ?? []) {
    lines.push(...alarmLines(alarm));
  }
  const failed = (item.hookResults ?? []).filter((result) => /: FAILED(:|$)/.test(result));
  if (failed.length > 0) {
    lines.push('- **Failing hooks:**', ...failed.map((result) => `  - ${oneLine(result)}`));
  }
  if (item.metricGateVerdict || (item.metricGateFigures ?? []).length > 0) {
    lines.push(`- **Metric gate:** ${item.metricGateVerdict ?? 'no verdict recorded'}`,
      ...(item.metricGateFigures ?? []).map((figure) => `  - \`${figure}\``));
  }
  return lines;
}

function alarmLines(alarm: AlarmFacts): string[] {
  const data = parseReasonData(alarm.reasonData);
  const threshold = alarm.threshold ?? data.threshold;
  const figures = [
    ...(alarm.metric ? [`metric ${alarm.metric}`] : []),
    ...(threshold !== undefined ? [`threshold ${alarm.comparison ? `${alarm.comparison} ` : ''}${threshold}`] : []),
    ...(data.recentDatapoints.length > 0 ? [`recent datapoints ${data.recentDatapoints.join(', ')}`] : []),
    ...(data.statistic ? [`statistic ${data.statistic}`] : []),
    ...(data.period !== undefined ? [`period ${data.period} s`] : []),
  ];
  return [
    `- **Alarm \`${alarm.name}\`:** ${alarm.state ?? 'unknown state'}${alarm.updatedAt ? ` since ${alarm.updatedAt}` : ''}`,
    ...(alarm.reason ? [`  - ${oneLine(alarm.reason)}`] : []),
    ...(figures.length > 0 ? [`  - ${figures.join('; ')}`] : []),
  ];
}

function rollback({ item }: IncidentInput): string[] {
  return [
    `- **Status:** ${item.status}`,
    `- **Verification:** ${item.rollbackVerification ?? 'none recorded (verification off, or not run yet)'}`,
    ...(item.rollbackVerificationReason ? [`- **Reason:** ${oneLine(item.rollbackVerificationReason)}`] : []),
    ...(item.verifiedUrl ? [`- **Checked:** ${item.verifiedUrl}`] : []),
    `- **Restored version:** ${item.restoredVersion ?? 'unknown'}`,
    ...((item.verificationChecks ?? []).length > 0 ? ['- **Checks:**', ...item.verificationChecks!.map((check) => `  - ${oneLine(check)}`)] : []),
  ];
}

function links({ item, recordUrl }: IncidentInput): string[] {
  return [
    `- Deployment: ${item.url ?? 'no console link recorded'}`,
    ...(recordUrl ? [`- Record item: ${recordUrl}`] : []),
    `- Record key: \`${item.releaseKey}\` / \`${item.recordId}\``,
  ];
}

/** The furthest lifecycle event (CodeDeploy) or stage (Amazon ECS) the hooks or ECS reported. */
function furthestLifecycle({ item, ecs }: IncidentInput): string | undefined {
  const order = item.engine === 'ECS' ? ECS_LIFECYCLE : CODEDEPLOY_LIFECYCLE;
  const named = [...(item.hookResults ?? []).map((result) => result.split(' ')[0]), ...(valueOf(ecs)?.lifecycleStage ? [valueOf(ecs)!.lifecycleStage!] : [])];
  return named.filter((name) => order.includes(name)).sort((a, b) => order.indexOf(b) - order.indexOf(a))[0];
}

function codeDeployTrafficShare(reached: string | undefined, configName: string | undefined, item: ReleaseRecordItem): string {
  if (!reached) {
    return `unknown: no lifecycle hook reported how far the deployment got${configName ? ` (its first step shifts ${firstStep(configName) ?? 'an unknown share'})` : ''}`;
  }
  const index = CODEDEPLOY_LIFECYCLE.indexOf(reached);
  if (index >= CODEDEPLOY_LIFECYCLE.indexOf('AfterAllowTraffic')) {
    return '100 %: all production traffic had shifted to the new version (AfterAllowTraffic ran)';
  }
  const beforeAllowFailed = (item.hookResults ?? []).some((result) => /^BeforeAllowTraffic .*: FAILED/.test(result));
  if (index === CODEDEPLOY_LIFECYCLE.indexOf('BeforeAllowTraffic') && !beforeAllowFailed) {
    const share = configName && /Linear/.test(configName) ? `${firstStep(configName)} or more, less than 100 %`
      : configName && /AllAtOnce/.test(configName) ? 'up to 100 %' : `up to ${firstStep(configName) ?? 'an unknown share'}`;
    return `${share}: production traffic was being shifted when the deployment stopped`;
  }
  return index >= CODEDEPLOY_LIFECYCLE.indexOf('AfterAllowTestTraffic')
    ? '0 %: only the test listener reached the new version'
    : '0 %: the deployment stopped before any traffic was shifted';
}

function ecsTrafficShare(reached: string | undefined, ecs: EcsFacts | undefined): string {
  const index = reached ? ECS_LIFECYCLE.indexOf(reached) : -1;
  if (index < 0) {
    return 'unknown';
  }
  if (index > ECS_LIFECYCLE.indexOf('PRODUCTION_TRAFFIC_SHIFT')) {
    return '100 %: all production traffic had shifted to the new version';
  }
  if (index === ECS_LIFECYCLE.indexOf('PRODUCTION_TRAFFIC_SHIFT')) {
    const step = ecs?.canaryPercent ?? ecs?.linearStepPercent;
    return `up to ${step !== undefined && ecs?.strategy !== 'BLUE_GREEN' ? `${step} % (a step of ${ecs?.strategy ?? 'the strategy'})` : '100 %'}: production traffic was being shifted`;
  }
  return index >= ECS_LIFECYCLE.indexOf('TEST_TRAFFIC_SHIFT') ? '0 %: only test traffic reached the new version' : '0 %: no traffic was shifted';
}

/** `CodeDeployDefault.ECSCanary10Percent5Minutes` → `canary: 10 % first, the rest after 5 minutes`. */
export function trafficSteps(configName: string): string {
  const canary = /Canary(\d+)Percent(\d+)Minutes?/.exec(configName);
  if (canary) {
    return `canary: ${canary[1]} % first, the rest after ${canary[2]} minutes`;
  }
  const linear = /Linear(\d+)PercentEvery(\d+)Minutes?/.exec(configName);
  if (linear) {
    return `linear: ${linear[1]} % more every ${linear[2]} minutes`;
  }
  return /AllAtOnce/.test(configName) ? 'all at once: 100 %' : 'a custom configuration';
}

function firstStep(configName: string | undefined): string | undefined {
  if (!configName) {
    return undefined;
  }
  const step = /(?:Canary|Linear)(\d+)Percent/.exec(configName)?.[1];
  return step ? `${step} %` : /AllAtOnce/.test(configName) ? '100 %' : undefined;
}

/** When the rollback put the previous version back: the first note of a completed rollback. */
export function restoredAt(item: ReleaseRecordItem): string | undefined {
  return (item.notes ?? []).map((note) => /^(\S+) rolled back\b/.exec(note)?.[1]).filter((time): time is string => !!time).sort()[0];
}

function parseReasonData(json: string | undefined): { threshold?: number; recentDatapoints: number[]; statistic?: string; period?: number } {
  try {
    const data = json ? JSON.parse(json) as Record<string, unknown> : {};
    return {
      ...(typeof data.threshold === 'number' ? { threshold: data.threshold } : {}),
      recentDatapoints: Array.isArray(data.recentDatapoints) ? data.recentDatapoints.filter((d): d is number => typeof d === 'number') : [],
      ...(typeof data.statistic === 'string' ? { statistic: data.statistic } : {}),
      ...(typeof data.period === 'number' ? { period: data.period } : {}),
    };
  } catch {
    return { recentDatapoints: [] };
  }
}

function lookupLine<T>(what: string, looked: Looked<T> | undefined): string[] {
  return looked && 'failed' in looked ? [`- _${what} could not be read: ${oneLine(looked.failed)}_`] : [];
}

function valueOf<T>(looked: Looked<T> | undefined): T | undefined {
  return looked && 'value' in looked ? looked.value : undefined;
}

function duration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** Text from an event or a service, on one Markdown line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
