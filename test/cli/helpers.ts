import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { CHANGE_CALENDAR_TAG, PIPELINE_TAG, RECORD_TABLE_TAG, SERVICE_TAG, stageTagKey } from '../../contract/release-tags';

export { awsError } from '../lambda/helpers';

export const NOW = new Date('2026-12-03T10:00:00Z');
export const CALLER = 'arn:aws:sts::123456789012:assumed-role/release-managers/alice';
export const ACCOUNT = 'arn:aws:ecs:eu-west-1:123456789012';

export const mocks = {
  tagging: mockClient(ResourceGroupsTaggingAPIClient),
  codePipeline: mockClient(CodePipelineClient),
  ecs: mockClient(ECSClient),
  codeDeploy: mockClient(CodeDeployClient),
  cloudWatch: mockClient(CloudWatchClient),
  ssm: mockClient(SSMClient),
  sts: mockClient(STSClient),
  dynamoDb: mockClient(DynamoDBClient),
};

export function resetMocks(): void {
  for (const mock of Object.values(mocks)) {
    mock.reset();
  }
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER });
}

export function serviceArn(cluster: string, name: string): string {
  return `${ACCOUNT}:service/${cluster}/${name}`;
}

/** The record table of the pipeline `pipeline`, by name. */
export function recordTableName(pipeline: string): string {
  return `${pipeline}-records`;
}

/**
 * The tags of an account: services by `<cluster>/<name>`, pipelines by name with their stages'
 * entries, calendars by name, the pipelines that have a record table.
 */
export function tagAccount(account: {
  services?: string[];
  pipelines?: Record<string, Record<string, string>>;
  calendars?: string[];
  recordTables?: string[];
}): void {
  mocks.tagging.on(GetResourcesCommand).callsFake((input: { TagFilters?: { Key?: string }[] }) => {
    const key = input.TagFilters?.[0]?.Key;
    if (key === SERVICE_TAG) {
      return { ResourceTagMappingList: (account.services ?? []).map((qualified) => ({
        ResourceARN: serviceArn(qualified.split('/')[0], qualified.split('/')[1]), Tags: [{ Key: SERVICE_TAG, Value: qualified.split('/')[1] }],
      })) };
    }
    if (key === PIPELINE_TAG) {
      return { ResourceTagMappingList: Object.entries(account.pipelines ?? {}).map(([name, stages]) => ({
        ResourceARN: `arn:aws:codepipeline:eu-west-1:123456789012:${name}`,
        Tags: [{ Key: PIPELINE_TAG, Value: `App/${name}` }, ...Object.entries(stages).map(([stage, value]) => ({ Key: stageTagKey(stage), Value: value }))],
      })) };
    }
    if (key === CHANGE_CALENDAR_TAG) {
      return { ResourceTagMappingList: (account.calendars ?? []).map((name) => ({
        ResourceARN: `arn:aws:ssm:eu-west-1:123456789012:document/${name}`, Tags: [{ Key: CHANGE_CALENDAR_TAG, Value: `App/${name}` }],
      })) };
    }
    if (key === RECORD_TABLE_TAG) {
      return { ResourceTagMappingList: (account.recordTables ?? []).map((pipeline) => ({
        ResourceARN: `arn:aws:dynamodb:eu-west-1:123456789012:table/${recordTableName(pipeline)}`, Tags: [{ Key: RECORD_TABLE_TAG, Value: `App/${pipeline}` }],
      })) };
    }
    return { ResourceTagMappingList: [] };
  });
}

/** The account most tests use: a pipeline deploying orders-api to staging then production. */
export function ordersAccount(): void {
  tagAccount({
    services: ['staging/orders-api', 'production/orders-api'],
    pipelines: { 'orders-release': { Staging: 'staging/orders-api', Production: 'production/orders-api' } },
    calendars: ['orders-freeze'],
  });
}

export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function run(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) }, { now: NOW });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
