/**
 * How rollback alarms are attached to a CodeDeploy deployment group's resolved configuration.
 * Pure functions over the camelCase shapes of `CfnDeploymentGroup`, no CDK imports.
 */

/** CodeDeploy accepts at most 10 alarms per deployment group. */
export const MAX_DEPLOYMENT_GROUP_ALARMS = 10;

/** The rollback events a deployment group with rollback alarms needs, in the order CodeDeploy lists them. */
export const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'];

/** The resolved `AlarmConfiguration` of a deployment group. */
export interface ResolvedAlarmConfiguration {
  readonly alarms?: Array<{ readonly name?: unknown }>;
  readonly enabled?: unknown;
  readonly ignorePollAlarmFailure?: unknown;
}

/** The resolved `AutoRollbackConfiguration` of a deployment group. */
export interface ResolvedAutoRollbackConfiguration {
  readonly enabled?: unknown;
  readonly events?: unknown;
}

/**
 * The alarm configuration with `ignorePollAlarmFailure` made explicit: a deployment stops
 * when CodeDeploy cannot read the alarms, unless the deployment group says otherwise.
 */
export function withAlarmPolling(config: ResolvedAlarmConfiguration | undefined): ResolvedAlarmConfiguration | undefined {
  if (config === undefined || config.alarms === undefined || config.alarms.length === 0) {
    return config;
  }
  return { ...config, ignorePollAlarmFailure: config.ignorePollAlarmFailure ?? false };
}

/**
 * The auto-rollback configuration with the three events a deployment watched by rollback
 * alarms needs: on failure, on a stop request, and (when there are alarms) on alarm.
 * Events already there are kept; the order is CodeDeploy's.
 */
export function withRollbackEvents(config: ResolvedAutoRollbackConfiguration | undefined, hasAlarms: boolean): ResolvedAutoRollbackConfiguration {
  const existing = Array.isArray(config?.events) ? (config.events as unknown[]) : [];
  const wanted = ROLLBACK_EVENTS.filter(e => hasAlarms || e !== 'DEPLOYMENT_STOP_ON_ALARM');
  const events = [
    ...wanted,
    ...existing.filter(e => typeof e !== 'string' || !wanted.includes(e)),
  ];
  return { enabled: true, events };
}

/**
 * Why the deployment group, as the user configured it, would not roll back on its alarms;
 * each entry names the deployment group setting and its fix. Empty when it would, or when it
 * has no alarms.
 */
export function rollbackConflicts(
  alarmConfiguration: ResolvedAlarmConfiguration | undefined,
  autoRollback: ResolvedAutoRollbackConfiguration | undefined,
): string[] {
  const problems: string[] = [];
  if (alarmCount(alarmConfiguration) === 0) {
    // Nothing to roll back on; CodeDeploy renders alarm settings as off without alarms.
    return problems;
  }
  if (alarmConfiguration?.enabled === false) {
    problems.push('ignores its alarms (ignoreAlarmConfiguration: true), so no alarm would stop a deployment; '
      + 'remove ignoreAlarmConfiguration, or set attachToDeploymentGroup: false to only observe the alarms');
  }
  if (autoRollback?.enabled === false) {
    problems.push('has automatic rollback turned off (autoRollback with every event false); '
      + 'remove those autoRollback settings, or set attachToDeploymentGroup: false to only observe the alarms');
    return problems;
  }
  const events = Array.isArray(autoRollback?.events) ? (autoRollback.events as unknown[]) : undefined;
  if (events !== undefined && !events.includes('DEPLOYMENT_STOP_ON_ALARM')) {
    problems.push('does not roll back when an alarm fires (autoRollback.deploymentInAlarm: false), so an alarm would stop a '
      + 'deployment half-way; remove deploymentInAlarm: false, or set attachToDeploymentGroup: false to only observe the alarms');
  }
  if (events !== undefined && !events.includes('DEPLOYMENT_FAILURE')) {
    problems.push('does not roll back a failed deployment (autoRollback.failedDeployment: false); '
      + 'remove failedDeployment: false, or set attachToDeploymentGroup: false to only observe the alarms');
  }
  return problems;
}

/** The number of alarms in a resolved alarm configuration. */
export function alarmCount(config: ResolvedAlarmConfiguration | undefined): number {
  return config?.alarms?.length ?? 0;
}
