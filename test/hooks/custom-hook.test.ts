import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { parse } from 'yaml';
import { BlueGreenService, CustomHook, LifecycleEvent } from '../../lib';
import { expectSynthError } from '../synth-errors';
import { actionsOf, allowing, joinToText, mockService, statementsOf, testStack } from './util';

function userFunction(stack: Stack, id = 'UserHook'): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
}

function appSpecOf(stack: Stack, service: BlueGreenService, options = {}): string {
  return joinToText(stack.resolve(service._renderAppSpec(options)));
}

describe('CustomHook', () => {
  test('lets the function report its status on this deployment group only', () => {
    const stack = testStack();
    const service = mockService(stack);
    const fn = userFunction(stack);
    new CustomHook(stack, 'Warmup', { service, function: fn, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC });

    const template = Template.fromStack(stack);
    const report = allowing(statementsOf(stack, template, fn), 'codedeploy:PutLifecycleEventHookExecutionStatus');
    expect(report).toHaveLength(1);
    expect(report[0].Resource).toEqual(stack.resolve(service.deploymentGroup!.deploymentGroupArn));
    expect(joinToText(report[0].Resource)).toMatch(/^arn:<AWS::Partition>:codedeploy:<AWS::Region>:<AWS::AccountId>:deploymentgroup:<OrdersApplication\w+>\/<OrdersDeploymentGroup\w+>$/);
    expect(actionsOf(report[0])).toEqual(['codedeploy:PutLifecycleEventHookExecutionStatus']);
  });

  test('lets CodeDeploy invoke the function through AWSCodeDeployRoleForECS, which allows any function, and adds no grant', () => {
    const stack = testStack();
    const service = mockService(stack);
    const fn = userFunction(stack);
    new CustomHook(stack, 'Warmup', { service, function: fn, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC });

    const template = Template.fromStack(stack);
    const role = service.deploymentGroup!.role;
    const invoke = allowing(statementsOf(stack, template, { role } as unknown as lambda.IFunction), 'lambda:InvokeFunction');
    expect(invoke).toHaveLength(0);
    const roleResource = template.toJSON().Resources[stack.getLogicalId(role.node.defaultChild as never)];
    expect(JSON.stringify(roleResource.Properties.ManagedPolicyArns)).toContain(':iam::aws:policy/AWSCodeDeployRoleForECS"');
  });

  test('is listed in the AppSpec by function name', () => {
    const stack = testStack();
    const service = mockService(stack);
    const fn = userFunction(stack);
    new CustomHook(stack, 'Warmup', { service, function: fn, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC });

    const parsed = parse(appSpecOf(stack, service));
    expect(parsed.Hooks).toEqual([{ BeforeAllowTraffic: `<${stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}>` }]);
  });

  test('accepts an imported function, which the deployment group role may invoke already', () => {
    const stack = testStack();
    const service = mockService(stack);
    const fn = lambda.Function.fromFunctionArn(stack, 'Imported', 'arn:aws:lambda:eu-west-1:111111111111:function:CheckCaches');
    new CustomHook(stack, 'Caches', { service, function: fn, lifecycleEvent: LifecycleEvent.AFTER_INSTALL });

    expect(JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'))).not.toContain('function:CheckCaches');
    expect(parse(appSpecOf(stack, service)).Hooks).toEqual([{ AfterInstall: 'CheckCaches' }]);
    // Its role is unknown here, so the status permission is left to its owner, with a warning saying which.
    Annotations.fromStack(stack).hasWarning('/TestStack/Imported',
      Match.stringLikeRegexp('codedeploy:PutLifecycleEventHookExecutionStatus'));
  });

  test('fails when a lifecycle event already has a hook', () => {
    const stack = testStack();
    const service = mockService(stack);
    new CustomHook(stack, 'First', { service, function: userFunction(stack, 'A'), lifecycleEvent: LifecycleEvent.AFTER_INSTALL });
    expectSynthError(stack, () => new CustomHook(stack, 'Second', { service, function: userFunction(stack, 'B'), lifecycleEvent: LifecycleEvent.AFTER_INSTALL }),
      'TestStack/Orders: invalid hook: AfterInstall already runs TestStack/First, cannot also run TestStack/Second; '
        + 'a service runs one hook per lifecycle event (CodeDeploy\'s rule, kept on the Amazon ECS engine too, so hooks work on both): '
        + 'combine the two in one function, or set another lifecycleEvent on one of them');
  });

  test('fails when the function is in another stack than the service', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const serviceStack = new Stack(app, 'Service');
    const functionStack = new Stack(app, 'Functions');
    const service = mockService(serviceStack);
    const fn = userFunction(functionStack);
    expectSynthError(serviceStack, () => new CustomHook(serviceStack, 'Warmup', { service, function: fn, lifecycleEvent: LifecycleEvent.AFTER_INSTALL }),
      /Service\/Orders: invalid hook: .* has its function in stack Functions but the service is in stack Service; .*define the function in the service's stack/);
  });
});

describe('BlueGreenService hooks', () => {
  test('addHook registers a hook once, however often it is added', () => {
    const stack = testStack();
    const service = mockService(stack);
    const hook = { lifecycleEvent: LifecycleEvent.AFTER_INSTALL, function: userFunction(stack) };
    service.addHook(hook);
    service.addHook(hook);
    expect(service.hooks).toEqual([hook]);
    const report = allowing(statementsOf(stack, Template.fromStack(stack), hook.function), 'codedeploy:PutLifecycleEventHookExecutionStatus');
    expect(report).toHaveLength(1);
  });

  test('the AppSpec lists hooks added after it was rendered, in lifecycle order', () => {
    const stack = testStack();
    const service = mockService(stack);
    const appSpec = service._renderAppSpec();
    const late = userFunction(stack, 'Late');
    const early = userFunction(stack, 'Early');
    service.addHook({ lifecycleEvent: LifecycleEvent.AFTER_ALLOW_TRAFFIC, function: late });
    service.addHook({ lifecycleEvent: LifecycleEvent.BEFORE_INSTALL, function: early });

    expect(service.hooks.map((hook) => hook.function)).toEqual([early, late]);
    const parsed = parse(joinToText(stack.resolve(appSpec)));
    expect(parsed.Hooks).toEqual([
      { BeforeInstall: `<${stack.getLogicalId(early.node.defaultChild as lambda.CfnFunction)}>` },
      { AfterAllowTraffic: `<${stack.getLogicalId(late.node.defaultChild as lambda.CfnFunction)}>` },
    ]);
    expect(parsed.Resources[0].TargetService.Properties).toEqual({
      TaskDefinition: '<TASK_DEFINITION>',
      LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 },
    });
  });

  test('previewAppSpec() is the AppSpec as a person reads it: the hooks added so far, each function by its construct path, no token', () => {
    const stack = testStack();
    const service = mockService(stack);
    service.addHook({ lifecycleEvent: LifecycleEvent.AFTER_ALLOW_TRAFFIC, function: userFunction(stack, 'Late') });
    service.addHook({ lifecycleEvent: LifecycleEvent.BEFORE_INSTALL, function: userFunction(stack, 'Early') });
    const preview = service.previewAppSpec();
    service.addHook({ lifecycleEvent: LifecycleEvent.AFTER_INSTALL, function: userFunction(stack, 'Later') });

    expect(preview).not.toContain('${Token[');
    expect(parse(preview).Hooks).toEqual([{ BeforeInstall: '<Early>' }, { AfterAllowTraffic: '<Late>' }]);
    expect(parse(service.previewAppSpec({ taskDefinition: service.taskDefinition })).Resources[0].TargetService.Properties.TaskDefinition)
      .toBe('<Orders/TaskDefinition>');
    // What the pipeline's build writes is the same text, with the names CloudFormation fills in.
    expect(joinToText(stack.resolve(service._renderAppSpec()))).toBe(service.previewAppSpec()
      .replace(/<(Early|Late|Later)>/g, (_, id: string) => `<${stack.getLogicalId(stack.node.findChild(id).node.defaultChild as lambda.CfnFunction)}>`));
  });

  test('the AppSpec can name a task definition and a platform version, and has no Hooks without hooks', () => {
    const stack = testStack();
    const service = mockService(stack, { containerName: 'api', containerPort: 3000 });
    const parsed = parse(appSpecOf(stack, service, {
      taskDefinition: service.taskDefinition,
      platformVersion: ecs.FargatePlatformVersion.VERSION1_4,
    }));
    expect(parsed.Hooks).toBeUndefined();
    expect(parsed.Resources[0].TargetService.Properties).toEqual({
      TaskDefinition: `<${stack.getLogicalId(service.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition)}>`,
      LoadBalancerInfo: { ContainerName: 'api', ContainerPort: 3000 },
      PlatformVersion: '1.4.0',
    });
  });

  test('the AppSpec resolves in a pipeline stack to cross-stack references', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const serviceStack = new Stack(app, 'Service');
    const pipelineStack = new Stack(app, 'Pipeline');
    const service = mockService(serviceStack);
    service.addHook({ lifecycleEvent: LifecycleEvent.AFTER_INSTALL, function: userFunction(serviceStack) });
    // A resource of another stack carrying the AppSpec, as a pipeline's build environment would.
    new ssm.StringParameter(pipelineStack, 'AppSpec', { stringValue: service._renderAppSpec() });

    const [parameter] = Object.values(Template.fromStack(pipelineStack).findResources('AWS::SSM::Parameter'));
    const value = parameter.Properties.Value;
    const text = joinToText(value);
    expect(text).toContain('- AfterInstall: "');
    expect(JSON.stringify(value)).toContain('Fn::ImportValue');
  });
});

