/**
 * The pre-flight hook body: refuses to start a deployment whose rollback alarms already fire,
 * are muted, or do not exist, since CodeDeploy would then roll back at once or never.
 */
import type { CompositeAlarm, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { MAX_FREEZE_OVERRIDE_HOURS } from '../../contract/freeze-override';
import { MAX_DESCRIBE_ALARMS_PAGES, PreflightFreezeOverrideConfig } from '../../contract/preflight';
import { awsCall } from '../shared/aws-call';
import { ssmApi } from '../shared/hook-configuration';
import { clientConfig, lazy } from '../shared/clients';
import { codeDeployApi } from '../shared/codedeploy';
import { deploymentGroupOf } from '../shared/deployment-target';
import { HookContext, HookOutcome, failed, succeeded } from '../shared/hook';
import { describeError, errorMessage } from '../shared/logger';
import { PreflightSettings, loadPreflightSettings } from './config';
import { AlarmFacts, batches, evaluateAlarms, uniqueAlarmNames } from './evaluate';
import { judgeOverride, parseOverride, readOverride, releaseVersion } from './override';
import { checkWindow } from './window';

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const cloudwatchApi = lazy(() => import('@aws-sdk/client-cloudwatch').then((sdk) => ({ client: new sdk.CloudWatchClient(clientConfig()), sdk })));

/** The deployment group's rollback alarms, and whether CodeDeploy watches them. */
interface GroupAlarms {
  readonly names: string[];
  /** `application/deployment group`, for messages. */
  readonly group: string;
  /** Alarm monitoring is off: CodeDeploy would neither stop nor roll back on these alarms. */
  readonly monitoringDisabled: boolean;
}

/** The rollback alarms of the deployment group, read from CodeDeploy. */
async function deploymentGroupAlarms(context: HookContext, settings: PreflightSettings): Promise<GroupAlarms> {
  const execution = context.execution;
  let applicationName = settings.applicationName;
  let deploymentGroupName = settings.deploymentGroupName;
  const codeDeploy = await codeDeployApi();
  if (!applicationName || !deploymentGroupName) {
    if (execution.engine !== 'codedeploy') {
      throw new Error('no CodeDeploy deployment to read the deployment group from');
    }
    // Read once per deployment: a shared function has already read it to find its configuration.
    ({ applicationName, deploymentGroupName } = await deploymentGroupOf(context, execution.deploymentId, 'the deployment group whose rollback alarms to check'));
  }
  const group = await awsCall(context, 'codedeploy:GetDeploymentGroup', (abortSignal) =>
    codeDeploy.client.send(new codeDeploy.sdk.GetDeploymentGroupCommand({ applicationName, deploymentGroupName }), { abortSignal }));
  const alarmConfiguration = group.deploymentGroupInfo?.alarmConfiguration;
  const names = (alarmConfiguration?.alarms ?? []).map((a) => a.name).filter((n): n is string => !!n);
  context.logger.info('deployment group rollback alarms', {
    applicationName,
    deploymentGroupName,
    alarmMonitoringEnabled: alarmConfiguration?.enabled ?? false,
    alarms: names,
  });
  // Without alarms CodeDeploy reports monitoring as off; only alarms that are listed yet ignored matter.
  const monitoringDisabled = names.length > 0 && alarmConfiguration?.enabled !== true;
  return { names, group: `${applicationName}/${deploymentGroupName}`, monitoringDisabled };
}

/** Refuses, or with `allowDisabledAlarmMonitoring` warns, when the group ignores its alarms. */
function monitoringVerdict(context: HookContext, settings: PreflightSettings, group: GroupAlarms): HookOutcome | undefined {
  if (!group.monitoringDisabled) {
    return undefined;
  }
  const reason = `alarm monitoring is disabled on deployment group ${group.group}, so none of its ${group.names.length} `
    + 'rollback alarms would stop or roll back the deployment';
  context.logger.info('decision', {
    check: `alarm monitoring of ${group.group}`,
    expectation: settings.allowDisabledAlarmMonitoring ? 'enabled, or allowed to be disabled' : 'enabled',
    observed: 'disabled',
    verdict: settings.allowDisabledAlarmMonitoring ? 'pass' : 'fail',
    reason,
  });
  if (settings.allowDisabledAlarmMonitoring) {
    context.logger.warn(`${reason}; going on, as allowDisabledAlarmMonitoring says`);
    return undefined;
  }
  return failed(`refusing to deploy: ${reason}; turn alarm monitoring on in the deployment group, `
    + 'or set allowDisabledAlarmMonitoring on the PreflightHook to deploy without that safety net');
}

function alarmFacts(alarm: MetricAlarm | CompositeAlarm, type: AlarmFacts['type']): AlarmFacts {
  return {
    name: alarm.AlarmName ?? '',
    type,
    stateValue: alarm.StateValue,
    actionsEnabled: alarm.ActionsEnabled,
    stateReason: alarm.StateReason,
  };
}

async function describeAlarms(context: HookContext, names: string[]): Promise<AlarmFacts[]> {
  const { client, sdk } = await cloudwatchApi();
  const facts: AlarmFacts[] = [];
  for (const batch of batches(names, 100)) {
    let nextToken: string | undefined;
    let pages = 0;
    do {
      if (pages === MAX_DESCRIBE_ALARMS_PAGES) {
        throw new Error(`cloudwatch:DescribeAlarms still returned a NextToken after ${pages} pages for ${batch.length} alarm names, `
          + `which match at most ${batch.length} alarms; refusing to deploy on an incomplete answer`);
      }
      pages++;
      const page = await awsCall(context, 'cloudwatch:DescribeAlarms', (abortSignal) => client.send(new sdk.DescribeAlarmsCommand({
        AlarmNames: batch,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        MaxRecords: 100,
        NextToken: nextToken,
      }), { abortSignal }));
      facts.push(
        ...(page.MetricAlarms ?? []).map((alarm) => alarmFacts(alarm, 'metric')),
        ...(page.CompositeAlarms ?? []).map((alarm) => alarmFacts(alarm, 'composite')),
      );
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return facts;
}

/** Refuses outside the deployment window, saying when it opens; first, as it needs no AWS call. */
function windowVerdict(context: HookContext, settings: PreflightSettings, now: Date): HookOutcome | undefined {
  const window = settings.deploymentWindow;
  if (window === undefined) {
    return undefined;
  }
  const verdict = checkWindow(window, now);
  const localNow = `${verdict.now} ${window.timeZone ?? 'UTC'}`;
  const nextOpening = verdict.nextOpening?.toISOString();
  context.logger.info('decision', {
    check: 'deployment window',
    expectation: window.description,
    observed: localNow,
    verdict: verdict.open ? 'pass' : 'fail',
    ...(nextOpening ? { nextOpening } : {}),
  });
  return verdict.open ? undefined : failed(`refusing to deploy: it is ${localNow}, outside the deployment `
    + `window ${window.description}${nextOpening ? `; it next opens at ${nextOpening}` : ''}; release then, or change the window`);
}

/**
 * Refuses while a change calendar is CLOSED: a change freeze, unless the service's hotfix override
 * lets this release through. An unreadable calendar fails the hook (after the call's retries),
 * since a freeze that cannot be read may be in force.
 */
async function freezeVerdict(context: HookContext, settings: PreflightSettings): Promise<HookOutcome | undefined> {
  const calendars = settings.changeCalendars;
  if (calendars.length === 0) {
    return undefined;
  }
  const { client, sdk } = await ssmApi();
  const state = await awsCall(context, 'ssm:GetCalendarState', (abortSignal) =>
    client.send(new sdk.GetCalendarStateCommand({ CalendarNames: calendars }), { abortSignal }));
  const open = state.State === 'OPEN';
  const until = state.NextTransitionTime ? ` until ${state.NextTransitionTime}` : '';
  context.logger.info('decision', {
    check: `change calendars ${calendars.join(', ')}`,
    expectation: 'OPEN',
    observed: `${state.State ?? 'no state'}${until}`,
    verdict: open ? 'pass' : (settings.freezeOverride ? 'fail unless overridden' : 'fail'),
  });
  if (open) {
    return undefined;
  }
  const frozen = `${calendars.length === 1 ? 'the change calendar' : 'one of the change calendars'} ${calendars.join(', ')} `
    + `is ${state.State ?? 'in no state'} (a change freeze)${until}`;
  if (!settings.freezeOverride) {
    return failed(`refusing to deploy: ${frozen}; release once it opens, or, for a hotfix, open the calendar `
      + 'in the AWS Systems Manager Change Calendar console, which records who changed it');
  }
  return overrideVerdict(context, settings.freezeOverride, calendars, frozen);
}

/** Lets the release through a freeze when the service's override says so, with one decision line either way. */
async function overrideVerdict(
  context: HookContext, config: PreflightFreezeOverrideConfig, calendars: readonly string[], frozen: string,
): Promise<HookOutcome | undefined> {
  const parameterName = config.parameterName;
  const parameter = await readOverride(context, parameterName);
  const hint = `for a hotfix, write ${parameterName} ({ reason, expiresAt, approvedBy, version? }, at most `
    + `${MAX_FREEZE_OVERRIDE_HOURS} hours), e.g. with npx cdk-ecs-release override`;
  if (!parameter) {
    context.logger.info('decision', {
      check: `freeze override ${parameterName}`, expectation: 'an unexpired override', observed: 'none', verdict: 'fail',
    });
    return failed(`refusing to deploy: ${frozen}, and no freeze override is set; release once it opens, or, ${hint}`);
  }
  const named = parseOverride(parameter.value);
  const version = typeof named !== 'string' && named.version !== undefined
    ? await releaseVersion(context, config).catch((error: unknown) => {
      throw new Error(`the freeze override ${parameterName} is for version ${named.version}, but the release version is unreadable: ${errorMessage(error)}`);
    })
    : undefined;
  const judgement = judgeOverride(parameter, new Date(), version);
  if (!judgement.honoured) {
    context.logger.info('decision', {
      check: `freeze override ${parameterName}`, expectation: 'an unexpired override', observed: `version ${parameter.version ?? '?'}: ${judgement.why}`,
      verdict: 'fail',
    });
    return failed(`refusing to deploy: ${frozen}; the freeze override ${parameterName} is not honoured: ${judgement.why}; ${hint}`);
  }
  const { override } = judgement;
  // The record of the override: who approved, why, until when, and which freeze it lifts for this release.
  context.logger.info('decision', {
    check: `freeze override ${parameterName}`,
    expectation: 'an unexpired override',
    observed: `version ${parameter.version ?? '?'}, written ${parameter.lastModified?.toISOString()}`,
    verdict: 'pass',
    overrides: calendars,
    approvedBy: override.approvedBy,
    reason: override.reason,
    expiresAt: override.expiresAt,
    ...(override.version === undefined ? {} : { version: override.version }),
  });
  context.logger.warn(`deploying through a change freeze: ${frozen}; overridden by ${parameterName} (approved by ${override.approvedBy}: `
    + `${override.reason}) until ${override.expiresAt}`);
  return undefined;
}

export async function preflightBody(context: HookContext): Promise<HookOutcome> {
  const settings = loadPreflightSettings();
  const outsideWindow = windowVerdict(context, settings, new Date());
  if (outsideWindow) {
    return outsideWindow;
  }
  const frozen = await freezeVerdict(context, settings);
  if (frozen) {
    return frozen;
  }
  let groupAlarms: string[] = [];
  let group: GroupAlarms | undefined;
  // Under Amazon ECS's own blue/green there is no deployment group unless one is named.
  const canReadGroup = context.execution.engine === 'codedeploy' || !!settings.applicationName;
  if (settings.readDeploymentGroupAlarms && canReadGroup) {
    try {
      group = await deploymentGroupAlarms(context, settings);
      groupAlarms = group.names;
    } catch (error) {
      if (settings.alarmNames.length === 0 || context.signal.aborted) {
        throw error;
      }
      context.logger.warn('could not read the deployment group alarms; checking the configured ones only', {
        error: describeError(error),
        alarms: settings.alarmNames,
      });
      groupAlarms = [];
      context.progress(`deployment group alarms unreadable: ${errorMessage(error)}`);
    }
  }
  const refusal = group ? monitoringVerdict(context, settings, group) : undefined;
  if (refusal) {
    return refusal;
  }
  const names = uniqueAlarmNames(groupAlarms, settings.alarmNames);
  context.progress(`checking ${names.length} rollback alarms`);
  const facts = names.length > 0 ? await describeAlarms(context, names) : [];
  const verdict = evaluateAlarms(names, facts, settings.failOnActionsDisabled);
  for (const decision of verdict.decisions) {
    context.logger.info('decision', {
      check: `alarm ${decision.alarm}`,
      expectation: settings.failOnActionsDisabled ? 'exists, not in ALARM, actions enabled' : 'exists, not in ALARM',
      observed: decision.verdict === 'missing'
        ? 'not found'
        : `state ${decision.state ?? 'unknown'}, actions ${decision.actionsEnabled === false ? 'disabled' : 'enabled'}`,
      verdict: decision.verdict === 'ok' ? 'pass' : 'fail',
      reason: decision.reason,
    });
  }
  if (names.length === 0) {
    context.logger.warn('no rollback alarms to check: neither the deployment group nor the configuration names any');
  }
  const checks = verdict.decisions.map((decision) => ({ name: `alarm ${decision.alarm}`, passed: decision.verdict === 'ok', detail: decision.reason }));
  return verdict.status === 'Succeeded' ? succeeded(verdict.reason, { checks }) : failed(verdict.reason, { checks });
}
