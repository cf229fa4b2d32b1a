import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { BlueGreenService } from '../../lib/service';

export const CONNECTION_ARN = 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/12345678-abcd-1234-abcd-123456789012';

/** An app with the built-in CloudFormation validation off: these tests synthesize many stacks. */
export function testApp(): App {
  return new App({ builtinCloudFormationValidation: false });
}

export function testStack(app: App = testApp(), id = 'PipelineStack', props: StackProps = {}): Stack {
  return new Stack(app, id, props);
}

/** A blue/green service on a small VPC of its own. */
export function mockService(scope: Construct, id: string, props: { environment?: Record<string, string> } = {}): BlueGreenService {
  const vpc = new ec2.Vpc(scope, `${id}Vpc`, { maxAzs: 2, natGateways: 1 });
  return new BlueGreenService(scope, id, {
    vpc,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    serviceName: id.toLowerCase(),
    environment: props.environment,
  });
}
