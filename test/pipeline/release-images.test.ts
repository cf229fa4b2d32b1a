/**
 * A monorepo's several images: the build makes each, pushed with the release's one tag, and each
 * service runs the one that names it, on both engines.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, DeploymentEngine, ReleaseImageOptions, ReleasePipeline, ReleaseSource } from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { evaluate } from './cfn-eval';
import { CONNECTION_ARN, mockService, testStack } from './util';

type EnvironmentVariable = { Name: string; Value: unknown };

function source(): ReleaseSource {
  return ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'platform' });
}

function ecsService(stack: Stack, id: string, vpc: ec2.IVpc): BlueGreenService {
  return new BlueGreenService(stack, id, { vpc, serviceName: id.toLowerCase(), engine: DeploymentEngine.ecs(), image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') });
}

/** Staging on the CodeDeploy engine, production on the Amazon ECS engine; the worker runs its own image in both. */
function monorepo() {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const [stagingApi, stagingWorker] = ['StagingApi', 'StagingWorker'].map((id) => mockService(stack, id));
  const [api, worker] = ['Api', 'Worker'].map((id) => ecsService(stack, id, vpc));
  new ReleasePipeline(stack, 'Release', {
    source: source(),
    additionalImages: [{ dockerfile: 'worker/Dockerfile', dockerBuildContext: 'worker', services: [stagingWorker, worker] }],
    stages: [{ stageName: 'Staging', services: [stagingApi, stagingWorker] }, { stageName: 'Production', services: [api, worker] }],
  });
  return { stack, template: Template.fromStack(stack) };
}

function buildProject(template: Template) {
  return Object.values(template.findResources('AWS::CodeBuild::Project'))
    .map((p) => (p as { Properties: { Environment: { EnvironmentVariables: EnvironmentVariable[] }; Source: { BuildSpec: string } } }).Properties)
    .find((p) => p.Source.BuildSpec.includes('docker build'))!;
}

describe('additionalImages', () => {
  test('the build makes and pushes each image with the release\'s tag, and exports each by digest', () => {
    const { template } = monorepo();
    const project = buildProject(template);
    const variables = Object.fromEntries(project.Environment.EnvironmentVariables.map((v) => [v.Name, v.Value]));

    expect(variables.DOCKERFILE_1).toBe('worker/Dockerfile');
    expect(variables.DOCKER_BUILD_CONTEXT_1).toBe('worker');
    expect(JSON.stringify(variables.REPOSITORY_URI_1)).toMatch(/ReleaseRepository1/);
    const spec = JSON.parse(project.Source.BuildSpec);
    expect(spec.env['exported-variables']).toEqual(['SOURCE_REVISION', 'IMAGE_TAG', 'IMAGE_URI', 'IMAGE_URI_1']);
    expect(spec.phases.build.commands).toHaveLength(2);
    expect(spec.phases.build.commands[1]).toContain('docker build --file "$DOCKERFILE_1" --tag "$REPOSITORY_URI_1:$IMAGE_TAG"');
    expect(spec.phases.post_build.commands.join('\n')).toContain('export IMAGE_URI_1="$REPOSITORY_URI_1@$(aws ecr describe-images');
    // Two release repositories, both with immutable tags; the build may push to both.
    const repositories = template.findResources('AWS::ECR::Repository');
    expect(Object.keys(repositories).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['ReleaseRepository', 'ReleaseRepository1']);
    for (const repository of Object.values(repositories)) {
      expect((repository as { Properties: { ImageTagMutability: string } }).Properties.ImageTagMutability).toBe('IMMUTABLE');
    }
  });

  test('each service gets its own image: the manifest names the worker\'s variable, the stack update passes it', () => {
    const { template } = monorepo();
    const project = buildProject(template);
    const manifest = JSON.parse(evaluate(project.Environment.EnvironmentVariables.find((v) => v.Name === 'CDK_ECS_RELEASE_MANIFEST')!.Value));
    expect(manifest.environments.map((e: { directory: string; imageUriVariable?: string }) => [e.directory, e.imageUriVariable]))
      .toEqual([['Staging__StagingApi', undefined], ['Staging__StagingWorker', 'IMAGE_URI_1']]);

    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as {
      Properties: { Stages: Array<{ Name: string; Actions: Array<{ Name: string; Configuration: { EnvironmentVariables?: string } }> }> };
    };
    const production = pipeline.Properties.Stages.find((s) => s.Name === 'Production')!;
    const images = production.Actions.map((a) => [a.Name, (JSON.parse(a.Configuration.EnvironmentVariables!) as Array<{ name: string; value: string }>)
      .find((v) => v.name === 'RELEASE_IMAGE')?.value]);
    expect(images).toEqual([['Deploy-api', '#{Build.IMAGE_URI}'], ['Deploy-worker', '#{Build.IMAGE_URI_1}']]);
  });

  test('each service\'s tasks may pull from its image\'s repository', () => {
    const { template } = monorepo();
    const repositories = template.findResources('AWS::ECR::Repository') as Record<string, { Properties: { RepositoryPolicyText?: { Statement: Array<{ Principal: { AWS: unknown } }> } } }>;
    const pullers = (id: string) => JSON.stringify(Object.entries(repositories).find(([key]) => key.startsWith(id) && !key.startsWith(`${id}1`))![1]
      .Properties.RepositoryPolicyText!.Statement.map((s) => s.Principal.AWS));
    expect(pullers('ReleaseRepository1')).toMatch(/StagingWorkerTaskDefinitionExecutionRole.*WorkerTaskDefinitionExecutionRole/);
    expect(pullers('ReleaseRepository1')).not.toMatch(/ApiTaskDefinitionExecutionRole/);
    expect(pullers('ReleaseRepository')).toMatch(/StagingApiTaskDefinitionExecutionRole.*ApiTaskDefinitionExecutionRole/);
    expect(pullers('ReleaseRepository')).not.toMatch(/WorkerTaskDefinitionExecutionRole/);
  });
});

