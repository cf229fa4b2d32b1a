/**
 * One pipeline for a monorepo: a stage that deploys several services, one after another in the
 * order given, each with its own deploy action and, on the CodeDeploy engine, its own files.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, DeploymentEngine, ReleasePipeline, ReleaseSource, ReleaseStageOptions } from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { evaluate } from './cfn-eval';
import { CONNECTION_ARN, mockService, testStack } from './util';

type Action = { Name: string; RunOrder: number; ActionTypeId: { Provider: string }; Configuration: Record<string, unknown>; RoleArn?: unknown; InputArtifacts?: Array<{ Name: string }> };

function source(): ReleaseSource {
  return ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'platform' });
}

function ecsService(stack: Stack, id: string, vpc: ec2.IVpc): BlueGreenService {
  return new BlueGreenService(stack, id, {
    vpc, serviceName: id.toLowerCase(), engine: DeploymentEngine.ecs(),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
  });
}

function stagesOf(stack: Stack): Array<{ Name: string; Actions: Action[] }> {
  const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: Array<{ Name: string; Actions: Action[] }> } };
  return pipeline.Properties.Stages;
}

describe('a stage with several services', () => {
  test('deploys them in the order given, each by its own CodeDeploy action, files and narrowed role, after the one approval', () => {
    const stack = testStack();
    const [stagingOrders, stagingWorker, orders, worker] = ['StagingOrders', 'StagingWorker', 'Orders', 'Worker'].map((id) => mockService(stack, id));
    new ReleasePipeline(stack, 'Release', {
      source: source(),
      stages: [
        { stageName: 'Staging', services: [stagingOrders, stagingWorker] },
        { stageName: 'Production', services: [worker, orders], requireApproval: true },
      ],
    });

    const production = stagesOf(stack).find((s) => s.Name === 'Production')!;
    expect(production.Actions.map((a) => [a.Name, a.RunOrder])).toEqual([['Approve', 1], ['Deploy-worker', 2], ['Deploy-orders', 3]]);
    const [deployWorker, deployOrders] = production.Actions.slice(1);
    expect(deployWorker.Configuration.DeploymentGroupName).toEqual({ Ref: expect.stringMatching(/^WorkerDeploymentGroup/) });
    expect(deployOrders.Configuration.DeploymentGroupName).toEqual({ Ref: expect.stringMatching(/^OrdersDeploymentGroup/) });
    expect(deployWorker.InputArtifacts).toEqual([{ Name: 'Files_Production__Worker' }]);
    expect(deployOrders.InputArtifacts).toEqual([{ Name: 'Files_Production__Orders' }]);
    expect(evaluate(deployWorker.RoleArn)).not.toBe(evaluate(deployOrders.RoleArn));

    // The build writes each service's files to its own folder and artifact.
    const build = stagesOf(stack).find((s) => s.Name === 'Build')!.Actions[0] as Action & { OutputArtifacts: Array<{ Name: string }> };
    expect(build.OutputArtifacts.map((a) => a.Name)).toEqual([
      'Files_Staging__StagingOrders', 'Files_Staging__StagingWorker', 'Files_Production__Worker', 'Files_Production__Orders',
    ]);
    const project = Object.values(Template.fromStack(stack).findResources('AWS::CodeBuild::Project'))
      .map((p) => (p as { Properties: { Source: { BuildSpec: string } } }).Properties.Source.BuildSpec)
      .find((spec) => spec.includes('secondary-artifacts'))!;
    expect(project).toContain('Files_Production__Worker');
    expect(project).toContain('.release/Production__Worker');
  });

  test('on the Amazon ECS engine, each service is released by its own stack update, in order', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const [stagingApi, stagingWorker, api, worker] = ['StagingApi', 'StagingWorker', 'Api', 'Worker'].map((id) => ecsService(stack, id, vpc));
    new ReleasePipeline(stack, 'Release', {
      source: source(),
      stages: [{ stageName: 'Staging', services: [stagingApi, stagingWorker] }, { stageName: 'Production', services: [api, worker] }],
    });

    const production = stagesOf(stack).find((s) => s.Name === 'Production')!;
    expect(production.Actions.map((a) => [a.Name, a.RunOrder, a.ActionTypeId.Provider])).toEqual([
      ['Deploy-api', 1, 'CodeBuild'], ['Deploy-worker', 2, 'CodeBuild'],
    ]);
    expect(production.Actions[0].Configuration.ProjectName).not.toEqual(production.Actions[1].Configuration.ProjectName);
    // Each service's deployments are notified by a rule of its own.
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))
      .map((r) => (r as { Properties: { Description?: string } }).Properties.Description ?? '');
    expect(rules.filter((d) => / Production deployment by Amazon ECS /.test(d)).sort()).toEqual([
      'api: a Production deployment by Amazon ECS failed or rolled back', 'worker: a Production deployment by Amazon ECS failed or rolled back',
    ]);
  });

  test('the approval request names every service of the stage', () => {
    const stack = testStack();
    const [stagingApi, api, worker] = ['StagingApi', 'Api', 'Worker'].map((id) => mockService(stack, id));
    new ReleasePipeline(stack, 'Release', {
      source: source(),
      stages: [{ stageName: 'Staging', service: stagingApi }, { stageName: 'Production', services: [api, worker], requireApproval: true }],
    });

    const approve = stagesOf(stack).find((s) => s.Name === 'Production')!.Actions[0];
    expect(approve.Configuration.CustomData).toMatch(/^Ship api, worker to Production: /);
  });

  test('a stage of one service keeps its action name and files', () => {
    const stack = testStack();
    new ReleasePipeline(stack, 'Release', { source: source(), stages: [{ stageName: 'Staging', services: [mockService(stack, 'Api')] }] });

    const staging = stagesOf(stack).find((s) => s.Name === 'Staging')!;
    expect(staging.Actions.map((a) => [a.Name, a.InputArtifacts])).toEqual([['Deploy', [{ Name: 'Files_Staging' }]]]);
  });
});

describe('a stage\'s services refused at synthesis', () => {
  const problems = (stage: (stack: Stack) => ReleaseStageOptions) => {
    const stack = testStack();
    new ReleasePipeline(stack, 'Release', { source: source(), stages: [stage(stack)] });
    return synthesisMessages(stack.node.root as App);
  };

  test.each<[string, (stack: Stack) => ReleaseStageOptions, string]>([
    ['both service and services', (stack) => ({ stageName: 'Staging', service: mockService(stack, 'A'), services: [mockService(stack, 'B')] }),
      "stage 'Staging' gives both service and services; pass the one service it deploys as service, or several, deployed in that order, as services"],
    ['no service', () => ({ stageName: 'Staging' }),
      "stage 'Staging' gives no service; pass the one service it deploys as service, or several, deployed in that order, as services"],
    ['an empty services list', () => ({ stageName: 'Staging', services: [] }),
      "stage 'Staging' has an empty services list; pass the services it deploys, in order, or remove the stage"],
  ])('%s', (_, stage, message) => {
    expect(problems(stage)).toEqual([`PipelineStack/Release: invalid stages: ${message}`]);
  });

  test('a service listed twice', () => {
    expect(problems((stack) => {
      const api = mockService(stack, 'Api');
      return { stageName: 'Staging', services: [api, mockService(stack, 'Worker'), api] };
    })).toEqual([
      "PipelineStack/Release: invalid stages: stage 'Staging' lists PipelineStack/Api twice in services; a service is deployed once per stage, remove the duplicate",
    ]);
  });

  test('two services with one service name, whose deploy actions would share a name', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = testStack(app);
    const [eu, us] = ['Eu', 'Us'].map((id) => {
      const services = testStack(app, `Services${id}`);
      const vpc = new ec2.Vpc(services, 'Vpc', { maxAzs: 2, natGateways: 1 });
      return new BlueGreenService(services, id, { vpc, serviceName: 'orders-api', image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') });
    });
    new ReleasePipeline(stack, 'Release', { source: source(), stages: [{ stageName: 'Production', services: [eu, us] }] });

    expect(synthesisMessages(app)).toEqual([
      "PipelineStack/Release: invalid stages: stage 'Production' deploys two services named 'orders-api', whose deploy actions would both be "
      + "'Deploy-orders-api' and CodePipeline refuses two actions of one name in a stage; give one another serviceName, or put them in stages of their own",
    ]);
  });

  test('two services with one construct id, whose files would share a folder', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = testStack(app);
    const other = testStack(app, 'Other');
    new ReleasePipeline(stack, 'Release', { source: source(), stages: [{ stageName: 'Staging', services: [mockService(stack, 'Api'), mockService(other, 'Api')] }] });

    expect(synthesisMessages(app)).toEqual([
      "PipelineStack/Release: invalid stages: stage 'Staging' deploys two services named 'api', whose deploy actions would both be 'Deploy-api' and "
      + 'CodePipeline refuses two actions of one name in a stage; give one another serviceName, or put them in stages of their own',
      "PipelineStack/Release: invalid stages: stage 'Staging' deploys two services with the id 'Api', whose deployment files would share a folder; give one another construct id",
    ]);
  });
});
