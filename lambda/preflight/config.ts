import { PREFLIGHT_CONFIG_ENV, PreflightFreezeOverrideConfig, PreflightHookConfig, PreflightWindowConfig } from '../../contract/preflight';
import { JsonConfigReader } from '../shared/config';

export interface PreflightSettings {
  readonly readDeploymentGroupAlarms: boolean;
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly alarmNames: string[];
  readonly failOnActionsDisabled: boolean;
  readonly allowDisabledAlarmMonitoring: boolean;
  readonly deploymentWindow?: PreflightWindowConfig;
  readonly changeCalendars: string[];
  readonly freezeOverride?: PreflightFreezeOverrideConfig;
}

// Typed explicitly so that TypeScript narrows after `config.fail(...)`, which never returns.
const config: JsonConfigReader = new JsonConfigReader(PREFLIGHT_CONFIG_ENV);

/** Reads the configuration; every field is optional, and so is the variable itself. */
export function loadPreflightSettings(env: NodeJS.ProcessEnv = process.env): PreflightSettings {
  const parsed = config.read<PreflightHookConfig>(env, { required: false });
  const alarmNames = config.stringArray(parsed.alarmNames ?? [], 'alarmNames', { allowEmpty: true });
  const applicationName = config.optionalString(parsed.applicationName, 'applicationName');
  const deploymentGroupName = config.optionalString(parsed.deploymentGroupName, 'deploymentGroupName');
  if ((applicationName === undefined) !== (deploymentGroupName === undefined)) {
    config.fail('applicationName and deploymentGroupName go together');
  }
  return {
    readDeploymentGroupAlarms: config.boolean(parsed.readDeploymentGroupAlarms, 'readDeploymentGroupAlarms', true),
    applicationName,
    deploymentGroupName,
    alarmNames,
    failOnActionsDisabled: config.boolean(parsed.failOnActionsDisabled, 'failOnActionsDisabled', true),
    allowDisabledAlarmMonitoring: config.boolean(parsed.allowDisabledAlarmMonitoring, 'allowDisabledAlarmMonitoring', false),
    ...(parsed.deploymentWindow === undefined ? {} : { deploymentWindow: readWindow(parsed.deploymentWindow) }),
    changeCalendars: config.stringArray(parsed.changeCalendars ?? [], 'changeCalendars', { allowEmpty: true }),
    ...(parsed.freezeOverride === undefined ? {} : { freezeOverride: readFreezeOverride(parsed.freezeOverride) }),
  };
}

function wholeHour(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    config.fail(`${field} must be a whole hour from ${min} to ${max}`);
  }
  return value;
}

function readWindow(window: PreflightWindowConfig): PreflightWindowConfig {
  const startHour = wholeHour(window.startHour, 'deploymentWindow.startHour', 0, 23);
  const endHour = wholeHour(window.endHour, 'deploymentWindow.endHour', startHour + 1, 24);
  return {
    days: config.stringArray(window.days, 'deploymentWindow.days', { allowEmpty: false }),
    startHour,
    endHour,
    timeZone: config.optionalString(window.timeZone, 'deploymentWindow.timeZone'),
    description: config.requireString(window.description, 'deploymentWindow.description'),
  };
}

function readFreezeOverride(override: PreflightFreezeOverrideConfig): PreflightFreezeOverrideConfig {
  return {
    parameterName: config.requireString(override.parameterName, 'freezeOverride.parameterName'),
    container: config.requireString(override.container, 'freezeOverride.container'),
    versionVariable: config.requireString(override.versionVariable, 'freezeOverride.versionVariable'),
  };
}
