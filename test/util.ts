import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, BlueGreenServiceProps } from '../lib';

/**
 * A stack in an app with the built-in CloudFormation validation off: unit tests build many
 * stacks, and the validator costs seconds per synth. One test runs it on the example app.
 */
export function testStack(id = 'TestStack'): Stack {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { '@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup': true },
  });
  return new Stack(app, id);
}

/** A small VPC and cluster for services under test. */
export function mockCluster(stack: Stack): { vpc: ec2.Vpc; cluster: ecs.Cluster } {
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  return { vpc, cluster };
}

/** A VPC without NAT gateways: public subnets for the load balancer, isolated ones for everything else. */
export function isolatedVpc(stack: Stack, id = 'Vpc'): ec2.Vpc {
  return new ec2.Vpc(stack, id, {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    ],
  });
}

export const testImage = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');

/** A service named orders-api on a mock cluster in `stack`, with `props`. */
export function serviceIn(stack: Stack, props: Partial<BlueGreenServiceProps> = {}): BlueGreenService {
  const { cluster } = mockCluster(stack);
  return new BlueGreenService(stack, 'Orders', { cluster, image: testImage, serviceName: 'orders-api', ...props });
}

/** A service with every default, and its synthesis. */
export interface DefaultServiceFixture {
  readonly stack: Stack;
  readonly service: BlueGreenService;
  readonly template: Template;
}

let defaultServiceFixture: DefaultServiceFixture | undefined;

/**
 * {@link serviceIn} with its defaults, built and synthesized once per test file (each file has
 * modules of its own) for the tests that only read it: a service with its VPC takes most of a
 * second to build and synthesize.
 */
export function defaultService(): DefaultServiceFixture {
  if (!defaultServiceFixture) {
    const stack = testStack();
    const service = serviceIn(stack);
    defaultServiceFixture = { stack, service, template: Template.fromStack(stack) };
  }
  return defaultServiceFixture;
}
