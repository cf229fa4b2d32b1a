import { CfnOutput, Stack, Tags } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IMAGE_PLACEHOLDER } from '../../../contract/artifacts';
import { renderTaskDefinitionJson, renderTaskDefinitionRequest } from '../../../lib/pipeline/private/taskdef';
import { evaluateJson } from '../cfn-eval';
import { testApp, testStack } from '../util';

interface Container {
  name: string;
  image: string;
  [key: string]: unknown;
}

function mockTaskDefinition(stack: Stack, environment: Record<string, string> = { LOG_LEVEL: 'info' }): ecs.FargateTaskDefinition {
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDefinition', { cpu: 512, memoryLimitMiB: 1024 });
  const logGroup = new logs.LogGroup(stack, 'Logs');
  taskDefinition.addContainer('web', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    environment,
    portMappings: [{ containerPort: 8080 }],
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'orders' }),
    dockerLabels: { 'com.example.team': 'orders', 'filesystemId': 'not-a-struct-field' },
    healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'] },
  });
  return taskDefinition;
}

/** The request as CloudFormation would hand it over, with stand-ins for references. */
function synthesizedRequest(stack: Stack, taskDefinition: ecs.TaskDefinition, containerName = 'web'): Record<string, unknown> {
  new CfnOutput(stack, 'TaskDefinitionJson', { value: renderTaskDefinitionJson(taskDefinition, { containerName }) });
  const template = testAppSynth(stack);
  return evaluateJson(template.Outputs.TaskDefinitionJson.Value) as Record<string, unknown>;
}

function testAppSynth(stack: Stack): { Outputs: Record<string, { Value: unknown }> } {
  const assembly = (stack.node.root as ReturnType<typeof testApp>).synth();
  return assembly.getStackByName(stack.stackName).template;
}

