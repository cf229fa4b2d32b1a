/**
 * What the incident report reads besides the record item: CodeDeploy's deployment, Amazon ECS's
 * service deployment, the service and stage's rollback alarms, and the record's execution and
 * stage items. Each lookup is best-effort: a failure is an answer ({@link Looked}) the report
 * prints, never an error that stops it.
 */
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ReleaseRecordItem } from '../../contract/deployment-record';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { describeEcsDeployment } from '../shared/ecs-deployment';
import { errorText } from '../shared/logger';
import { codeDeployApi } from '../shared/status-report';
import type { AlarmFacts, CodeDeployFacts, EcsFacts, Looked } from './incident-render';
import { getItem } from './item-store';

const cloudWatchApi = lazy(() => import('@aws-sdk/client-cloudwatch').then((sdk) => ({ client: new sdk.CloudWatchClient(clientConfig()), sdk })));

/** Few attempts: the report is re-rendered by the deployment's next event anyway. */
const ATTEMPTS = { maxAttempts: 2 };

async function looked<T>(scope: AwsCallScope, what: string, work: () => Promise<T>): Promise<Looked<T>> {
  try {
    return { value: await work() };
  } catch (error) {
    scope.logger.warn('incident report lookup failed; the report says so', { lookup: what, error: errorText(error) });
    return { failed: errorText(error) };
  }
}

export function lookUpCodeDeploy(scope: AwsCallScope, deploymentId: string): Promise<Looked<CodeDeployFacts>> {
  return looked(scope, 'codedeploy:GetDeployment', async () => {
    const { client, sdk } = await codeDeployApi();
    const answer = await awsCall(scope, 'codedeploy:GetDeployment', (abortSignal) =>
      client.send(new sdk.GetDeploymentCommand({ deploymentId }), { abortSignal }), ATTEMPTS);
    const info = answer?.deploymentInfo;
    if (!info) {
      throw new Error(`codedeploy:GetDeployment ${deploymentId} answered without the deployment`);
    }
    const overview = Object.fromEntries(Object.entries(info.deploymentOverview ?? {}).filter(([, count]) => typeof count === 'number' && count > 0));
    return {
      ...optional('deploymentConfigName', info.deploymentConfigName),
      ...optional('status', info.status),
      ...optional('createTime', info.createTime?.toISOString()),
      ...optional('completeTime', info.completeTime?.toISOString()),
      ...optional('errorCode', info.errorInformation?.code),
      ...optional('errorMessage', info.errorInformation?.message),
      ...optional('rollbackDeploymentId', info.rollbackInfo?.rollbackDeploymentId),
      ...optional('rollbackMessage', info.rollbackInfo?.rollbackMessage),
      ...(Object.keys(overview).length > 0 ? { overview } : {}),
      ...((info.deploymentStatusMessages ?? []).length > 0 ? { statusMessages: info.deploymentStatusMessages } : {}),
    };
  });
}

export function lookUpEcs(scope: AwsCallScope, serviceDeploymentArn: string): Promise<Looked<EcsFacts>> {
  return looked(scope, 'ecs:DescribeServiceDeployments', async () => {
    const state = await describeEcsDeployment(scope, serviceDeploymentArn);
    return {
      ...optional('status', state.status),
      ...optional('statusReason', state.statusReason),
      ...optional('lifecycleStage', state.lifecycleStage),
      ...optional('strategy', state.strategy),
      ...optional('canaryPercent', state.canary?.percent),
      ...optional('linearStepPercent', state.linear?.stepPercent),
      ...optional('rollbackReason', state.rollbackReason),
    };
  });
}

/** The alarms of `names` whose state changed between `from` and `to` (any change when `from` is unknown). */
export function lookUpAlarms(scope: AwsCallScope, names: readonly string[], from: string | undefined, to: string | undefined)
  : Promise<Looked<readonly AlarmFacts[]>> {
  return looked(scope, 'cloudwatch:DescribeAlarms', async () => {
    const { client, sdk } = await cloudWatchApi();
    const alarms: MetricAlarm[] = [];
    // DescribeAlarms takes at most 100 names per call.
    for (let i = 0; i < names.length; i += 100) {
      const answer = await awsCall(scope, 'cloudwatch:DescribeAlarms', (abortSignal) => client.send(new sdk.DescribeAlarmsCommand({
        AlarmNames: names.slice(i, i + 100), AlarmTypes: ['MetricAlarm'], MaxRecords: 100,
      }), { abortSignal }), ATTEMPTS);
      alarms.push(...(answer?.MetricAlarms ?? []));
    }
    const start = from ? Date.parse(from) : undefined;
    const end = to ? Date.parse(to) : undefined;
    return alarms
      .filter((alarm) => {
        const changed = alarm.StateUpdatedTimestamp?.getTime();
        return changed !== undefined && (start === undefined || changed >= start) && (end === undefined || changed <= end);
      })
      .map((alarm) => ({
        name: alarm.AlarmName ?? 'unnamed',
        ...optional('state', alarm.StateValue),
        ...optional('updatedAt', alarm.StateUpdatedTimestamp?.toISOString()),
        ...optional('reason', alarm.StateReason),
        ...optional('reasonData', alarm.StateReasonData),
        ...optional('threshold', alarm.Threshold),
        ...optional('comparison', alarm.ComparisonOperator),
        ...optional('metric', alarm.MetricName ? `${alarm.Namespace ? `${alarm.Namespace}/` : ''}${alarm.MetricName}` : undefined),
      }));
  });
}

/** One record item by its key; undefined when the table has none. */
export async function readRecordItem(scope: AwsCallScope, tableName: string, releaseKey: string, recordId: string)
  : Promise<ReleaseRecordItem | undefined> {
  const item = await getItem(scope, tableName, { releaseKey, recordId }, ATTEMPTS);
  return item ? plainItem(item) : undefined;
}

/** A DynamoDB item as the record's plain shape: strings, numbers, and string sets and lists as arrays. */
export function plainItem(item: Record<string, AttributeValue>): ReleaseRecordItem {
  const plain = (v: AttributeValue): unknown => v.S ?? (v.N !== undefined ? Number(v.N) : v.SS ? [...v.SS].sort() : v.L ? v.L.map(plain) : v.BOOL);
  return Object.fromEntries(Object.entries(item).map(([name, v]) => [name, plain(v)])) as unknown as ReleaseRecordItem;
}

function optional<K extends string, V>(key: K, value: V | undefined | null): { [P in K]?: V } {
  return (value === undefined || value === null || value === '' ? {} : { [key]: value }) as { [P in K]?: V };
}