describe('additionalImages refused at synthesis', () => {
  const problems = (images: (stack: Stack, api: BlueGreenService) => ReleaseImageOptions[], ecrSource = false) => {
    const stack = testStack();
    const api = mockService(stack, 'Api');
    const repository = ecr.Repository.fromRepositoryName(stack, 'Source', 'orders');
    new ReleasePipeline(stack, 'Release', {
      source: ecrSource ? ReleaseSource.ecr({ repository }) : source(),
      additionalImages: images(stack, api),
      stages: [{ stageName: 'Staging', service: api }],
    });
    return synthesisMessages(stack.node.root as App);
  };

  test.each<[string, (stack: Stack, api: BlueGreenService) => ReleaseImageOptions[], string]>([
    ['no services', () => [{ dockerfile: 'worker/Dockerfile', services: [] }],
      'entry 0 (worker/Dockerfile) names no services; list the services that run it, or remove it'],
    ['an empty dockerfile', (_, api) => [{ dockerfile: ' ', services: [api] }],
      "entry 0 has an empty dockerfile; pass its path from the source root, e.g. 'worker/Dockerfile'"],
    ['a service in two images', (_, api) => [{ dockerfile: 'a/Dockerfile', services: [api] }, { dockerfile: 'b/Dockerfile', services: [api] }],
      'entries 0 and 1 both name PipelineStack/Api; a service runs one image, remove it from one'],
  ])('%s', (_, images, message) => {
    expect(problems(images)).toEqual([`PipelineStack/Release: invalid additionalImages: ${message}`]);
  });

  test('with an ECR source, which is one image already', () => {
    expect(problems((_, api) => [{ dockerfile: 'worker/Dockerfile', services: [api] }], true)).toEqual([
      'PipelineStack/Release: invalid additionalImages: only applies when the pipeline builds the images; an ECR source is one image already, '
      + 'remove additionalImages, or release the other images from pipelines of their own',
    ]);
  });
});
