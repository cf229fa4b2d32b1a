import { TASK_SET_GUARD_CONFIG_ENV, TASK_SET_GUARD_DEFAULTS, TaskSetGuardConfig } from '../../contract/task-set-guard';
import { JsonConfigReader } from '../shared/config';

export interface GuardSettings {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly displayName: string;
  readonly failedTaskThreshold: number;
  readonly stopDeployments: boolean;
}

// Typed explicitly so that TypeScript narrows after `config.fail(...)`, which never returns.
const config: JsonConfigReader = new JsonConfigReader(TASK_SET_GUARD_CONFIG_ENV);
/** Names the part of the shared function's input in the errors, as `config` names the variable. */
const inputConfig: JsonConfigReader = new JsonConfigReader('guard of the input');

/** Reads the configuration of a function that guards one service from its environment; the deployment group and the service are required. */
export function loadGuardSettings(env: NodeJS.ProcessEnv = process.env): GuardSettings {
  return settingsOf(config.read<TaskSetGuardConfig>(env, { required: true }), config);
}

/** Reads the configuration the rule of a service put in the shared function's input. */
export function guardSettingsOf(value: unknown): GuardSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    inputConfig.fail('must be a JSON object');
  }
  return settingsOf(value as Partial<TaskSetGuardConfig>, inputConfig);
}

function settingsOf(parsed: Partial<TaskSetGuardConfig>, config: JsonConfigReader): GuardSettings {
  const serviceName = config.requireString(parsed.serviceName, 'serviceName');
  const threshold = config.positiveNumber(parsed.failedTaskThreshold, 'failedTaskThreshold', TASK_SET_GUARD_DEFAULTS.failedTaskThreshold);
  if (!Number.isInteger(threshold)) {
    config.fail(`failedTaskThreshold must be a whole number, got ${threshold}`);
  }
  return {
    applicationName: config.requireString(parsed.applicationName, 'applicationName'),
    deploymentGroupName: config.requireString(parsed.deploymentGroupName, 'deploymentGroupName'),
    clusterArn: config.requireString(parsed.clusterArn, 'clusterArn'),
    serviceName,
    displayName: config.optionalString(parsed.displayName, 'displayName') ?? serviceName,
    failedTaskThreshold: threshold,
    stopDeployments: config.boolean(parsed.stopDeployments, 'stopDeployments', TASK_SET_GUARD_DEFAULTS.stopDeployments),
  };
}
