/**
 * The second example app (`bin/platform-app.ts`): a network stack with the shared load balancer,
 * a services stack with two services on it, and a tooling stack with their pipelines, checked as
 * the first example is: the strict built-in validation and cdk-nag, with the context of cdk.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PLATFORM_ENVIRONMENTS, PlatformStacks, platformStacks } from '../bin/platform-stacks';
import { enableBuiltinValidation } from './builtin-validation';

enableBuiltinValidation();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json') as { context: Record<string, unknown> };

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, unknown> };

describe('platform example app', () => {
  let app: App;
  let platform: PlatformStacks;
  let stacks: Stack[];
  let assembly: CloudAssembly;
  const template = (stack: Stack) => assembly.getStackByName(stack.stackName).template as Template;
  beforeAll(() => {
    app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: true });
    platform = platformStacks(app);
    stacks = app.node.children.filter((child): child is Stack => child instanceof Stack);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    assembly = app.synth();
  }, 120_000);

  test('synthesizes with the strict built-in validation and cdk-nag, with nothing to report', () => {
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
  });

  test('the stacks are in the accounts and regions of the reference layout, with the artifacts of production\'s region in the tooling account', () => {
    const placed = Object.fromEntries(stacks.map((stack) => [stack.stackName, `${stack.account}/${stack.region}`]));
    const { tooling, staging, production } = PLATFORM_ENVIRONMENTS;
    expect(placed).toEqual({
      'PlatformStagingNetwork': `${staging.account}/${staging.region}`,
      'PlatformStagingServices': `${staging.account}/${staging.region}`,
      'PlatformProductionNetwork': `${production.account}/${production.region}`,
      'PlatformProductionServices': `${production.account}/${production.region}`,
      'PlatformTooling': `${tooling.account}/${tooling.region}`,
      'PlatformTooling-artifacts-us-east-1': `${tooling.account}/${production.region}`,
    });
  });

  test('in each environment the two services share the network stack\'s one pair of listeners, each with its own host rules', () => {
    for (const [network, services, zone] of [[platform.stagingNetwork, platform.staging, 'staging.example.com'], [platform.productionNetwork, platform.production, 'example.com']] as const) {
      const listeners = Object.values(template(network).Resources).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener');
      expect(listeners.map((l) => l.Properties!.Port).sort()).toEqual([80, 8080]);
      expect(Object.values(template(network).Resources).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toHaveLength(1);
      const rules = Object.values(template(services).Resources).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule');
      const host = (name: string) => JSON.stringify([{ Field: 'host-header', HostHeaderConfig: { Values: [`${name}.${zone}`] } }]);
      expect(rules.map((r) => [r.Properties!.Priority, JSON.stringify(r.Properties!.Conditions)]).sort()).toEqual([
        [10, host('orders')], [10, host('orders')], [20, host('payments')], [20, host('payments')],
      ]);
    }
  });

  test('the stacks refer to each other through stack outputs within an environment and by names across, and export nothing', () => {
    const text = (stack: Stack) => JSON.stringify(template(stack));
    for (const stack of stacks) {
      // Weak references (cdk.json): no export blocks replacing a hook or a service.
      expect(text(stack)).not.toContain('Fn::ImportValue');
    }
    const referencesTo = (consumer: Stack, producer: Stack) => (text(consumer).match(new RegExp(`"StackName":"${producer.stackName}"`, 'g')) ?? []).length;
    for (const stack of stacks) {
      for (const other of stacks) {
        const within = (stack === platform.staging && other === platform.stagingNetwork) || (stack === platform.production && other === platform.productionNetwork);
        expect([stack.stackName, other.stackName, referencesTo(stack, other) > 0]).toEqual([stack.stackName, other.stackName, within]);
      }
    }
  });

  test('the one pipeline releases each service to each environment by a stack update in that account', () => {
    for (const services of [platform.staging, platform.production]) {
      const projects = Object.values(template(services).Resources).filter((r) => r.Type === 'AWS::CodeBuild::Project'
        && JSON.stringify(r.Properties!.Environment).includes('RELEASE_STACK_NAME'));
      expect(projects.map((p) => (p.Properties!.Environment as { EnvironmentVariables: Array<{ Name: string; Value: unknown }> }).EnvironmentVariables
        .find((v) => v.Name === 'RELEASE_STACK_NAME')!.Value)).toEqual([services.stackName, services.stackName]);
      const parameters = Object.keys((template(services) as { Parameters?: Record<string, unknown> }).Parameters ?? {});
      expect(parameters.filter((p) => p.includes('PipelineRelease')).map((p) => p.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
        'OrdersPipelineReleaseImage', 'OrdersPipelineReleaseVersion', 'PaymentsPipelineReleaseImage', 'PaymentsPipelineReleaseVersion',
      ]);
    }
    const tooling = template(platform.tooling);
    expect(Object.values(tooling.Resources).filter((r) => r.Type === 'AWS::CodeBuild::Project'
      && JSON.stringify(r.Properties!.Environment).includes('RELEASE_STACK_NAME'))).toEqual([]);
  });

  test('the one pipeline deploys orders-api, then payments-api, in each environment, by roles of that environment\'s account', () => {
    const pipelines = Object.values(template(platform.tooling).Resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
    expect(pipelines).toHaveLength(1);
    const stages = pipelines[0].Properties!.Stages as Array<{ Name: string; Actions: Array<{ Name: string; RunOrder: number; Region?: string; RoleArn: unknown }> }>;
    const { staging, production } = PLATFORM_ENVIRONMENTS;
    const account = (role: unknown) => /:iam::(\d{12}):role\//.exec(JSON.stringify(role))?.[1];
    expect(stages.slice(2).map((stage) => [stage.Name, stage.Actions.map((a) => [a.Name, a.RunOrder, a.Region ?? 'home', account(a.RoleArn) ?? 'tooling'])])).toEqual([
      ['Staging', [['Deploy-orders-api', 1, 'home', staging.account], ['Deploy-payments-api', 2, 'home', staging.account]]],
      ['Production', [['Approve', 1, 'home', 'tooling'], ['Deploy-orders-api', 2, production.region, production.account],
        ['Deploy-payments-api', 3, production.region, production.account]]],
    ]);
  });

  test('the one pipeline builds each service\'s image, and each service runs its own', () => {
    const stages = Object.values(template(platform.tooling).Resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline')!
      .Properties!.Stages as Array<{ Name: string; Actions: Array<{ Name: string; Configuration: { EnvironmentVariables?: string } }> }>;
    const images = stages.slice(2).flatMap((stage) => stage.Actions.filter((a) => a.Name.startsWith('Deploy-')).map((a) => [stage.Name, a.Name,
      (JSON.parse(a.Configuration.EnvironmentVariables!) as Array<{ name: string; value: string }>).find((v) => v.name === 'RELEASE_IMAGE')!.value]));
    expect(images).toEqual([
      ['Staging', 'Deploy-orders-api', '#{Build.IMAGE_URI}'], ['Staging', 'Deploy-payments-api', '#{Build.IMAGE_URI_1}'],
      ['Production', 'Deploy-orders-api', '#{Build.IMAGE_URI}'], ['Production', 'Deploy-payments-api', '#{Build.IMAGE_URI_1}'],
    ]);
    expect(Object.values(template(platform.tooling).Resources).filter((r) => r.Type === 'AWS::ECR::Repository')).toHaveLength(2);
  });

  test('the release preview has each environment\'s services on the Amazon ECS engine, written with the paths of the stacks they are in', () => {
    const root = path.join(assembly.directory, platform.tooling.release.previewDirectory!);
    const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
    for (const [stage, network] of [['Staging', platform.stagingNetwork], ['Production', platform.productionNetwork]] as const) {
      for (const name of ['orders-api', 'payments-api']) {
        const text = read(`${stage}/${name}/ecs-deployment.json`);
        expect(text).not.toContain('${Token[');
        expect(text).not.toContain('resolved at deploy');
        const deployment = JSON.parse(text);
        expect(deployment.DeploymentConfiguration).toMatchObject({ Strategy: 'CANARY', CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 5 } });
        // The load balancer is the network stack's, read through its output: written by its path there.
        expect(deployment.DeploymentConfiguration.LifecycleHooks[0].HookDetails.configuration.CDK_ECS_RELEASE_TEST_LOAD_BALANCER_FULL_NAME)
          .toBe(`<${network.stackName}/Edge/LoadBalancer.LoadBalancerFullName>`);
      }
    }
    expect(read('preview.md')).toContain('| Production | payments-api | Amazon ECS | canary 10% then the rest after 5 minutes | manual approval first |');
  });

  test('each stack stays far below CloudFormation\'s 500 resources', () => {
    for (const stack of stacks) {
      expect(Object.keys(template(stack).Resources).length).toBeLessThan(250);
    }
  });
});
