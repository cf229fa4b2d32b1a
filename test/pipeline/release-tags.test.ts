import { Annotations, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, ChangeCalendar, ReleasePipeline, ReleaseSource } from '../../lib';
import { CHANGE_CALENDAR_TAG, PIPELINE_TAG, SERVICE_TAG, stageTagKey } from '../../contract/release-tags';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

type Tagged = { Properties: { Tags?: { Key: string; Value: unknown }[] } };

function tagsOf(template: Template, type: string): Record<string, unknown>[] {
  return Object.values(template.findResources(type) as Record<string, Tagged>)
    .map((resource) => Object.fromEntries((resource.Properties.Tags ?? []).map((tag) => [tag.Key, tag.Value])));
}

describe('the tags the release CLI finds resources by', () => {
  test('the pipeline names its path and each deploy stage its services; each service and calendar is tagged, and nothing else', () => {
    const stack = testStack();
    const staging = mockService(stack, 'Staging');
    const production = mockService(stack, 'Production');
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Shared', { clusterName: 'shared', vpc: staging.vpc, securityGroups: [] });
    const api = new BlueGreenService(stack, 'Api', {
      vpc: staging.vpc, cluster, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'), serviceName: 'api',
    });
    new ReleasePipeline(stack, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
      stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', services: [production, api], requireApproval: true }],
    });
    new ChangeCalendar(stack, 'Freeze');
    const template = Template.fromStack(stack);

    const [pipelineTags] = tagsOf(template, 'AWS::CodePipeline::Pipeline');
    expect(pipelineTags[PIPELINE_TAG]).toBe('PipelineStack/Release');
    const clusterRef = ({ Ref: stack.getLogicalId(staging.cluster.node.defaultChild as never) });
    expect(stack.resolve(pipelineTags[stageTagKey('Staging')])).toEqual({ 'Fn::Join': ['', [clusterRef, '/staging']] });
    expect(stack.resolve(pipelineTags[stageTagKey('Production')]))
      .toEqual({ 'Fn::Join': ['', [{ Ref: stack.getLogicalId(production.cluster.node.defaultChild as never) }, '/production,shared/api']] });
    expect(Object.keys(pipelineTags)).toHaveLength(3);

    expect(tagsOf(template, 'AWS::ECS::Service').map((tags) => tags[SERVICE_TAG]).sort()).toEqual(['api', 'production', 'staging']);
    expect(tagsOf(template, 'AWS::SSM::Document')).toEqual([{ [CHANGE_CALENDAR_TAG]: 'PipelineStack/Freeze' }]);
    // Only those resources: a tag on a whole construct would reach its roles, buckets and keys too.
    for (const type of ['AWS::IAM::Role', 'AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::ECS::Cluster', 'AWS::ECS::TaskDefinition']) {
      for (const tags of tagsOf(template, type)) {
        expect(Object.keys(tags).filter((key) => key.startsWith('cdk-ecs-release:'))).toEqual([]);
      }
    }
  });

  test('warns, and names the services that fit, when a stage deploys more than 256 characters of names', () => {
    const stack = testStack();
    const services = ['a', 'b', 'c', 'd', 'e'].map((letter) => mockService(stack, `${letter.repeat(60)}`));
    const pipeline = new ReleasePipeline(stack, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
      stages: [{ stageName: 'Everything', services }],
    });
    const template = Template.fromStack(stack);
    const [tags] = tagsOf(template, 'AWS::CodePipeline::Pipeline');
    // Without clusters (their generated names would not fit), then the four names that do.
    expect(tags[stageTagKey('Everything')]).toBe(['a', 'b', 'c', 'd'].map((letter) => letter.repeat(60)).join(','));
    Annotations.fromStack(stack).hasWarning(`/${pipeline.pipeline.node.path}`,
      "stage 'Everything' deploys 5 services, but the names of only 4 fit in the 256-character tag the release CLI reads; "
      + 'it shows the others without their stage. Split the stage to have every service shown with it [ack: cdk-ecs-release:stage-tag-too-long]');
  });

  test('names a service of another stack by its name alone: its generated cluster name would be a cross-stack reference', () => {
    const app = testApp();
    const serviceStack = testStack(app, 'ServiceStack');
    const pipelineStack = testStack(app, 'PipelineStack');
    const service = mockService(serviceStack, 'Production');
    new ReleasePipeline(pipelineStack, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
      stages: [{ stageName: 'Production', service }],
    });
    const [tags] = tagsOf(Template.fromStack(pipelineStack), 'AWS::CodePipeline::Pipeline');
    expect(tags[stageTagKey('Production')]).toBe('production');
    expect(JSON.stringify(tags)).not.toContain('Fn::ImportValue');
  });
});

