import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PREFLIGHT_CONFIG_ENV, PreflightHookConfig } from '../../contract/preflight';
import { literalAlarmName } from '../private/alarm-names';
import { recordPropProblem } from '../private/validation';
import type { DeploymentWindow } from './deployment-window';
import { CALENDAR_ARN, CALENDAR_NAME, calendarArn } from './private/calendar-names';
import { bindHookFunction } from './private/hook-function';
import { HookFunctionOptions } from './hook-options';
import { LifecycleEvent } from '../service/lifecycle-event';
import { ILifecycleHook } from '../service/lifecycle-hook';

const TIMEOUT = Duration.minutes(2);

/** Properties of a {@link PreflightHook}. */
export interface PreflightHookProps extends HookFunctionOptions {
  /**
   * Alarms checked besides the rollback alarms of the service's deployment group, which are
   * always read from CodeDeploy when the deployment starts.
   * @default - only the deployment group's alarms
   */
  readonly alarms?: cloudwatch.IAlarm[];

  /**
   * Refuse to start when one of the alarms has its actions disabled: CodeDeploy ignores such an
   * alarm, so the deployment would run without that safety net.
   * @default true
   */
  readonly failOnActionsDisabled?: boolean;

  /**
   * Start a deployment even when alarm monitoring is turned off on the deployment group. By
   * default the hook refuses: with monitoring off, CodeDeploy ignores the rollback alarms, so a
   * release that hurts users would neither stop nor roll back on its own.
   * @default false
   */
  readonly allowDisabledAlarmMonitoring?: boolean;

  /**
   * Refuse to start a deployment outside this weekly window, saying when it opens next: so a
   * release by `cdk deploy` (the Amazon ECS engine, `deployOnStackUpdate`) or from outside the
   * pipeline keeps the window its pipeline stage has. Weekly windows only
   * (`DeploymentWindow.weekly`); the hook reads the clock of the window's time zone.
   * @default - deployments start at any time
   */
  readonly deploymentWindow?: DeploymentWindow;

  /**
   * AWS Systems Manager Change Calendars, by name or ARN, that freeze changes while CLOSED: the
   * hook refuses to start a deployment then, saying until when. People close and open them in
   * the Change Calendar console (events, or the calendar's default state), without a code change.
   * @default - no change freeze
   */
  readonly changeCalendars?: string[];
}

/**
 * Refuses to start a deployment of a {@link BlueGreenService} while one of its rollback alarms
 * is already in ALARM, is muted or does not exist, or while the deployment group has alarm
 * monitoring turned off: CodeDeploy would roll back at once, or never. Runs at `BeforeInstall`,
 * before anything changes.
 *
 * @example
 * new PreflightHook(this, 'Preflight', { service });
 */
export class PreflightHook extends Construct implements ILifecycleHook {
  public readonly lifecycleEvent: LifecycleEvent = LifecycleEvent.BEFORE_INSTALL;
  public readonly function: lambda.IFunction;
  /** The log group of the hook function. */
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: PreflightHookProps) {
    super(scope, id);
    const service = props.service;
    const deploymentGroup = service.deploymentGroup;
    const given = props.alarms ?? [];
    // On the ECS engine no deployment group lists the rollback alarms: the hook is given them, at
    // synthesis, so that alarms added to the service after the hook count too.
    const rollbackAlarms = deploymentGroup ? undefined : service.rollbackAlarms;
    const alarmNames = (): string[] => [...rollbackAlarms?.deploymentGroupAlarms ?? [], ...given].map(literalAlarmName);
    const config: PreflightHookConfig = {
      ...(deploymentGroup ? {
        applicationName: deploymentGroup.application.applicationName,
        deploymentGroupName: deploymentGroup.deploymentGroupName,
      } : { readDeploymentGroupAlarms: false }),
      ...(given.length > 0 || rollbackAlarms ? { alarmNames: Lazy.list({ produce: alarmNames }) } : {}),
      ...(props.failOnActionsDisabled !== undefined ? { failOnActionsDisabled: props.failOnActionsDisabled } : {}),
      ...(props.allowDisabledAlarmMonitoring ? { allowDisabledAlarmMonitoring: true } : {}),
      ...(props.deploymentWindow?._weekly ? { deploymentWindow: props.deploymentWindow._weekly } : {}),
      ...(props.changeCalendars?.length ? { changeCalendars: props.changeCalendars } : {}),
    };
    this.checkCalendars(props.changeCalendars ?? []);
    const window = props.deploymentWindow;
    for (const problem of window?._problems ?? []) {
      recordPropProblem(this, 'deploymentWindow', `${problem} (${window!.description})`);
    }
    if (window && !window._weekly) {
      recordPropProblem(this, 'deploymentWindow', `${window.description}: the pre-flight hook checks weekly windows only; `
        + 'use DeploymentWindow.weekly(), or keep the cron window on the pipeline stage alone');
    }
    const binding = bindHookFunction(this, {
      kind: 'preflight',
      service,
      hookName: `${service.serviceName} pre-flight`,
      does: 'refuses to start a deployment while its rollback alarms fire (BeforeInstall hook)',
      sharedDoes: 'Refuses to start a deployment while its rollback alarms fire (BeforeInstall hook)',
      timeout: TIMEOUT,
      defaults: { timeout: TIMEOUT },
      environment: { [PREFLIGHT_CONFIG_ENV]: Stack.of(this).toJsonString(config) },
      config: { ...config },
      logRetention: props.logRetention,
      tracing: props.tracing,
      role: props.role,
    });
    this.function = binding.function;
    this.logGroup = binding.logGroup;

    if (deploymentGroup) {
      binding.addStatement(new iam.PolicyStatement({
        actions: ['codedeploy:GetDeploymentGroup'],
        resources: [deploymentGroup.deploymentGroupArn],
      }));
    }
    if (props.changeCalendars?.length) {
      binding.addStatement(new iam.PolicyStatement({
        actions: ['ssm:GetCalendarState'],
        resources: props.changeCalendars.map((calendar) => calendarArn(this, calendar)),
      }));
    }
    // Composite alarms are returned only to a `*` scope (CloudWatch permissions reference), and
    // the deployment group's alarms are known only when the deployment starts. Read-only.
    binding.addWildcardStatement(new iam.PolicyStatement({
      actions: ['cloudwatch:DescribeAlarms'],
      resources: ['*'],
    }), 'cloudwatch:DescribeAlarms, read-only: CloudWatch returns composite alarms only to a * scope, and the alarms to read are known when the deployment starts.');

    service.addHook(this);
  }

  private checkCalendars(calendars: readonly string[]): void {
    const seen = new Set<string>();
    for (const calendar of calendars) {
      if (Token.isUnresolved(calendar)) {
        continue;
      }
      if (!CALENDAR_NAME.test(calendar) && !CALENDAR_ARN.test(calendar)) {
        recordPropProblem(this, 'changeCalendars', `'${calendar}' is neither a Change Calendar name (3-128 letters, digits, '_', '-' or '.') `
          + 'nor its ARN (arn:aws:ssm:<region>:<account>:document/<name>); give the calendar\'s name as the Change Calendar console shows it');
      }
      if (seen.has(calendar)) {
        recordPropProblem(this, 'changeCalendars', `'${calendar}' is listed twice; list each calendar once`);
      }
      seen.add(calendar);
    }
  }
}
