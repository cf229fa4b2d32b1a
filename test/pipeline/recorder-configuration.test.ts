/**
 * The deployment recorder's configuration at scale: in its environment while it fits Lambda's
 * 4 KB, in SSM parameters it names beyond, and refused at synthesis beyond what those hold.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, DeploymentEngine, ReleasePipeline, ReleaseSource } from '../../lib';
import { DEPLOYMENT_RECORDER_CONFIG_ENV, DeploymentRecorderConfig } from '../../contract/deployment-record';
import { synthesisMessages } from '../synth-errors';
import { evaluateJson } from './cfn-eval';
import { CONNECTION_ARN, testStack } from './util';

const source = ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });
const SERVICES = 20;

/** 20 services in 2 stages do not fit CloudFormation's 500 resources of one stack: the limit is raised here to see the recorder's part. */
function testApp(): App {
  return new App({ builtinCloudFormationValidation: false, context: { '@aws-cdk/core:stackResourceLimit': 1000 } });
}

/**
 * `count` services of one stage, in a stack of their own sharing one VPC, on the Amazon ECS engine:
 * a pipeline's build writes the deployment files of 5 CodeDeploy services at most.
 */
function stageServices(stack: Stack, stageName: string, count: number): BlueGreenService[] {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  return Array.from({ length: count }, (_, i) => new BlueGreenService(stack, `Service${i}`, {
    vpc, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'), serviceName: `${stageName.toLowerCase()}-service-${i}`,
    engine: DeploymentEngine.ecs(),
  }));
}

function recorderOf(template: Template): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Writes the deployment record') } });
  return Object.entries(functions).map(([id, resource]) => ({ id, ...resource }))[0];
}

describe('the deployment recorder\'s configuration', () => {
  test('20 services in 2 stages: the lists go to parameters of 4 KB the environment names, and the recorder may read those alone', () => {
    const app = testApp();
    const pipelineStack = testStack(app);
    const staging = stageServices(new Stack(app, 'StagingStack'), 'Staging', SERVICES);
    const production = stageServices(new Stack(app, 'ProductionStack'), 'Production', SERVICES);
    new ReleasePipeline(pipelineStack, 'Release', {
      source, stages: [{ stageName: 'Staging', services: staging }, { stageName: 'Production', services: production, requireApproval: true }],
    });
    const template = Template.fromStack(pipelineStack);

    const recorder = recorderOf(template);
    const variables = recorder.Properties.Environment.Variables as Record<string, unknown>;
    const inEnvironment = evaluateJson(variables[DEPLOYMENT_RECORDER_CONFIG_ENV]) as DeploymentRecorderConfig;
    expect(inEnvironment).toMatchObject({ deploymentGroups: [], ecsServices: [], deployActions: [], buildVariables: { imageUri: 'IMAGE_URI', imageTag: 'IMAGE_TAG' } });
    const names = inEnvironment.configurationParameters!;
    const parameters = Object.entries(template.findResources('AWS::SSM::Parameter', { Properties: { Description: Match.stringLikeRegexp('^Stage lists of the deployment recorder') } }));
    expect(parameters.map(([, p]) => p.Properties.Name)).toEqual(names);
    expect(names.length).toBeGreaterThan(1);
    expect(names.every((name) => /^\/cdk-ecs-release\/recorder\/[\w-]+\/\d+$/.test(name))).toBe(true);
    // Each parameter's value holds entries whole, and every entry is in one of them: the recorder adds them up.
    const parts = parameters.map(([, p]) => evaluateJson(p.Properties.Value) as DeploymentRecorderConfig);
    expect(parts.flatMap((part) => part.ecsServices ?? [])).toHaveLength(2 * SERVICES);
    const alarms = parts.flatMap((part) => part.alarms ?? []);
    expect(new Set(alarms.map((a) => `${a.serviceName}#${a.stageName}`)).size).toBe(2 * SERVICES);
    // As deployed, each reference counted as 100 bytes: the environment within Lambda's 4 KB.
    const envBytes = Object.entries(variables).reduce((sum, [name, v]) => sum + name.length
      + JSON.stringify(v).replace(/\{"Ref":"[^"]+"\}|\{"Fn::GetAtt":\[[^\]]+\]\}/g, 'x'.repeat(100)).length, 0);
    expect(envBytes).toBeLessThan(4096);
    // Read by name, those alone; written before the function.
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: recorder.Properties.Role['Fn::GetAtt'][0] }] } });
    const reads = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => [s.Action].flat().includes('ssm:GetParameters'));
    expect(reads).toHaveLength(1);
    expect(reads[0].Action).toBe('ssm:GetParameters');
    expect(reads[0].Resource.map((arn: unknown) => JSON.stringify(arn))).toEqual(names.map((name) => expect.stringMatching(`:parameter${name}"\\]\\]\\}$`)));
    expect(recorder.DependsOn).toEqual(expect.arrayContaining(parameters.map(([id]) => id)));
  });

  test('beyond the parameters it reads, the synthesis fails with what to do', () => {
    const app = testApp();
    const pipelineStack = testStack(app);
    const [service] = stageServices(new Stack(app, 'ServiceStack'), 'Production', 1);
    // Existing rollback alarms, by names as long as CloudWatch allows: each takes about 320 bytes of the lists.
    for (let i = 0; i < 400; i++) {
      service.addRollbackAlarm(cloudwatch.Alarm.fromAlarmName(service, `Alarm${i}`, `${String(i).padStart(3, '0')}-${'x'.repeat(251)}`));
    }
    new ReleasePipeline(pipelineStack, 'Release', { source, stages: [{ stageName: 'Production', service }] });
    expect(synthesisMessages(app)).toContainEqual(expect.stringMatching(
      /^PipelineStack\/Release: invalid stages: the deployment recorder's configuration .* takes about \d+ bytes, more than the 25 parameters of 4096 bytes it reads; split the stages/));
  });
});