describe('renderTaskDefinitionRequest', () => {
  test('renders the RegisterTaskDefinition request of a Fargate task definition in the API shape', () => {
    const stack = testStack();
    const taskDefinition = mockTaskDefinition(stack);

    const request = synthesizedRequest(stack, taskDefinition);

    expect(request).toEqual({
      family: expect.stringMatching(/TaskDefinition/),
      taskRoleArn: expect.stringMatching(/^GETATT\(TaskDefinitionTaskRole.*\.Arn\)$/),
      executionRoleArn: expect.stringMatching(/^GETATT\(TaskDefinitionExecutionRole.*\.Arn\)$/),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      containerDefinitions: [{
        name: 'web',
        image: IMAGE_PLACEHOLDER,
        essential: true,
        environment: [{ name: 'LOG_LEVEL', value: 'info' }],
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': expect.stringMatching(/^REF\(Logs/),
            'awslogs-stream-prefix': 'orders',
            'awslogs-region': 'REF(AWS::Region)',
          },
        },
        dockerLabels: { 'com.example.team': 'orders', 'filesystemId': 'not-a-struct-field' },
        healthCheck: {
          command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
          interval: 30,
          retries: 3,
          timeout: 5,
        },
      }],
    });
  });

  test('the generated taskdef.json follows a change of the container environment in CDK', () => {
    const stackA = testStack();
    const a = synthesizedRequest(stackA, mockTaskDefinition(stackA, { LOG_LEVEL: 'info' }));
    const stackB = testStack();
    const b = synthesizedRequest(stackB, mockTaskDefinition(stackB, { LOG_LEVEL: 'debug' }));

    expect((a.containerDefinitions as Container[])[0].environment).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
    expect((b.containerDefinitions as Container[])[0].environment).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
    expect({ ...a, containerDefinitions: undefined }).toEqual({ ...b, containerDefinitions: undefined });
  });

  test('includes containers, volumes and tags added after the call', () => {
    const stack = testStack();
    const taskDefinition = mockTaskDefinition(stack);
    const json = renderTaskDefinitionJson(taskDefinition, { containerName: 'web' });
    taskDefinition.addContainer('xray', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/xray/aws-xray-daemon:3.3.12'),
      essential: false,
      memoryReservationMiB: 64,
    });
    taskDefinition.addVolume({
      name: 'shared',
      efsVolumeConfiguration: { fileSystemId: 'fs-12345678', transitEncryption: 'ENABLED', authorizationConfig: { iam: 'ENABLED' } },
    });
    Tags.of(stack).add('team', 'orders');
    new CfnOutput(stack, 'TaskDefinitionJson', { value: json });

    const request = evaluateJson(testAppSynth(stack).Outputs.TaskDefinitionJson.Value) as Record<string, unknown>;

    const containers = request.containerDefinitions as Container[];
    expect(containers.map((c) => [c.name, c.image])).toEqual([
      ['web', IMAGE_PLACEHOLDER],
      // Sidecars keep their image: only the application container is replaced.
      ['xray', 'public.ecr.aws/xray/aws-xray-daemon:3.3.12'],
    ]);
    // CloudFormation's EFSVolumeConfiguration.FilesystemId is the API's efsVolumeConfiguration.fileSystemId.
    expect(request.volumes).toEqual([{
      name: 'shared',
      efsVolumeConfiguration: { fileSystemId: 'fs-12345678', transitEncryption: 'ENABLED', authorizationConfig: { iam: 'ENABLED' } },
    }]);
    expect(request.tags).toEqual([{ key: 'team', value: 'orders' }]);
  });

  test('renders secrets by reference and the App Mesh proxy properties under their API name', () => {
    const stack = testStack();
    const secret = new secretsmanager.Secret(stack, 'DbPassword');
    const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDefinition', {
      cpu: 256,
      memoryLimitMiB: 512,
      proxyConfiguration: ecs.ProxyConfigurations.appMeshProxyConfiguration({
        containerName: 'envoy',
        properties: { appPorts: [8080], proxyEgressPort: 15001, proxyIngressPort: 15000, ignoredUID: 1337 },
      }),
    });
    taskDefinition.addContainer('web', {
      image: ecs.ContainerImage.fromRegistry('nginx'),
      secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret) },
    });
    taskDefinition.addContainer('envoy', { image: ecs.ContainerImage.fromRegistry('envoyproxy/envoy:v1.31.0'), user: '1337' });

    const request = synthesizedRequest(stack, taskDefinition);

    const web = (request.containerDefinitions as Container[])[0];
    expect(web.secrets).toEqual([{ name: 'DB_PASSWORD', valueFrom: expect.stringMatching(/^REF\(DbPassword/) }]);
    expect(request.proxyConfiguration).toEqual({
      type: 'APPMESH',
      containerName: 'envoy',
      properties: expect.arrayContaining([{ name: 'AppPorts', value: '8080' }, { name: 'IgnoredUID', value: '1337' }]),
    });
  });

  test('resolves references from another stack into imports, so the pipeline may live elsewhere', () => {
    const app = testApp();
    const serviceStack = testStack(app, 'ServiceStack');
    const pipelineStack = testStack(app, 'PipelineStack');
    const taskDefinition = mockTaskDefinition(serviceStack);
    new CfnOutput(pipelineStack, 'TaskDefinitionJson', { value: renderTaskDefinitionJson(taskDefinition, { containerName: 'web' }) });

    const template = app.synth().getStackByName('PipelineStack').template;
    const request = evaluateJson(template.Outputs.TaskDefinitionJson.Value) as Record<string, unknown>;

    expect(request.taskRoleArn).toMatch(/^IMPORT\(ServiceStack:ExportsOutputFnGetAttTaskDefinitionTaskRole/);
  });

  test('Stack.resolve gives CloudFormation intrinsics for references', () => {
    const stack = testStack();
    const taskDefinition = mockTaskDefinition(stack);

    const resolved = stack.resolve(renderTaskDefinitionRequest(taskDefinition, { containerName: 'web', imagePlaceholder: '<APP>' }));

    expect(resolved.taskRoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TaskDefinitionTaskRole/), 'Arn'] });
    expect(resolved.containerDefinitions[0].image).toBe('<APP>');
  });

  test('fails when the container is not in the task definition', () => {
    const stack = testStack();
    const taskDefinition = mockTaskDefinition(stack);

    expect(() => stack.resolve(renderTaskDefinitionRequest(taskDefinition, { containerName: 'api' })))
      .toThrow(/PipelineStack\/TaskDefinition: cannot render taskdef.json: no container named 'api' \(containers: web\); pass the name of the application container/);
  });
});
