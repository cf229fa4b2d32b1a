import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import {
  BlueGreenService, DeploymentEngine, ExpectedVersion, SmokeCheck, SmokeTestHook, SmokeTestHookProps, VersionSource,
} from '../../lib';
import { testImage } from '../util';
import { ROLLBACK_VERIFICATION_FIELD } from '../../contract/rollback-verification';
import { SMOKE_TEST_BASE_URL_ENV } from '../../contract/smoke-test';
import { allowing, mockService, statementsOf, testStack } from './util';

function build(props: Partial<SmokeTestHookProps> = {}, onEcs = false) {
  const stack = testStack();
  const service = mockService(stack, onEcs ? { engine: DeploymentEngine.ecs() } : {});
  const hook = new SmokeTestHook(stack, 'SmokeTests', {
    service,
    checks: [
      SmokeCheck.get('/health'),
      SmokeCheck.get('/version', { version: VersionSource.jsonField('version') }),
    ],
    expectedVersion: ExpectedVersion.fromDeployedEnvironment(),
    ...props,
  });
  const template = Template.fromStack(stack);
  return { stack, service, hook, template };
}

interface RuleTarget { Arn: unknown; InputTransformer: { InputTemplate: unknown }; RetryPolicy?: unknown }

function ruleOf(template: Template): { pattern: Record<string, unknown>; target: RuleTarget } {
  const rules = Object.values(template.findResources('AWS::Events::Rule', {
    Properties: { Description: Match.stringLikeRegexp('Verifies .* production listener') },
  }));
  expect(rules).toHaveLength(1);
  const properties = rules[0].Properties;
  expect(properties.Targets).toHaveLength(1);
  return { pattern: properties.EventPattern, target: properties.Targets[0] };
}

