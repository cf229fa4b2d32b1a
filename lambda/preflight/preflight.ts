/**
 * The pre-flight hook body: refuses to start a deployment whose rollback alarms already fire,
 * are muted, or do not exist, since CodeDeploy would then roll back at once or never.
 */
import { CloudWatchClient, CompositeAlarm, DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetDeploymentCommand, GetDeploymentGroupCommand } from '@aws-sdk/client-codedeploy';
import { awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { codeDeployClient } from '../shared/codedeploy';
import { HookContext, HookOutcome, failed, succeeded } from '../shared/hook';
import { describeError, errorMessage } from '../shared/logger';
import { PreflightSettings, loadPreflightSettings } from './config';
import { AlarmFacts, batches, evaluateAlarms, uniqueAlarmNames } from './evaluate';

const cloudwatch = lazy(() => new CloudWatchClient(clientConfig()));

/** The rollback alarms of the deployment group, read from CodeDeploy. */
async function deploymentGroupAlarms(context: HookContext, settings: PreflightSettings): Promise<string[]> {
  const execution = context.execution;
  let applicationName = settings.applicationName;
  let deploymentGroupName = settings.deploymentGroupName;
  if (!applicationName || !deploymentGroupName) {
    if (execution.engine !== 'codedeploy') {
      throw new Error('no CodeDeploy deployment to read the deployment group from');
    }
    const deployment = await awsCall(context, 'codedeploy:GetDeployment', (abortSignal) =>
      codeDeployClient().send(new GetDeploymentCommand({ deploymentId: execution.deploymentId }), { abortSignal }));
    applicationName = deployment.deploymentInfo?.applicationName;
    deploymentGroupName = deployment.deploymentInfo?.deploymentGroupName;
    if (!applicationName || !deploymentGroupName) {
      throw new Error(`deployment ${execution.deploymentId} names no application and deployment group`);
    }
  }
  const group = await awsCall(context, 'codedeploy:GetDeploymentGroup', (abortSignal) =>
    codeDeployClient().send(new GetDeploymentGroupCommand({ applicationName, deploymentGroupName }), { abortSignal }));
  const alarmConfiguration = group.deploymentGroupInfo?.alarmConfiguration;
  const names = (alarmConfiguration?.alarms ?? []).map((a) => a.name).filter((n): n is string => !!n);
  context.logger.info('deployment group rollback alarms', {
    applicationName,
    deploymentGroupName,
    alarmMonitoringEnabled: alarmConfiguration?.enabled ?? false,
    alarms: names,
  });
  if (alarmConfiguration && alarmConfiguration.enabled === false && names.length > 0) {
    context.logger.warn('alarm monitoring is disabled on the deployment group: these alarms will not roll it back', {
      applicationName,
      deploymentGroupName,
    });
  }
  return names;
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
  const facts: AlarmFacts[] = [];
  for (const batch of batches(names, 100)) {
    let nextToken: string | undefined;
    do {
      const page = await awsCall(context, 'cloudwatch:DescribeAlarms', (abortSignal) => cloudwatch().send(new DescribeAlarmsCommand({
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

export async function preflightBody(context: HookContext): Promise<HookOutcome> {
  const settings = loadPreflightSettings();
  let groupAlarms: string[] = [];
  // Under Amazon ECS's own blue/green there is no deployment group unless one is named.
  const canReadGroup = context.execution.engine === 'codedeploy' || !!settings.applicationName;
  if (settings.readDeploymentGroupAlarms && canReadGroup) {
    try {
      groupAlarms = await deploymentGroupAlarms(context, settings);
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
  return verdict.status === 'Succeeded' ? succeeded(verdict.reason) : failed(verdict.reason);
}
