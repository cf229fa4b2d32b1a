import {
  MIGRATION_CONFIG_ENV,
  MIGRATION_DEFAULTS,
  MigrationHookConfig,
} from '../../contract/migration';
import { JsonConfigReader } from '../shared/config';

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
  /** The CodeDeploy lifecycle event the hook runs at, e.g. `AfterInstall`. */
  readonly lifecycleEventName: string;
}

// Typed explicitly so that TypeScript narrows after `config.fail(...)`, which never returns.
const config: JsonConfigReader = new JsonConfigReader(MIGRATION_CONFIG_ENV);

/** Reads and checks the configuration the construct put in the environment. */
export function loadMigrationSettings(env: NodeJS.ProcessEnv = process.env): MigrationSettings {
  const parsed = config.read<MigrationHookConfig>(env, { required: true });
  const launchType = parsed.launchType ?? MIGRATION_DEFAULTS.launchType;
  if (launchType !== 'FARGATE' && launchType !== 'EC2') {
    config.fail('launchType must be FARGATE or EC2');
  }
  const environment = parsed.environment;
  if (environment !== undefined && (!Array.isArray(environment)
    || environment.some((e) => typeof e?.name !== 'string' || typeof e?.value !== 'string'))) {
    config.fail('environment must be an array of { name, value } strings');
  }
  return {
    clusterArn: config.requireString(parsed.clusterArn, 'clusterArn'),
    serviceName: config.requireString(parsed.serviceName, 'serviceName'),
    containerName: config.requireString(parsed.containerName, 'containerName'),
    command: parsed.command === undefined ? undefined : config.stringArray(parsed.command, 'command', { allowEmpty: false }),
    environment: environment?.map((e) => ({ name: e.name, value: e.value })),
    subnets: config.stringArray(parsed.subnets, 'subnets', { allowEmpty: false }),
    securityGroups: config.stringArray(parsed.securityGroups ?? [], 'securityGroups', { allowEmpty: true }),
    assignPublicIp: parsed.assignPublicIp ?? MIGRATION_DEFAULTS.assignPublicIp,
    launchType,
    platformVersion: config.optionalString(parsed.platformVersion, 'platformVersion'),
    totalDeadlineSeconds: config.positiveNumber(parsed.totalDeadlineSeconds, 'totalDeadlineSeconds', MIGRATION_DEFAULTS.totalDeadlineSeconds),
    pollIntervalSeconds: config.positiveNumber(parsed.pollIntervalSeconds, 'pollIntervalSeconds', MIGRATION_DEFAULTS.pollIntervalSeconds),
    logGroupName: config.optionalString(parsed.logGroupName, 'logGroupName'),
    logStreamPrefix: config.optionalString(parsed.logStreamPrefix, 'logStreamPrefix'),
    lifecycleEventName: config.optionalString(parsed.lifecycleEventName, 'lifecycleEventName') ?? MIGRATION_DEFAULTS.lifecycleEventName,
  };
}
