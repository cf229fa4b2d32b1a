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
import { NetworkStack, ServicesStack, ToolingStack } from '../bin/platform-stacks';
import { enableBuiltinValidation } from './builtin-validation';

enableBuiltinValidation();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json') as { context: Record<string, unknown> };

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, unknown> };

describe('platform example app', () => {
  let app: App;
  let stacks: Stack[];
  let assembly: CloudAssembly;
  const template = (stack: Stack) => assembly.getStackByName(stack.stackName).template as Template;
  beforeAll(() => {
    app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: true });
    const env = { region: 'eu-west-1' };
    const network = new NetworkStack(app, 'PlatformNetwork', { env });
    const services = new ServicesStack(app, 'PlatformServices', { env, network });
    const tooling = new ToolingStack(app, 'PlatformTooling', { env, services });
    stacks = [network, services, tooling];
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    assembly = app.synth();
  }, 120_000);

  test('synthesizes with the strict built-in validation and cdk-nag, with nothing to report', () => {
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
  });

  test('the two services share the network stack\'s one pair of listeners, each with its own host rules', () => {
    const [network, services] = stacks.map(template);
    const listeners = Object.values(network.Resources).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listeners.map((l) => l.Properties!.Port).sort()).toEqual([80, 8080]);
    expect(Object.values(network.Resources).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toHaveLength(1);
    const rules = Object.values(services.Resources).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rules.map((r) => [r.Properties!.Priority, JSON.stringify(r.Properties!.Conditions)]).sort()).toEqual([
      [10, JSON.stringify([{ Field: 'host-header', HostHeaderConfig: { Values: ['orders.example.com'] } }])],
      [10, JSON.stringify([{ Field: 'host-header', HostHeaderConfig: { Values: ['orders.example.com'] } }])],
      [20, JSON.stringify([{ Field: 'host-header', HostHeaderConfig: { Values: ['payments.example.com'] } }])],
      [20, JSON.stringify([{ Field: 'host-header', HostHeaderConfig: { Values: ['payments.example.com'] } }])],
    ]);
  });

  test('the stacks refer to each other through stack outputs, downward only, and export nothing', () => {
    const [network, services, tooling] = stacks;
    const text = (stack: Stack) => JSON.stringify(template(stack));
    for (const stack of stacks) {
      // Weak references (cdk.json): no export blocks replacing a hook or a service.
      expect(text(stack)).not.toContain('Fn::ImportValue');
    }
    const referencesTo = (consumer: Stack, producer: Stack) => (text(consumer).match(new RegExp(`"StackName":"${producer.stackName}"`, 'g')) ?? []).length;
    expect(referencesTo(network, services)).toBe(0);
    expect(referencesTo(network, tooling)).toBe(0);
    expect(referencesTo(services, tooling)).toBe(0);
    expect(referencesTo(services, network)).toBeGreaterThan(0);
    expect(referencesTo(tooling, services)).toBeGreaterThan(0);
  });

  test('each pipeline releases its service by updating the services\' stack', () => {
    const tooling = template(stacks[2]);
    const projects = Object.values(tooling.Resources).filter((r) => r.Type === 'AWS::CodeBuild::Project'
      && JSON.stringify(r.Properties!.Environment).includes('RELEASE_STACK_NAME'));
    expect(projects.map((p) => (p.Properties!.Environment as { EnvironmentVariables: Array<{ Name: string; Value: unknown }> }).EnvironmentVariables
      .find((v) => v.Name === 'RELEASE_STACK_NAME')!.Value)).toEqual(['PlatformServices', 'PlatformServices']);
    const parameters = Object.keys((template(stacks[1]) as { Parameters?: Record<string, unknown> }).Parameters ?? {});
    expect(parameters.filter((p) => p.includes('PipelineRelease')).map((p) => p.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'OrdersPipelineReleaseImage', 'OrdersPipelineReleaseVersion', 'PaymentsPipelineReleaseImage', 'PaymentsPipelineReleaseVersion',
    ]);
  });

  test('each stack stays far below CloudFormation\'s 500 resources', () => {
    for (const stack of stacks) {
      expect(Object.keys(template(stack).Resources).length).toBeLessThan(250);
    }
  });
});
