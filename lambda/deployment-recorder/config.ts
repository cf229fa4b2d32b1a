import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  DEPLOYMENT_RECORDER_CONFIG_ENV, DeploymentRecorderConfig, INCIDENT_BUCKET_ENV, RECORD_TABLE_ENV, RecordedAlarm, RecordedDeployAction, RecordedDeploymentGroup,
  RecordedEcsService,
} from '../../contract/deployment-record';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
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

const ssmApi = lazy(() => import('@aws-sdk/client-ssm').then((sdk) => ({ client: new sdk.SSMClient(clientConfig()) as SSMClient, sdk })));

/** How long the parameters' lists are kept: a stage added by a deployment is known within this time. */
const PARAMETERS_TTL_MS = 60_000;
/** GetParameters takes at most 10 names. */
const NAMES_PER_CALL = 10;

let cached: { readonly key: string; readonly until: number; readonly parts: Partial<DeploymentRecorderConfig>[] } | undefined;

/**
 * Reads the table's name and the stages, from the environment and, when the lists did not fit
 * there, from the configuration parameters it names; a configuration that cannot be read fails
 * the invocation (then the dead-letter queue).
 */
export async function loadRecorderSettings(scope: AwsCallScope, env: NodeJS.ProcessEnv = process.env): Promise<RecorderSettings> {
  const tableName = env[RECORD_TABLE_ENV];
  if (!tableName) {
    throw new Error(`${RECORD_TABLE_ENV} is not set`);
  }
  const parsed = config.read<DeploymentRecorderConfig>(env, { required: true });
  const names = parsed.configurationParameters === undefined ? [] : config.stringArray(parsed.configurationParameters, 'configurationParameters', { allowEmpty: true });
  const parts = [parsed, ...await parameterParts(scope, names)];
  const list = <T>(field: 'deploymentGroups' | 'ecsServices' | 'deployActions' | 'alarms', fields: (keyof T & string)[]): T[] => parts.flatMap((part, p) => {
    const items: unknown = part[field] ?? [];
    const where = p === 0 ? field : `${field} of parameter ${names[p - 1]}`;
    if (!Array.isArray(items)) {
      config.fail(`${where} must be an array`);
    }
    return (items as (Record<string, unknown> | undefined)[]).map((item, index) => Object.fromEntries(
      fields.map((name) => [name, config.requireString(item?.[name], `${where}[${index}].${name}`)]),
    ) as T);
  });
  return {
    tableName,
    deploymentGroups: list<RecordedDeploymentGroup>('deploymentGroups', ['applicationName', 'deploymentGroupName', 'serviceName', 'stageName']),
    ecsServices: list<RecordedEcsService>('ecsServices', ['serviceArn', 'serviceName', 'stageName']),
    deployActions: list<RecordedDeployAction>('deployActions', ['stageName', 'actionName', 'serviceName']),
    alarms: list<RecordedAlarm>('alarms', ['alarmName', 'serviceName', 'stageName']),
    ...(env[INCIDENT_BUCKET_ENV] ? { incidentBucket: env[INCIDENT_BUCKET_ENV] } : {}),
    ...(config.optionalString(parsed.pipelineName, 'pipelineName') ? { pipelineName: parsed.pipelineName } : {}),
    ...(parsed.buildVariables ? { buildVariables: {
      imageUri: config.requireString(parsed.buildVariables.imageUri, 'buildVariables.imageUri'),
      imageTag: config.requireString(parsed.buildVariables.imageTag, 'buildVariables.imageTag'),
    } } : {}),
  };
}

/** The parameters' values, parsed, in the order named; kept for a minute. */
async function parameterParts(scope: AwsCallScope, names: readonly string[]): Promise<Partial<DeploymentRecorderConfig>[]> {
  if (names.length === 0) {
    return [];
  }
  const key = names.join('\n');
  if (cached && cached.key === key && cached.until > Date.now()) {
    return cached.parts;
  }
  const { client, sdk } = await ssmApi();
  const values = new Map<string, string>();
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const batch = names.slice(i, i + NAMES_PER_CALL);
    const answer = await awsCall(scope, 'ssm:GetParameters', (abortSignal) =>
      client.send(new sdk.GetParametersCommand({ Names: batch }), { abortSignal }));
    for (const parameter of answer.Parameters ?? []) {
      values.set(parameter.Name!, parameter.Value ?? '');
    }
  }
  const parts = names.map((name) => {
    const value = values.get(name);
    if (value === undefined) {
      config.fail(`configuration parameter ${name} does not exist`);
    }
    // Read as the environment variable is, its errors naming the parameter.
    const where = `${DEPLOYMENT_RECORDER_CONFIG_ENV} parameter ${name}`;
    return new JsonConfigReader(where).read<DeploymentRecorderConfig>({ [where]: value }, { required: true });
  });
  cached = { key, until: Date.now() + PARAMETERS_TTL_MS, parts };
  return parts;
}
