import {
  DEPLOYMENT_RECORDER_CONFIG_ENV, DeploymentRecorderConfig, INCIDENT_BUCKET_ENV, RECORD_TABLE_ENV, RecordedAlarm, RecordedDeployAction, RecordedDeploymentGroup,
  RecordedEcsService,
} from '../../contract/deployment-record';
import { JsonConfigReader } from '../shared/config';

export interface RecorderSettings {
  readonly tableName: string;
  readonly deploymentGroups: RecordedDeploymentGroup[];
  readonly ecsServices: RecordedEcsService[];
  readonly deployActions: RecordedDeployAction[];
  readonly alarms: RecordedAlarm[];
  readonly buildVariables?: { readonly imageUri: string; readonly imageTag: string };
  /** The incident reports' bucket; without it no report is written. */
  readonly incidentBucket?: string;
  /** The pipeline's name: the record's execution and stage items are keyed by it. */
  readonly pipelineName?: string;
}

// Typed explicitly so that TypeScript narrows after `config.fail(...)`, which never returns.
const config: JsonConfigReader = new JsonConfigReader(DEPLOYMENT_RECORDER_CONFIG_ENV);

/** Reads the table's name and the stages; a configuration that cannot be read fails the invocation (then the dead-letter queue). */
export function loadRecorderSettings(env: NodeJS.ProcessEnv = process.env): RecorderSettings {
  const tableName = env[RECORD_TABLE_ENV];
  if (!tableName) {
    throw new Error(`${RECORD_TABLE_ENV} is not set`);
  }
  const parsed = config.read<DeploymentRecorderConfig>(env, { required: true });
  const list = <T>(value: unknown, name: string, fields: (keyof T & string)[]): T[] => {
    const items = value ?? [];
    if (!Array.isArray(items)) {
      config.fail(`${name} must be an array`);
    }
    return items.map((item: Record<string, unknown> | undefined, index) => Object.fromEntries(
      fields.map((field) => [field, config.requireString(item?.[field], `${name}[${index}].${field}`)]),
    ) as T);
  };
  return {
    tableName,
    deploymentGroups: list<RecordedDeploymentGroup>(parsed.deploymentGroups, 'deploymentGroups',
      ['applicationName', 'deploymentGroupName', 'serviceName', 'stageName']),
    ecsServices: list<RecordedEcsService>(parsed.ecsServices, 'ecsServices', ['serviceArn', 'serviceName', 'stageName']),
    deployActions: list<RecordedDeployAction>(parsed.deployActions, 'deployActions', ['stageName', 'actionName', 'serviceName']),
    alarms: list<RecordedAlarm>(parsed.alarms, 'alarms', ['alarmName', 'serviceName', 'stageName']),
    ...(env[INCIDENT_BUCKET_ENV] ? { incidentBucket: env[INCIDENT_BUCKET_ENV] } : {}),
    ...(config.optionalString(parsed.pipelineName, 'pipelineName') ? { pipelineName: parsed.pipelineName } : {}),
    ...(parsed.buildVariables ? { buildVariables: {
      imageUri: config.requireString(parsed.buildVariables.imageUri, 'buildVariables.imageUri'),
      imageTag: config.requireString(parsed.buildVariables.imageTag, 'buildVariables.imageTag'),
    } } : {}),
  };
}
