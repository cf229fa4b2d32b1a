import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_RELEASE_VERSION_VARIABLE, ENVIRONMENT_VARIABLE_NAME } from '../../contract/artifacts';
import { freezeOverrideParameterName } from '../../contract/freeze-override';
import { PREFLIGHT_CONFIG_ENV, PreflightHookConfig } from '../../contract/preflight';
import { literalAlarmName } from '../private/alarm-names';
import { calendarArn, calendarProblems } from '../private/calendar-names';
import { grantDescribeTaskDefinitions } from '../private/deployment-target-grants';
import { freezeOverrideParameterArn } from '../private/freeze-override';
import { recordPropProblem } from '../private/validation';
import type { DeploymentWindow } from './deployment-window';
import { bindHookFunction } from './private/hook-function';
import { HookFunctionOptions } from './hook-options';
import { LifecycleEvent } from '../service/lifecycle-event';
import { ILifecycleHook } from '../service/lifecycle-hook';
import { setRunbookNotes } from '../private/runbook-notes';
import { preflightNotes } from './private/runbook-notes';

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

  /**
   * Let a hotfix through a change freeze when the service's override parameter
   * (`/cdk-ecs-release/freeze-override/<ECS service name>`) says so: written by a person IAM
   * allows (see `grantOverrideFreeze`), unexpired, at most 24 hours long, and for this release's
   * version when it names one. Each override honoured is logged as a decision: who approved it,
   * why, until when, and which calendars it overrides. Lifts freezes only, never the deployment
   * window. Whoever may write the parameter may also open the calendar itself; the override is
   * narrower (one service, one day) and keeps the freeze in place for everything else.
   * @default true when changeCalendars is set
   */
  readonly allowFreezeOverride?: boolean;

  /**
   * The application container's environment variable that holds the release version, compared
   * with the version a freeze override names. `ReleasePipeline` writes the release version there.
   * @default 'RELEASE_VERSION'
   */
  readonly releaseVersionVariable?: string;
}

/**
 * Refuses to start a deployment of a {@link BlueGreenService} while one of its rollback alarms
 * is already in ALARM, is muted or does not exist, or while the deployment group has alarm
 * monitoring turned off: CodeDeploy would roll back at once, or never. Runs at `BeforeInstall`,
 * before anything changes.
 *
 * @exampleMetadata fixture=lib
 * @example
 * new PreflightHook(this, 'Preflight', { service });
 */
export class PreflightHook extends Construct implements ILifecycleHook {
  public readonly lifecycleEvent: LifecycleEvent = LifecycleEvent.BEFORE_INSTALL;
  public readonly function: lambda.IFunction;
  /** The log group of the hook function. */
  public readonly logGroup: logs.ILogGroup;
  /**
   * The SSM parameter whose value lets a hotfix of the service through a change freeze; undefined
   * when the hook honours no override (no changeCalendars, or allowFreezeOverride false).
   */
  public readonly freezeOverrideParameterName?: string;
  private readonly service: PreflightHookProps['service'];
  /** @internal The calendars the hook checks, and the variable it reads an override's version from; for the pipeline's warnings. */
  public readonly _freezeCheck: { readonly calendars: string[]; readonly versionVariable: string };

  constructor(scope: Construct, id: string, props: PreflightHookProps) {
    super(scope, id);
    const service = props.service;
    const deploymentGroup = service.deploymentGroup;
    const given = props.alarms ?? [];
    // On the ECS engine no deployment group lists the rollback alarms: the hook is given them, at
    // synthesis, so that alarms added to the service after the hook count too.
    const rollbackAlarms = deploymentGroup ? undefined : service.rollbackAlarms;
    const alarmNames = (): string[] => [...rollbackAlarms?.deploymentGroupAlarms ?? [], ...given].map(literalAlarmName);
    const overridable = !!props.changeCalendars?.length && props.allowFreezeOverride !== false;
    this.service = service;
    this._freezeCheck = { calendars: [...props.changeCalendars ?? []], versionVariable: props.releaseVersionVariable ?? DEFAULT_RELEASE_VERSION_VARIABLE };
    this.freezeOverrideParameterName = overridable ? freezeOverrideParameterName(service.serviceName) : undefined;
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
      ...(overridable ? {
        freezeOverride: {
          parameterName: freezeOverrideParameterName(service.serviceName),
          container: service.containerName,
          versionVariable: props.releaseVersionVariable ?? DEFAULT_RELEASE_VERSION_VARIABLE,
        },
      } : {}),
    };
    for (const problem of calendarProblems(props.changeCalendars ?? [])) {
      recordPropProblem(this, 'changeCalendars', problem);
    }
    const variable = props.releaseVersionVariable;
    if (variable !== undefined && !Token.isUnresolved(variable) && !ENVIRONMENT_VARIABLE_NAME.test(variable)) {
      recordPropProblem(this, 'releaseVersionVariable', `'${variable}' is not an environment variable name; use letters, digits and '_', `
        + `not starting with a digit, as the pipeline's releaseVersionVariable, e.g. '${DEFAULT_RELEASE_VERSION_VARIABLE}'`);
    }
    if (props.allowFreezeOverride && !props.changeCalendars?.length) {
      recordPropProblem(this, 'allowFreezeOverride', 'is true, but there are no changeCalendars, so there is no freeze to override; '
        + 'give the changeCalendars, or remove allowFreezeOverride');
    }
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
      lifecycleEvent: this.lifecycleEvent,
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
    if (overridable) {
      binding.addStatement(new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [freezeOverrideParameterArn(this, service.serviceName)],
      }));
      // An override that names a version: the task definition the deployment installs holds the release's.
      if (deploymentGroup) {
        binding.addStatement(new iam.PolicyStatement({ actions: ['codedeploy:GetDeployment'], resources: [deploymentGroup.deploymentGroupArn] }));
      }
      grantDescribeTaskDefinitions(binding.role);
    }
    // Composite alarms are returned only to a `*` scope (CloudWatch permissions reference), and
    // the deployment group's alarms are known only when the deployment starts. Read-only.
    binding.addWildcardStatement(new iam.PolicyStatement({
      actions: ['cloudwatch:DescribeAlarms'],
      resources: ['*'],
    }), 'cloudwatch:DescribeAlarms, read-only: CloudWatch returns composite alarms only to a * scope, and the alarms to read are known when the deployment starts.');

    setRunbookNotes(this, () => preflightNotes({ alarmNames: () => given.map(literalAlarmName), readsDeploymentGroup: !!deploymentGroup,
      window: props.deploymentWindow?.description, calendars: this._freezeCheck.calendars, overrideParameter: this.freezeOverrideParameterName }));
    service.addHook(this);
  }

  /**
   * Lets `grantee` write, read and delete the service's freeze override: the approval of a hotfix
   * through a change freeze. SSM records each version with the identity that wrote it.
   */
  public grantOverrideFreeze(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:DeleteParameter'],
      resourceArns: [freezeOverrideParameterArn(this, this.service.serviceName)],
    });
  }
}
