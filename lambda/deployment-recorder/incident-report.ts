/**
 * The incident report, a step after the writes: when a deployment's item is `rolled_back`, its
 * report is rendered from the item and the lookups, put to the incident bucket under the
 * deployment's deterministic key, and the key and its console link are set on the item. Each
 * later event of the deployment (the verification after the rollback) renders it again over the
 * same key, so the step is idempotent and a redelivered event repeats it harmlessly.
 *
 * The lookups are best-effort; the put and the item's update are not: their failure throws, so
 * that Lambda retries the event, then keeps it in the dead-letter queue.
 */
import { ReleaseRecordItem, incidentReportKey, s3ObjectConsoleUrl } from '../../contract/deployment-record';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { awsRegion } from '../shared/clients';
import { errorText } from '../shared/logger';
import type { FollowUpInput } from './follow-up';
import { lookUpAlarms, lookUpCodeDeploy, lookUpEcs, plainItem, readRecordItem } from './incident-lookup';
import { IncidentInput, renderIncidentReport, restoredAt } from './incident-render';
import { updateIf } from './item-store';
import { putObject } from './s3-put';

export const INCIDENT_REPORT_CONTENT_TYPE = 'text/markdown; charset=utf-8';

/** The follow-up step: renders and stores the report of a rolled-back deployment. */
export async function writeIncidentReport(input: FollowUpInput): Promise<void> {
  const { scope, settings, event } = input;
  const item = plainItem(input.result.item);
  if (item.kind !== 'deployment' || item.status !== 'rolled_back' || !settings.incidentBucket) {
    return;
  }
  const region = awsRegion() ?? (typeof event.region === 'string' ? event.region : undefined) ?? 'us-east-1';
  const key = incidentReportKey(item.serviceName ?? 'unknown', item.stageName ?? 'unknown', item.deploymentId ?? item.recordId);
  const url = s3ObjectConsoleUrl(settings.incidentBucket, region, key);
  const report = renderIncidentReport(await gather(scope, item, input, region));
  await awsCall(scope, 's3:PutObject', (abortSignal) => putObject({
    bucket: settings.incidentBucket!, key, body: report, contentType: INCIDENT_REPORT_CONTENT_TYPE, region,
  }, abortSignal), { maxAttempts: 3 });
  scope.logger.info('incident report written', { releaseKey: item.releaseKey, recordId: item.recordId, key });
  if (item.incidentReportKey === key && item.incidentReportUrl === url) {
    return;
  }
  await updateIf(scope, settings.tableName, item, { set: { incidentReportKey: key, incidentReportUrl: url } });
}

async function gather(scope: AwsCallScope, item: ReleaseRecordItem, { settings }: FollowUpInput, region: string): Promise<IncidentInput> {
  const alarmNames = settings.alarms.filter((a) => a.serviceName === item.serviceName && a.stageName === item.stageName).map((a) => a.alarmName);
  const deploymentId = item.deploymentId ?? item.recordId;
  const [codeDeploy, ecs, alarms, records] = await Promise.all([
    item.engine === 'CODE_DEPLOY' ? lookUpCodeDeploy(scope, deploymentId) : undefined,
    item.engine === 'ECS' && deploymentId.includes(':service-deployment/') ? lookUpEcs(scope, deploymentId) : undefined,
    alarmNames.length > 0 ? lookUpAlarms(scope, alarmNames, item.startedAt, restoredAt(item)) : undefined,
    releaseRecords(scope, settings.tableName, settings.pipelineName, item),
  ]);
  return {
    item, codeDeploy, ecs, alarms, ...records,
    recordUrl: `https://${region}.console.aws.amazon.com/dynamodbv2/home?region=${region}#edit-item?table=${encodeURIComponent(settings.tableName)}`
      + `&itemMode=2&pk=${encodeURIComponent(item.releaseKey)}&sk=${encodeURIComponent(item.recordId)}&route=ROUTE_ITEM_EXPLORER`,
    renderedAt: new Date().toISOString(),
  };
}

/** Who started and approved the release: its execution's and stage's items, once the deployment is linked to them. */
async function releaseRecords(scope: AwsCallScope, tableName: string, pipelineName: string | undefined, item: ReleaseRecordItem)
  : Promise<Pick<IncidentInput, 'execution' | 'stage' | 'recordLookup'>> {
  if (!pipelineName || !item.pipelineExecutionId) {
    return {};
  }
  try {
    const [execution, stage] = await Promise.all([
      readRecordItem(scope, tableName, pipelineName, item.pipelineExecutionId),
      item.stageName ? readRecordItem(scope, tableName, `${pipelineName}#${item.stageName}`, item.pipelineExecutionId) : undefined,
    ]);
    return { ...(execution ? { execution } : {}), ...(stage ? { stage } : {}) };
  } catch (error) {
    scope.logger.warn('incident report lookup failed; the report says so', { lookup: 'dynamodb:GetItem', error: errorText(error) });
    return { recordLookup: errorText(error) };
  }
}
