import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { GetPipelineStateCommand, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeServicesCommand, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { BlueGreenService, DeploymentEngine, ReleasePipeline, ReleaseSource } from '../../lib';
import { CONNECTION_ARN, testStack } from '../pipeline/util';
import { mocks, resetMocks, run, serviceArn } from './helpers';

beforeEach(resetMocks);

type Tags = { Key: string; Value: string }[];

/**
 * The constructs and the CLI meet only in contract/release-tags.ts: the tags a synthesized
 * pipeline and its services carry, answered by the Tagging API as they are, must map each
 * service to the stage that deploys it.
 */
test('the CLI maps the services to their stages from the tags the constructs write', async () => {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const service = (id: string, cluster: string, serviceName: string) => new BlueGreenService(stack, id, {
    vpc, serviceName, engine: DeploymentEngine.ecs(),
    cluster: ecs.Cluster.fromClusterAttributes(stack, `${id}Cluster`, { clusterName: cluster, vpc, securityGroups: [] }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
  });
  new ReleasePipeline(stack, 'Release', {
    source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
    stages: [{ stageName: 'Staging', service: service('Staging', 'staging', 'orders-api') },
      { stageName: 'Production', service: service('Production', 'production', 'orders-api-production') }],
  });
  const template = Template.fromStack(stack);
  const [pipelineTags] = Object.values(template.findResources('AWS::CodePipeline::Pipeline')).map((r) => r.Properties.Tags as Tags);
  const serviceTags = Object.values(template.findResources('AWS::ECS::Service')).map((r) => r.Properties.Tags as Tags);
  expect(serviceTags).toEqual([[{ Key: 'cdk-ecs-release:service', Value: 'orders-api' }], [{ Key: 'cdk-ecs-release:service', Value: 'orders-api-production' }]]);

  mocks.tagging.on(GetResourcesCommand, { TagFilters: [{ Key: 'cdk-ecs-release:pipeline' }] }).resolves({ ResourceTagMappingList: [
    { ResourceARN: 'arn:aws:codepipeline:eu-west-1:123456789012:orders-release', Tags: pipelineTags },
  ] });
  mocks.tagging.on(GetResourcesCommand, { TagFilters: [{ Key: 'cdk-ecs-release:service' }] }).resolves({ ResourceTagMappingList: [
    { ResourceARN: serviceArn('staging', 'orders-api'), Tags: serviceTags[0] },
    { ResourceARN: serviceArn('production', 'orders-api-production'), Tags: serviceTags[1] },
  ] });
  mocks.codePipeline.on(GetPipelineStateCommand).resolves({ stageStates: [] });
  mocks.codePipeline.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [] });
  mocks.ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({ services: input.services.map((arn) => ({ serviceArn: arn })) }));
  mocks.ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });

  const result = await run('status', '--json');
  expect(result.err).toBe('');
  const document = JSON.parse(result.out);
  expect(document.pipelines.map((pipeline: { path: string }) => pipeline.path)).toEqual(['PipelineStack/Release']);
  expect(document.services.map((s: { cluster: string; stages: string[] }) => [s.cluster, s.stages])).toEqual([
    ['staging', ['orders-release/Staging']],
    ['production', ['orders-release/Production']],
  ]);

  // dora finds the pipeline's record table by its tag, and reads the partitions the recorder writes.
  const [tableTags] = Object.values(template.findResources('AWS::DynamoDB::Table')).map((r) => r.Properties.Tags as Tags);
  mocks.tagging.on(GetResourcesCommand, { TagFilters: [{ Key: 'cdk-ecs-release:record-table' }], ResourceTypeFilters: ['dynamodb:table'] })
    .resolves({ ResourceTagMappingList: [{ ResourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders-records', Tags: tableTags }] });
  mocks.dynamoDb.on(QueryCommand).resolves({ Items: [] });
  mocks.dynamoDb.on(GetItemCommand).resolves({});
  const dora = await run('dora', '--json');
  expect(dora.err).toBe('');
  expect(JSON.parse(dora.out).keys.map((keys: { recordTable: string; serviceName: string; stageName: string }) =>
    `${keys.recordTable} ${keys.serviceName}#${keys.stageName}`)).toEqual(['orders-records orders-api#Staging', 'orders-records orders-api-production#Production']);
  expect(new Set(mocks.dynamoDb.commandCalls(QueryCommand).map((call) => call.args[0].input.ExpressionAttributeValues?.[':key'].S)))
    .toEqual(new Set(['orders-api#Staging', 'orders-api-production#Production']));
});
