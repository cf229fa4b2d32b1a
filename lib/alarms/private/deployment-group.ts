/**
 * What a CodeDeploy deployment group's resolved configuration says about rollback alarms.
 * Pure functions over the camelCase shapes of `CfnDeploymentGroup`, no CDK imports.
 */

/** CodeDeploy accepts at most 10 alarms per deployment group. */
export const MAX_DEPLOYMENT_GROUP_ALARMS = 10;

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
