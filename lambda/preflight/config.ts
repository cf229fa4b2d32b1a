import { PREFLIGHT_CONFIG_ENV, PreflightHookConfig } from '../../lib/private/contract/preflight';

export interface PreflightSettings {
  readonly readDeploymentGroupAlarms: boolean;
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly alarmNames: string[];
  readonly failOnActionsDisabled: boolean;
}

function fail(message: string): never {
  throw new Error(`invalid ${PREFLIGHT_CONFIG_ENV}: ${message}`);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    fail(`${field} must be a non-empty string`);
  }
  return value;
}

function optionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'boolean') {
    fail(`${field} must be true or false`);
  }
  return value;
}

/** Reads the configuration; every field is optional, and so is the variable itself. */
export function loadPreflightSettings(env: NodeJS.ProcessEnv = process.env): PreflightSettings {
  const raw = env[PREFLIGHT_CONFIG_ENV];
  let parsed: Partial<PreflightHookConfig> = {};
  if (raw) {
    try {
      parsed = JSON.parse(raw) as Partial<PreflightHookConfig>;
    } catch (error) {
      fail(`not JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null) {
      fail('must be a JSON object');
    }
  }
  const alarmNames = parsed.alarmNames ?? [];
  if (!Array.isArray(alarmNames) || alarmNames.some((n) => typeof n !== 'string')) {
    fail('alarmNames must be an array of strings');
  }
  const applicationName = optionalString(parsed.applicationName, 'applicationName');
  const deploymentGroupName = optionalString(parsed.deploymentGroupName, 'deploymentGroupName');
  if ((applicationName === undefined) !== (deploymentGroupName === undefined)) {
    fail('applicationName and deploymentGroupName go together');
  }
  return {
    readDeploymentGroupAlarms: optionalBoolean(parsed.readDeploymentGroupAlarms, 'readDeploymentGroupAlarms', true),
    applicationName,
    deploymentGroupName,
    alarmNames,
    failOnActionsDisabled: optionalBoolean(parsed.failOnActionsDisabled, 'failOnActionsDisabled', true),
  };
}