/** The rule's input as the function receives it, the matched event left as its placeholder. */
function inputOf(stack: Stack, target: RuleTarget): Record<string, unknown> {
  const template = stack.resolve(target.InputTransformer.InputTemplate) as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof template === 'string' ? template
    : template['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `TOKEN(${JSON.stringify(part).replace(/"/g, "'")})`)).join('');
  return JSON.parse(text.replace('<aws.events.event.json>', '"WHOLE EVENT"')) as Record<string, unknown>;
}

describe('rollback verification', () => {
  test('on CodeDeploy, a rule on the ends of the deployment group\'s deployments targets the hook\'s function', () => {
    const { stack, service, hook, template } = build();
    const { pattern, target } = ruleOf(template);
    expect(stack.resolve(pattern)).toEqual({
      'source': ['aws.codedeploy'],
      'detail-type': ['CodeDeploy Deployment State-change Notification'],
      'detail': {
        state: ['SUCCESS', 'FAILURE', 'STOP'],
        application: [stack.resolve(service.deploymentGroup!.application.applicationName)],
        deploymentGroup: [stack.resolve(service.deploymentGroup!.deploymentGroupName)],
      },
    });
    expect(stack.resolve(target.Arn)).toEqual(stack.resolve(hook.function.functionArn));
    const input = inputOf(stack, target);
    const settings = input[ROLLBACK_VERIFICATION_FIELD] as { engine: string; serviceName: string; config: Record<string, unknown> };
    expect(settings.engine).toBe('CODE_DEPLOY');
    expect(settings.serviceName).toBe('orders-api');
    expect(input.event).toBe('WHOLE EVENT');
    // The production listener's port (80), not the test listener's.
    expect(JSON.stringify(settings.config[SMOKE_TEST_BASE_URL_ENV])).toMatch(/http:\/\/.*:80"/);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: stack.resolve(hook.function.functionArn),
    });
  });

  test('on Amazon ECS, a rule on the service\'s deployment ends, by its ARN', () => {
    const { stack, service, hook, template } = build({}, true);
    const { pattern, target } = ruleOf(template);
    expect(stack.resolve(pattern)).toEqual({
      'source': ['aws.ecs'],
      'detail-type': ['ECS Deployment State Change'],
      'resources': [stack.resolve(service.service.serviceArn)],
      'detail': { eventName: ['SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_FAILED'] },
    });
    expect(stack.resolve(target.Arn)).toEqual(stack.resolve(hook.function.functionArn));
    expect((inputOf(stack, target)[ROLLBACK_VERIFICATION_FIELD] as { engine: string }).engine).toBe('ECS');
    const statements = statementsOf(stack, template, hook.function);
    expect(allowing(statements, 'ecs:ListServiceDeployments').map((s) => stack.resolve(s.Resource))).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
        ':service/', stack.resolve(service.cluster.clusterName), '/*']] },
    ]);
  });

  test('nothing lost: what the rules cannot deliver and what the function fails on lands in one queue per stack', () => {
    const stack = testStack();
    const orders = mockService(stack);
    const hook = new SmokeTestHook(stack, 'SmokeTests', { service: orders, checks: [SmokeCheck.get('/health')] });
    const billing = new BlueGreenService(stack, 'Billing', { cluster: orders.cluster, image: testImage, serviceName: 'billing' });
    new SmokeTestHook(stack, 'BillingSmokeTests', { service: billing, checks: [SmokeCheck.get('/health')] });
    const template = Template.fromStack(stack);
    const queues = template.findResources('AWS::SQS::Queue', { Properties: { KmsMasterKeyId: Match.absent() } });
    const deadLetters = Object.keys(queues).filter((id) => id.startsWith('CdkEcsReleaseRollbackVerificationDeadLetters'));
    expect(deadLetters).toHaveLength(1);
    const queueArn = { 'Fn::GetAtt': [deadLetters[0], 'Arn'] };
    const rules = Object.values(template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('^Verifies') } }));
    expect(rules.flatMap((rule) => rule.Properties.Targets.map((target: RuleTarget & { DeadLetterConfig: unknown }) => target.DeadLetterConfig)))
      .toEqual([{ Arn: queueArn }, { Arn: queueArn }]);
    const configs = template.findResources('AWS::Lambda::EventInvokeConfig', { Properties: { FunctionName: stack.resolve(hook.function.functionName) } });
    expect(Object.values(configs).map((config) => config.Properties.DestinationConfig)).toEqual([{ OnFailure: { Destination: queueArn } }]);
  });

  test('the queue admits the stack\'s verification rules in one statement, not one a rule: SQS allows 20 statements a policy', () => {
    const stack = testStack();
    const cluster = mockService(stack).cluster;
    // Seven services of the stack's one function: two rules (five targets, then two).
    for (let index = 0; index < 7; index++) {
      const service = new BlueGreenService(stack, `Service${index}`, { cluster, image: testImage, serviceName: `service-${index}` });
      new SmokeTestHook(stack, `Service${index}SmokeTests`, { service, checks: [SmokeCheck.get('/health')] });
    }
    const shared = stack.node.findChild('CdkEcsReleaseSmokeTestHook');
    const rules = [shared.node.findChild('RollbackVerification'), shared.node.findChild('RollbackVerification2')];
    const template = Template.fromStack(stack);
    const policies = Object.entries(template.findResources('AWS::SQS::QueuePolicy'))
      .filter(([id]) => id.startsWith('CdkEcsReleaseRollbackVerificationDeadLetters'));
    expect(policies).toHaveLength(1);
    const statements = policies[0][1].Properties.PolicyDocument.Statement as Array<Record<string, unknown>>;
    // SSL only, and the rules: two statements however many rules.
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CdkEcsReleaseRollbackVerificationDeadLetters/), 'Arn'] },
      Condition: { ArnEquals: { 'aws:SourceArn': rules.map((rule) => stack.resolve((rule as unknown as { ruleArn: string }).ruleArn)) } },
    });
  });

  test('the function may put only this library\'s verification event, on the default bus', () => {
    const { stack, hook, template, service } = build();
    const statements = statementsOf(stack, template, hook.function);
    // Besides the hook result's own statement, which every hook function has.
    const put = allowing(statements, 'events:PutEvents').filter((statement) => !JSON.stringify(statement.Condition).includes('Release Hook Result'));
    expect(put).toHaveLength(1);
    expect(stack.resolve(put[0].Resource)).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':',
      { Ref: 'AWS::AccountId' }, ':event-bus/default']] });
    expect(put[0].Condition).toEqual({ StringEquals: { 'events:source': 'cdk-ecs-release', 'events:detail-type': 'Rollback Verification Result' } });
    const get = allowing(statements, 'codedeploy:GetDeployment');
    expect(get.map((s) => stack.resolve(s.Resource))).toEqual([stack.resolve(service.deploymentGroup!.deploymentGroupArn)]);
  });

  test('the function\'s security group may reach the production listener\'s port, which admits everyone already', () => {
    const { stack, hook, template, service } = build();
    const group = hook.connections.securityGroups[0] as ec2.SecurityGroup;
    const egress = template.toJSON().Resources[stack.getLogicalId(group.node.defaultChild as ec2.CfnSecurityGroup)].Properties.SecurityGroupEgress;
    expect(egress).toEqual(expect.arrayContaining([
      expect.objectContaining({ CidrIp: stack.resolve(service.vpc.vpcCidrBlock), FromPort: 80, ToPort: 80, IpProtocol: 'tcp' })]));
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupIngress', { SourceSecurityGroupId: stack.resolve(group.securityGroupId) }, 0);
  });

  test('a production listener that admits only some peers admits the function', () => {
    const stack = testStack();
    const service = mockService(stack, { productionListenerPeers: [ec2.Peer.ipv4('10.0.0.0/28')] });
    const hook = new SmokeTestHook(stack, 'SmokeTests', { service, checks: [SmokeCheck.get('/health')] });
    const template = Template.fromStack(stack);
    const group = hook.connections.securityGroups[0] as ec2.SecurityGroup;
    const fromHook = template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { SourceSecurityGroupId: stack.resolve(group.securityGroupId) } });
    expect(Object.values(fromHook).map((rule) => [rule.Properties.FromPort, rule.Properties.GroupId])).toEqual([
      [80, stack.resolve((service.loadBalancer.connections.securityGroups[0] as ec2.SecurityGroup).securityGroupId)],
    ]);
  });

  test('verifyRollbacks: false adds nothing', () => {
    const withIt = build();
    const without = build({ verifyRollbacks: false });
    expect(Object.keys(without.template.findResources('AWS::Events::Rule'))).toHaveLength(
      Object.keys(withIt.template.findResources('AWS::Events::Rule')).length - 1);
    expect(allowing(statementsOf(without.stack, without.template, without.hook.function), 'events:PutEvents')
      .filter((statement) => JSON.stringify(statement.Condition).includes('Rollback Verification Result'))).toHaveLength(0);
    expect(Object.keys(without.template.toJSON().Resources).filter((id) => id.startsWith('CdkEcsReleaseRollbackVerification'))).toEqual([]);
    expect(Object.keys(without.template.findResources('AWS::Lambda::EventInvokeConfig', {
      Properties: { FunctionName: without.stack.resolve(without.hook.function.functionName) } }))).toEqual([]);
    expect(Object.keys(without.template.findResources('AWS::Lambda::Permission', {
      Properties: { Principal: 'events.amazonaws.com', FunctionName: without.stack.resolve(without.hook.function.functionArn) },
    }))).toHaveLength(0);
    const group = without.hook.connections.securityGroups[0] as ec2.SecurityGroup;
    const egress = without.template.toJSON().Resources[without.stack.getLogicalId(group.node.defaultChild as ec2.CfnSecurityGroup)].Properties
      .SecurityGroupEgress as { FromPort: number }[];
    expect(egress.map((rule) => rule.FromPort).sort()).toEqual([443, 8080]);
  });

  test('fails when the checks make the rule\'s input longer than EventBridge takes', () => {
    const stack = testStack();
    const service = mockService(stack);
    // The checks' JSON travels as text in the rule's JSON input, where each quote takes four characters: within the
    // configuration parameter's 8 KB, but not within the input's 8192 characters.
    new SmokeTestHook(stack, 'SmokeTests', {
      service,
      checks: [1, 2].map((i) => SmokeCheck.get(`/orders/${i}`, { name: `order ${i}`, bodyContains: '"'.repeat(1100) })),
    });
    expect(() => Template.fromStack(stack)).toThrow(/SmokeTests: invalid checks: with them the input of the rollback verification's rule takes about \d+ characters, over EventBridge's 8192-character limit/);
  });

  describe('the services of the stack\'s function share rules, five targets a rule', () => {
    function services(count: number, onEcs: boolean) {
      const stack = testStack();
      const cluster = mockService(stack).cluster;
      const engine = onEcs ? DeploymentEngine.ecs() : DeploymentEngine.codeDeploy();
      const all = Array.from({ length: count }, (_, index) => {
        const service = new BlueGreenService(stack, `Service${index}`, { cluster, image: testImage, serviceName: `service-${index}`, engine });
        new SmokeTestHook(stack, `Service${index}SmokeTests`, { service, checks: [SmokeCheck.get('/health')] });
        return service;
      });
      const template = Template.fromStack(stack);
      const rules = Object.entries(template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('^Verifies') } }));
      return { stack, all, template, rules };
    }

    test('on CodeDeploy, each target names its own deployment group, and the pattern lists the rule\'s five', () => {
      const { stack, all, template, rules } = services(6, false);
      expect(rules.map(([id]) => id)).toEqual([
        expect.stringMatching(/^CdkEcsReleaseSmokeTestHookRollbackVerification[0-9A-F]{8}$/),
        expect.stringMatching(/^CdkEcsReleaseSmokeTestHookRollbackVerification2[0-9A-F]{8}$/),
      ]);
      const [first, second] = rules.map(([, rule]) => rule.Properties);
      expect(first.Targets).toHaveLength(5);
      expect(second.Targets).toHaveLength(1);
      expect(first.Description).toBe('Verifies service-0, service-1, service-2, service-3, service-4 with their smoke checks against the '
        + 'production listener once a rollback completed');
      const groups = all.map((service) => service.deploymentGroup!);
      expect(stack.resolve(first.EventPattern.detail)).toEqual({
        state: ['SUCCESS', 'FAILURE', 'STOP'],
        application: groups.slice(0, 5).map((group) => stack.resolve(group.application.applicationName)),
        deploymentGroup: groups.slice(0, 5).map((group) => stack.resolve(group.deploymentGroupName)),
      });
      const named = (first.Targets as RuleTarget[]).map((target) => {
        const settings = inputOf(stack, target)[ROLLBACK_VERIFICATION_FIELD] as { serviceName: string; deploymentGroupName: string };
        return [settings.serviceName, settings.deploymentGroupName];
      });
      expect(named).toEqual(groups.slice(0, 5).map((group, index) => [`service-${index}`,
        `TOKEN(${JSON.stringify(stack.resolve(group.deploymentGroupName)).replace(/"/g, "'")})`]));
      // One permission a rule to invoke the function, not one a service.
      const permissions = template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'events.amazonaws.com',
        SourceArn: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^CdkEcsReleaseSmokeTestHookRollbackVerification'), 'Arn'] }) } });
      expect(Object.keys(permissions)).toHaveLength(2);
    });

    test('on Amazon ECS, by the services\' ARNs, each target with its own service\'s ARN', () => {
      const { stack, all, rules } = services(2, true);
      expect(rules).toHaveLength(1);
      const rule = rules[0][1].Properties;
      expect(rules[0][0]).toMatch(/^CdkEcsReleaseSmokeTestEcsHookEcsRollbackVerification[0-9A-F]{8}$/);
      expect(stack.resolve(rule.EventPattern.resources)).toEqual(all.map((service) => stack.resolve(service.service.serviceArn)));
      expect((rule.Targets as RuleTarget[]).map((target) => (inputOf(stack, target)[ROLLBACK_VERIFICATION_FIELD] as { serviceArn: string }).serviceArn))
        .toEqual(all.map((service) => `TOKEN(${JSON.stringify(stack.resolve(service.service.serviceArn)).replace(/"/g, "'")})`));
    });

    test('a new rule before the pattern passes EventBridge\'s 2048 characters', () => {
      const stack = testStack();
      // A cluster name of 255 characters: each service's ARN takes about 420 characters of the pattern, so four fit a rule.
      const cluster = new ecs.Cluster(stack, 'LongNamedCluster', { vpc: mockService(stack).vpc, clusterName: 'c'.repeat(255) });
      for (let index = 0; index < 5; index++) {
        const service = new BlueGreenService(stack, `Service${index}`, { cluster, image: testImage, serviceName: `service-${index}`,
          engine: DeploymentEngine.ecs() });
        new SmokeTestHook(stack, `Service${index}SmokeTests`, { service, checks: [SmokeCheck.get('/health')] });
      }
      const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule', {
        Properties: { Description: Match.stringLikeRegexp('^Verifies') } }));
      expect(rules.map((rule) => rule.Properties.Targets.length)).toEqual([4, 1]);
      for (const rule of rules) {
        // Each reference as long as it can be: the cluster's name as it is, the generated service names at 100.
        const deployed = JSON.stringify(stack.resolve(rule.Properties.EventPattern)).replace(/\{"Ref":"[^"]+"\}/g, `"${'s'.repeat(100)}"`);
        expect(deployed.length).toBeLessThanOrEqual(2048);
      }
    });
  });

  describe('an imported service', () => {
    function imported(attrs: { url?: string }, verifyRollbacks?: boolean) {
      const stack = testStack();
      const own = mockService(stack);
      const service = BlueGreenService.fromBlueGreenServiceAttributes(stack, 'Imported', {
        service: own.service, cluster: own.cluster, deploymentGroup: own.deploymentGroup!, loadBalancer: own.loadBalancer,
        productionListener: own.productionListener, testListener: own.testListener, testListenerPort: 9000,
        blueTargetGroup: own.blueTargetGroup, greenTargetGroup: own.greenTargetGroup, taskDefinition: own.taskDefinition,
        serviceName: 'imported', ...attrs,
      });
      const hook = new SmokeTestHook(stack, 'ImportedSmokeTests', { service, checks: [SmokeCheck.get('/health')], verifyRollbacks });
      return { stack, hook };
    }

    test('is verified on the port its url names', () => {
      const { stack } = imported({ url: 'https://orders.example.com:8443' });
      const template = Template.fromStack(stack);
      const rules = template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('Verifies imported') } });
      const rule = Object.values(rules)[0];
      expect(JSON.stringify(stack.resolve(rule.Properties.Targets[0].InputTransformer))).toMatch(/BASE_URL.{0,12}http:.{0,80}DNSName.{0,10}:8443/);
    });

    test('without a url: a warning by default, and no rule', () => {
      const { stack } = imported({});
      Annotations.fromStack(stack).hasWarning(`/${stack.node.path}/ImportedSmokeTests`, Match.stringLikeRegexp('rollbacks are not verified'));
      expect(Object.keys(Template.fromStack(stack).findResources('AWS::Events::Rule', {
        Properties: { Description: Match.stringLikeRegexp('Verifies imported') } }))).toHaveLength(0);
    });

    test('fails when asked for without a url', () => {
      const { stack } = imported({}, true);
      expect(() => Template.fromStack(stack)).toThrow(/ImportedSmokeTests: invalid verifyRollbacks: the production listener's port/);
    });
  });

});
