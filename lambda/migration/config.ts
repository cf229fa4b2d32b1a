import {
  MIGRATION_CONFIG_ENV,
  MIGRATION_DEFAULTS,
  MigrationHookConfig,
} from '../../lib/private/contract/migration';

/** The configuration with every default applied. */
export interface MigrationSettings {
  readonly clusterArn: string;
  readonly serviceName: string;
  readonly containerName: string;
  readonly command?: string[];
  readonly environment?: { name: string; value: string }[];
  readonly subnets: string[];
  readonly securityGroups: string[];
  readonly assignPublicIp: boolean;
  readonly launchType: 'FARGATE' | 'EC2';
  readonly platformVersion?: string;
  readonly totalDeadlineSeconds: number;
  readonly pollIntervalSeconds: number;
  readonly logGroupName?: string;
  readonly logStreamPrefix?: string;
}

function fail(message: string): never {
  throw new Error(`invalid ${MIGRATION_CONFIG_ENV}: ${message}`);
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(`${field} must be a non-empty string`);
  }
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, field);
}

function stringArray(value: unknown, field: string, allowEmpty: boolean): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string') || (!allowEmpty && value.length === 0)) {
    fail(`${field} must be ${allowEmpty ? 'an' : 'a non-empty'} array of strings`);
  }
  return value as string[];
}

function positive(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(`${field} must be a positive number`);
  }
  return value;
}

/** Reads and checks the configuration the construct put in the environment. */
export function loadMigrationSettings(env: NodeJS.ProcessEnv = process.env): MigrationSettings {
  const raw = env[MIGRATION_CONFIG_ENV];
  if (!raw) {
    fail('not set');
  }
  let parsed: Partial<MigrationHookConfig>;
  try {
    parsed = JSON.parse(raw) as Partial<MigrationHookConfig>;
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    fail('must be a JSON object');
  }
  const launchType = parsed.launchType ?? MIGRATION_DEFAULTS.launchType;
  if (launchType !== 'FARGATE' && launchType !== 'EC2') {
    fail('launchType must be FARGATE or EC2');
  }
  const environment = parsed.environment;
  if (environment !== undefined && (!Array.isArray(environment)
    || environment.some((e) => typeof e?.name !== 'string' || typeof e?.value !== 'string'))) {
    fail('environment must be an array of { name, value } strings');
  }
  return {
    clusterArn: requireString(parsed.clusterArn, 'clusterArn'),
    serviceName: requireString(parsed.serviceName, 'serviceName'),
    containerName: requireString(parsed.containerName, 'containerName'),
    command: parsed.command === undefined ? undefined : stringArray(parsed.command, 'command', false),
    environment: environment?.map((e) => ({ name: e.name, value: e.value })),
    subnets: stringArray(parsed.subnets, 'subnets', false),
    securityGroups: stringArray(parsed.securityGroups ?? [], 'securityGroups', true),
    assignPublicIp: parsed.assignPublicIp ?? MIGRATION_DEFAULTS.assignPublicIp,
    launchType,
    platformVersion: optionalString(parsed.platformVersion, 'platformVersion'),
    totalDeadlineSeconds: positive(parsed.totalDeadlineSeconds, 'totalDeadlineSeconds', MIGRATION_DEFAULTS.totalDeadlineSeconds),
    pollIntervalSeconds: positive(parsed.pollIntervalSeconds, 'pollIntervalSeconds', MIGRATION_DEFAULTS.pollIntervalSeconds),
    logGroupName: optionalString(parsed.logGroupName, 'logGroupName'),
    logStreamPrefix: optionalString(parsed.logStreamPrefix, 'logStreamPrefix'),
  };
}
