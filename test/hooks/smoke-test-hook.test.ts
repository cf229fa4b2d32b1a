import { App, Duration, SecretValue, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { parse } from 'yaml';
import {
  BlueGreenService, BlueGreenServiceProps, ExpectedVersion, HttpMethod, JsonValue, LifecycleEvent, SmokeCheck, SmokeCheckOptions,
  SmokeTestHook, SmokeTestHookProps, VersionSource,
} from '../../lib';
import {
  SMOKE_CHECKS_ENV, SMOKE_DEPLOYED_SERVICE_ENV, SMOKE_EXPECTED_VERSION_ENV, SMOKE_EXPECTED_VERSION_VARIABLE_ENV, SMOKE_LOAD_BALANCER_FULL_NAME_ENV,
  SMOKE_TEST_BASE_URL_ENV, SMOKE_VERIFY_TLS_ENV,
} from '../../contract/smoke-test';
import { isolatedVpc, testImage } from '../util';
import { Statement, actionsOf, allowing, environmentOf, joinToText, mockService, resourcesOf, statementsOf, testStack, wildcardActions } from './util';
import { expectSynthError, synthErrors } from '../synth-errors';

function smoke(props: Partial<SmokeTestHookProps> = {}, serviceProps: Partial<BlueGreenServiceProps> = {}) {
  const stack = testStack();
  const service = mockService(stack, serviceProps);
  const hook = new SmokeTestHook(stack, 'SmokeTests', { service, checks: [SmokeCheck.get('/health')], ...props });
  return { stack, service, hook };
}

/** Asserts that `build` constructs without throwing and that the synthesis of its stack fails with `message`. */
function failsAtSynthesis(build: () => { stack: Stack }, message: RegExp | string) {
  let built: { stack: Stack } | undefined;
  expect(() => { built = build(); }).not.toThrow();
  expect(() => Template.fromStack(built!.stack)).toThrow(message);
}

function synth(stack: Stack, hook: SmokeTestHook) {
  const template = Template.fromStack(stack);
  const environment = environmentOf(stack, template, hook.function);
  return {
    template,
    environment,
    checks: JSON.parse(joinToText(environment[SMOKE_CHECKS_ENV])),
    statements: statementsOf(stack, template, hook.function),
  };
}

let defaults: ReturnType<typeof smoke> & ReturnType<typeof synth> | undefined;

/**
 * The default hook and its synthesis, built once for the tests that only read them: a service with
 * its VPC takes most of a second to build and synthesize.
 */
function defaultHook(): ReturnType<typeof smoke> & ReturnType<typeof synth> {
  if (!defaults) {
    const built = smoke();
    defaults = { ...built, ...synth(built.stack, built.hook) };
  }
  return defaults;
}

function groupId(stack: Stack, group: ec2.ISecurityGroup) {
  return { 'Fn::GetAtt': [stack.getLogicalId(group.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] };
}

function loadBalancerGroup(service: BlueGreenService): ec2.ISecurityGroup {
  return service.loadBalancer.connections.securityGroups[0];
}

describe('SmokeTestHook', () => {
  test('runs at AfterAllowTestTraffic, for at most 5 minutes, in the private subnets with egress', () => {
    const { stack, service, hook, template } = defaultHook();
    expect(hook.lifecycleEvent).toBe(LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 300,
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      VpcConfig: {
        SubnetIds: service.vpc.privateSubnets.map((subnet) => ({ Ref: stack.getLogicalId(subnet.node.defaultChild as ec2.CfnSubnet) })),
        SecurityGroupIds: [groupId(stack, hook.connections.securityGroups[0])],
      },
    });
    expect(parse(joinToText(stack.resolve(service._renderAppSpec()))).Hooks)
      .toEqual([{ AfterAllowTestTraffic: `<${stack.getLogicalId(hook.function.node.defaultChild as lambda.CfnFunction)}>` }]);
  });

  test('targets the test URL through the load balancer\'s private addresses', () => {
    const { stack, service, environment } = defaultHook();
    expect(environment[SMOKE_TEST_BASE_URL_ENV]).toEqual(joinToText(stack.resolve(service.testUrl)));
    expect(joinToText(environment[SMOKE_TEST_BASE_URL_ENV])).toMatch(/^http:\/\/<\w+\.DNSName>:8080$/);
    expect(environment[SMOKE_LOAD_BALANCER_FULL_NAME_ENV]).toEqual(joinToText(stack.resolve(service.loadBalancerFullName)));
    expect(environment[SMOKE_EXPECTED_VERSION_ENV]).toBeUndefined();
  });

  test('opens the test listener, and only it, to the function; the function may send nothing else but HTTPS', () => {
    const { stack, service, hook, template } = defaultHook();
    const hookGroup = hook.connections.securityGroups[0];
    const vpcCidr = stack.resolve(service.vpc.vpcCidrBlock);

    // The test listener admits the VPC by default, the function's addresses included: no rule of its own.
    expect(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { SourceSecurityGroupId: groupId(stack, hookGroup) } })).toEqual({});
    expect(template.toJSON().Resources[stack.getLogicalId(loadBalancerGroup(service).node.defaultChild as ec2.CfnSecurityGroup)].Properties
      .SecurityGroupIngress).toEqual(expect.arrayContaining([expect.objectContaining({ CidrIp: vpcCidr, FromPort: 8080, ToPort: 8080, IpProtocol: 'tcp' })]));
    expect(hookEgressOf(stack, template, hookGroup)).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      expect.objectContaining({ CidrIp: vpcCidr, FromPort: 8080, ToPort: 8080, IpProtocol: 'tcp' }),
      // The production listener, for the verification of rollbacks (on by default).
      expect.objectContaining({ CidrIp: vpcCidr, FromPort: 80, ToPort: 80, IpProtocol: 'tcp' }),
    ]);
  });

  test('admits the function on the test listener when the listener admits less than the VPC', () => {
    // Without the rollback verification, whose way to the production listener has a test of its own.
    const { stack, service, hook } = smoke({ verifyRollbacks: false }, { testListenerPeers: [ec2.Peer.ipv4('10.0.0.0/28')] });
    const { template } = synth(stack, hook);
    const hookGroup = hook.connections.securityGroups[0];

    const fromHook = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { SourceSecurityGroupId: groupId(stack, hookGroup) },
    });
    expect(Object.values(fromHook).map((rule) => rule.Properties)).toEqual([{
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8080,
      GroupId: groupId(stack, loadBalancerGroup(service)),
      SourceSecurityGroupId: groupId(stack, hookGroup),
      Description: 'smoke tests of orders-api',
    }]);
    expect(hookEgressOf(stack, template, hookGroup)).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      expect.objectContaining({ CidrIp: stack.resolve(service.vpc.vpcCidrBlock), FromPort: 8080, ToPort: 8080, IpProtocol: 'tcp' }),
    ]);
  });

  test('reports on this deployment group only and looks up network interfaces, the only * (EC2 Describe actions allow no other)', () => {
    const { stack, service, statements } = defaultHook();
    expect(allowing(statements, 'codedeploy:PutLifecycleEventHookExecutionStatus').map((s) => s.Resource))
      .toEqual([stack.resolve(service.deploymentGroup!.deploymentGroupArn)]);
    expect(wildcardActions(statements)).toEqual(['ec2:DescribeNetworkInterfaces']);
  });

  test('reaches an internal load balancer by its private addresses too', () => {
    const { stack, service, hook } = smoke({}, { internetFacing: false });
    const { environment } = synth(stack, hook);
    expect(environment[SMOKE_LOAD_BALANCER_FULL_NAME_ENV]).toEqual(joinToText(stack.resolve(service.loadBalancerFullName)));
  });

  test('serializes the checks compactly, as the handler reads them', () => {
    const { stack, hook } = smoke({
      checks: [
        SmokeCheck.get('/health', { jsonFields: { 'status': JsonValue.fromString('ok'), 'db.up': JsonValue.fromBoolean(true), 'errors': JsonValue.fromNumber(0), 'warning': JsonValue.NULL } }),
        SmokeCheck.http({
          name: 'create order',
          path: '/orders',
          method: HttpMethod.POST,
          headers: { 'content-type': 'application/json' },
          body: '{"sku":"42"}',
          expectedStatuses: [201, 202],
          bodyContains: 'id',
          version: VersionSource.header('X-App-Version'),
          expectedVersion: ExpectedVersion.of('1.2.3'),
          timeout: Duration.seconds(10),
          latencyBudget: Duration.millis(800),
          retries: 2,
          retryDelay: Duration.seconds(3),
        }),
      ],
      expectedVersion: ExpectedVersion.of('v7'),
    });
    const { checks, environment } = synth(stack, hook);
    expect(checks).toEqual([
      { name: 'GET /health', path: '/health', jsonFields: { 'status': 'ok', 'db.up': true, 'errors': 0, 'warning': null } },
      {
        name: 'create order',
        path: '/orders',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"sku":"42"}',
        expectedStatuses: [201, 202],
        bodyContains: 'id',
        versionHeader: 'X-App-Version',
        expectedVersion: '1.2.3',
        timeoutMs: 10000,
        latencyBudgetMs: 800,
        attempts: 3,
        retryDelayMs: 3000,
      },
    ]);
    expect(environment[SMOKE_EXPECTED_VERSION_ENV]).toBe('v7');
  });

  test('takes checks added after construction', () => {
    const { stack, hook } = smoke();
    hook.addCheck(SmokeCheck.get('/ready', { version: VersionSource.jsonField('build.version'), expectedVersion: ExpectedVersion.of('1.2.3') }));
    expect(synth(stack, hook).checks.map((check: { name: string }) => check.name)).toEqual(['GET /health', 'GET /ready']);
  });

  test('reads each check\'s secret at run time, that secret only, and never puts its value in the template', () => {
    const stack = testStack();
    const service = mockService(stack);
    const key = new kms.Key(stack, 'TokenKey');
    const token = new secretsmanager.Secret(stack, 'ApiToken', { encryptionKey: key });
    const hook = new SmokeTestHook(stack, 'SmokeTests', {
      service,
      checks: [SmokeCheck.get('/orders', { secret: token, secretHeaderName: 'X-Api-Token', secretPrefix: 'Token ', secretJsonField: 'token' })],
    });
    const { checks, statements, template, environment } = synth(stack, hook);
    const secretRef = `<${stack.getLogicalId(token.node.defaultChild as secretsmanager.CfnSecret)}>`;
    expect(checks).toEqual([{
      name: 'GET /orders', path: '/orders', secretArn: secretRef, secretHeader: 'x-api-token', secretPrefix: 'Token ', secretJsonKey: 'token',
    }]);
    const read = allowing(statements, 'secretsmanager:GetSecretValue');
    expect(read.map((s) => s.Resource)).toEqual([{ Ref: stack.getLogicalId(token.node.defaultChild as secretsmanager.CfnSecret) }]);
    expect(allowing(statements, 'kms:Decrypt')).toHaveLength(0); // granted on the key's policy, with kms:ViaService
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'kms:Decrypt',
          Principal: { AWS: { 'Fn::GetAtt': [stack.getLogicalId(hook.function.role!.node.defaultChild as never), 'Arn'] } },
          Condition: { StringEquals: Match.objectLike({ 'kms:ViaService': Match.anyValue() }) },
        })]),
      },
    });
    expect(JSON.stringify(environment)).not.toMatch(/resolve:secretsmanager|SecretString/);
    expect(wildcardActions(statements)).toEqual(['ec2:DescribeNetworkInterfaces']);
  });

  describe('the version deployed by the release', () => {
    const versionCheck = (expectedVersion?: ExpectedVersion) =>
      SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion });
    const deploymentActions = (statements: Statement[]) => statements
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('ecs:') || action.startsWith('codedeploy:ListDeploymentTargets') || action.startsWith('codedeploy:GetDeploymentTarget'));

    test('reads the green task definition\'s RELEASE_VERSION, from the deployment\'s targets, this service\'s task sets and any task definition', () => {
      const { stack, service, hook } = smoke({ checks: [versionCheck(ExpectedVersion.fromDeployedEnvironment())] });
      const { checks, environment, statements } = synth(stack, hook);

      expect(checks).toEqual([{ name: 'GET /version', path: '/version', versionJsonField: 'version', expectedVersionVariable: 'RELEASE_VERSION' }]);
      expect(JSON.parse(joinToText(environment[SMOKE_DEPLOYED_SERVICE_ENV]))).toEqual({
        cluster: joinToText(stack.resolve(service.cluster.clusterName)),
        service: joinToText(stack.resolve(service.service.serviceName)),
        container: 'web',
      });
      // The target reads have no resource-level permissions: a deployment-group ARN would be denied.
      for (const action of ['codedeploy:ListDeploymentTargets', 'codedeploy:GetDeploymentTarget']) {
        expect(allowing(statements, action).map(resourcesOf)).toEqual([['*']]);
      }
      const taskSets = allowing(statements, 'ecs:DescribeTaskSets');
      expect(taskSets).toHaveLength(1);
      expect(joinToText(taskSets[0].Resource)).toMatch(/^arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-set\/<Cluster\w+>\/<OrdersService\w+\.Name>\/\*$/);
      expect(allowing(statements, 'ecs:DescribeTaskDefinition').map(resourcesOf)).toEqual([['*']]);
      expect(wildcardActions(statements).sort()).toEqual([
        'codedeploy:GetDeploymentTarget', 'codedeploy:ListDeploymentTargets', 'ec2:DescribeNetworkInterfaces', 'ecs:DescribeTaskDefinition',
      ]);
      expect(hook._deployedVersionVariables).toEqual(['RELEASE_VERSION']);
    });

    test('the hook\'s expected version applies to the checks that read a version without their own', () => {
      const { stack, hook } = smoke({
        checks: [SmokeCheck.get('/health'), versionCheck()],
        expectedVersion: ExpectedVersion.fromDeployedEnvironment('APP_VERSION'),
      });
      const { environment, statements } = synth(stack, hook);

      expect(environment[SMOKE_EXPECTED_VERSION_VARIABLE_ENV]).toBe('APP_VERSION');
      expect(environment[SMOKE_EXPECTED_VERSION_ENV]).toBeUndefined();
      expect(environment[SMOKE_DEPLOYED_SERVICE_ENV]).toBeDefined();
      expect(deploymentActions(statements).sort()).toEqual([
        'codedeploy:GetDeploymentTarget', 'codedeploy:ListDeploymentTargets', 'ecs:DescribeTaskDefinition', 'ecs:DescribeTaskSets',
      ]);
      expect(hook._deployedVersionVariables).toEqual(['APP_VERSION']);
    });

    test('grants nothing more when no check uses it', () => {
      const cases = [
        smoke(),
        smoke({ checks: [versionCheck(ExpectedVersion.of('1.2.3'))] }),
        // The hook's default, but no check reads a version, or each has its own.
        smoke({ checks: [SmokeCheck.get('/health')], expectedVersion: ExpectedVersion.fromDeployedEnvironment() }),
        smoke({ checks: [versionCheck(ExpectedVersion.of('1.2.3'))], expectedVersion: ExpectedVersion.fromDeployedEnvironment() }),
      ];
      for (const { stack, hook } of cases) {
        const { environment, statements } = synth(stack, hook);
        expect(deploymentActions(statements)).toEqual([]);
        expect(environment[SMOKE_DEPLOYED_SERVICE_ENV]).toBeUndefined();
        expect(wildcardActions(statements)).toEqual(['ec2:DescribeNetworkInterfaces']);
      }
    });

    test('a check added later that uses it grants the reads once', () => {
      const { stack, hook } = smoke();
      hook.addCheck(versionCheck(ExpectedVersion.fromDeployedEnvironment()));
      hook.addCheck(SmokeCheck.get('/info', { version: VersionSource.header('x-app-version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment() }));
      const { statements } = synth(stack, hook);

      expect(allowing(statements, 'ecs:DescribeTaskDefinition')).toHaveLength(1);
      expect(allowing(statements, 'ecs:DescribeTaskSets')).toHaveLength(1);
    });

    test('in a VPC without NAT gateways, the ecs endpoint is required too', () => {
      const stack = testStack();
      const vpc = isolatedVpc(stack);
      const service = new BlueGreenService(stack, 'Orders', { vpc, image: testImage, serviceName: 'orders-api' });
      new SmokeTestHook(stack, 'SmokeTests', { service, checks: [versionCheck(ExpectedVersion.fromDeployedEnvironment())] });

      expect(() => Template.fromStack(stack)).toThrow(/missing: codedeploy, ec2, events, ecs\. Add them .*vpc\.addInterfaceEndpoint\('EcsEndpoint', \{ service: ec2\.InterfaceVpcEndpointAwsService\.ECS \}\)/);
    });
  });

  test('runs at BeforeAllowTraffic when asked, with a longer timeout', () => {
    const { stack, hook } = smoke({ lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC, timeout: Duration.minutes(10) });
    synth(stack, hook).template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 600 });
    expect(hook.lifecycleEvent).toBe(LifecycleEvent.BEFORE_ALLOW_TRAFFIC);
  });

  describe('over HTTPS', () => {
    const certificate = elbv2.ListenerCertificate.fromArn('arn:aws:acm:eu-west-1:111122223333:certificate/0f3e2d1c-0000-4000-8000-000000000000');

    test('checks the service\'s own host name, whose certificate the handler verifies', () => {
      const { stack, service, hook } = smoke({ hostName: 'orders.example.com' }, { certificate });
      const { environment } = synth(stack, hook);
      expect(environment[SMOKE_TEST_BASE_URL_ENV]).toBe(`https://orders.example.com:${service.testListenerPort}`);
      // Still through the load balancer's private addresses; verification is the handler's default.
      expect(environment[SMOKE_LOAD_BALANCER_FULL_NAME_ENV]).toBeDefined();
      expect(environment[SMOKE_VERIFY_TLS_ENV]).toBeUndefined();
    });

    test('verifyCertificate: false turns the verification off, and needs no host name', () => {
      const { stack, service, hook } = smoke({ verifyCertificate: false }, { certificate });
      const { environment } = synth(stack, hook);
      expect(environment[SMOKE_VERIFY_TLS_ENV]).toBe('false');
      expect(environment[SMOKE_TEST_BASE_URL_ENV]).toEqual(joinToText(stack.resolve(service.testUrl)));
    });

    test('fails when no host name is set while the certificate is verified', () => {
      failsAtSynthesis(() => smoke({}, { certificate }), 'TestStack/SmokeTests: invalid hostName: is not set, so the checks would verify the HTTPS '
        + 'test listener\'s certificate against the load balancer\'s DNS name, which no certificate for your domain covers, and fail every deployment; '
        + 'set hostName to the domain the certificate is issued for, or verifyCertificate: false to skip the verification');
    });

    test('fails when the host name is a URL', () => {
      failsAtSynthesis(() => smoke({ hostName: 'https://orders.example.com' }, { certificate }), 'TestStack/SmokeTests: invalid hostName: must be a DNS name '
        + 'without scheme, port or path, got \'https://orders.example.com\'; give the domain the test listener\'s certificate is issued for, e.g. \'orders.example.com\'');
    });
  });

  describe('fails when', () => {
    const check = (options: SmokeCheckOptions, path = '/health') => () => smoke({ checks: [SmokeCheck.get(path, options)] });

    test('a check reads a version that neither it nor the hook expects', () => {
      failsAtSynthesis(check({ version: VersionSource.header('x-app-version') }), 'TestStack/SmokeTests: invalid checks: smoke check "GET /health" reads the '
        + 'version from header \'x-app-version\' but expects none: neither the check nor the hook sets expectedVersion, and the smoke test would fail '
        + 'every deployment on it; set expectedVersion: ExpectedVersion.fromDeployedEnvironment() (the release ReleasePipeline deploys) or '
        + 'ExpectedVersion.of(\'1.2.3\') on the check or the hook, or remove version');
      failsAtSynthesis(check({ version: VersionSource.jsonField('build.version') }), /reads the version from JSON field 'build.version' but expects none/);
      // Either expectation is enough.
      const { stack } = smoke({ checks: [SmokeCheck.get('/v', { version: VersionSource.header('x-app-version') })], expectedVersion: ExpectedVersion.of('1.2.3') });
      expect(synthErrors(stack.node.root as App)).toEqual([]);
    });

    test('a check\'s timeout is over 60 seconds', () => {
      failsAtSynthesis(check({ timeout: Duration.seconds(120) }), 'TestStack/SmokeTests: invalid checks: smoke check "GET /health" timeout must be '
        + 'between 1 and 60 seconds, got 120 seconds; lower it or split the check');
    });

    test('a check\'s timeout is under a second', () => {
      failsAtSynthesis(check({ timeout: Duration.millis(500) }), /smoke check "GET \/health" timeout must be between 1 and 60 seconds, got 0.5 seconds/);
    });

    test('a latency budget exceeds the timeout', () => {
      failsAtSynthesis(check({ timeout: Duration.seconds(2), latencyBudget: Duration.seconds(3) }),
        /smoke check "GET \/health" latencyBudget \(3 seconds\) exceeds its timeout \(2 seconds\); lower the budget or raise the timeout/);
    });

    test('a latency budget exceeds the default timeout', () => {
      failsAtSynthesis(check({ latencyBudget: Duration.seconds(6) }), /latencyBudget \(6 seconds\) exceeds its timeout \(5 seconds, the default\)/);
    });

    test('a path does not start with /', () => {
      failsAtSynthesis(check({}, 'health'), 'TestStack/SmokeTests: invalid checks: smoke check "GET health" path must start with \'/\', got \'health\'; for example \'/health\'');
    });

    test('an expected status is outside 100-599', () => {
      failsAtSynthesis(check({ expectedStatuses: [200, 600] }), /expectedStatuses must be HTTP statuses between 100 and 599, got 600/);
      failsAtSynthesis(check({ expectedStatuses: [99] }), /got 99/);
    });

    test('no status is expected', () => {
      failsAtSynthesis(check({ expectedStatuses: [] }), /expectedStatuses is empty; list the statuses that pass/);
    });

    test('retries are out of range', () => {
      failsAtSynthesis(check({ retries: 20 }), /retries must be a whole number from 0 to 19, got 20/);
      failsAtSynthesis(check({ retries: -1 }), /got -1/);
      failsAtSynthesis(check({ retries: 1.5 }), /got 1.5/);
    });

    test('the retry delay is over 60 seconds', () => {
      failsAtSynthesis(check({ retryDelay: Duration.minutes(2) }), /retryDelay must be between 0 and 60 seconds, got 120 seconds/);
    });

    test('two checks have the same name', () => {
      failsAtSynthesis(() => smoke({ checks: [SmokeCheck.get('/health'), SmokeCheck.get('/health')] }),
        'TestStack/SmokeTests: invalid checks: smoke check "GET /health" is defined twice; give each check its own name');
    });

    test('there is no check', () => {
      const { stack } = smoke({ checks: [] });
      expect(() => Template.fromStack(stack))
        .toThrow(/TestStack\/SmokeTests: invalid checks: a smoke test needs at least one check; add one, e.g. SmokeCheck.get\('\/health'\)/);
    });

    test('the headers carry the secret\'s header', () => {
      const stack = testStack();
      const secret = new secretsmanager.Secret(stack, 'Token');
      expectSynthError(stack, () => new SmokeTestHook(stack, 'SmokeTests', {
        service: mockService(stack),
        checks: [SmokeCheck.get('/orders', { secret, headers: { Authorization: 'Bearer x' } })],
      }), /smoke check "GET \/orders" headers contain 'Authorization', the header that carries its secret; remove it from headers/);
    });

    test('the headers carry a credential in plain text', () => {
      failsAtSynthesis(check({ headers: { 'X-Api-Key': 'abc' } }),
        /headers contain 'X-Api-Key', a credential, which would be stored in plain text in the function's configuration; pass it as secret/);
    });

    test('a header holds a secret value', () => {
      const stack = testStack();
      const secret = new secretsmanager.Secret(stack, 'Token');
      expectSynthError(stack, () => new SmokeTestHook(stack, 'SmokeTests', {
        service: mockService(stack),
        checks: [SmokeCheck.get('/orders', { headers: { 'X-Token': secret.secretValue.unsafeUnwrap() } })],
      }), /header 'X-Token' holds a secret value/);
      expect(() => SmokeCheck.get('/x', { headers: { 'X-Other': SecretValue.ssmSecure('/token').unsafeUnwrap() } })).not.toThrow();
    });

    test('an expected version has nowhere to be read from', () => {
      failsAtSynthesis(check({ expectedVersion: ExpectedVersion.of('1.0.0') }), /has an expectedVersion but nowhere to read the version from; set version: VersionSource.header/);
    });

    test('an expected version reads a deployed variable whose name is not an environment variable name', () => {
      failsAtSynthesis(check({ version: VersionSource.header('x-app-version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment('release-version') }),
        'TestStack/SmokeTests: invalid checks: smoke check "GET /health" expectedVersion reads the deployed environment variable '
          + '\'release-version\', which is not an environment variable name; use letters, digits and \'_\', not starting with a digit, e.g. \'RELEASE_VERSION\'');
      failsAtSynthesis(() => smoke({ expectedVersion: ExpectedVersion.fromDeployedEnvironment('1VERSION') }),
        'TestStack/SmokeTests: invalid expectedVersion: reads the deployed environment variable \'1VERSION\', which is not an environment variable name');
    });

    test('an expected version is empty', () => {
      failsAtSynthesis(check({ version: VersionSource.header('x-app-version'), expectedVersion: ExpectedVersion.of(' ') }),
        /smoke check "GET \/health" expectedVersion is empty; pass the version the new tasks report, or ExpectedVersion.fromDeployedEnvironment\(\)/);
    });

    test('an expected version is a plain string', () => {
      const legacy = { expectedVersion: '1.2.3' } as unknown as SmokeTestHookProps;
      failsAtSynthesis(() => smoke(legacy), 'TestStack/SmokeTests: invalid expectedVersion: must be an ExpectedVersion, got \'1.2.3\'; '
        + 'pass ExpectedVersion.of(\'1.2.3\') or ExpectedVersion.fromDeployedEnvironment()');
    });

    test('secret options come without a secret', () => {
      failsAtSynthesis(check({ secretHeaderName: 'x-token' }), /sets secretHeaderName, secretPrefix or secretJsonField without a secret/);
    });

    test('the hook runs before the test listener reaches the new version', () => {
      failsAtSynthesis(() => smoke({ lifecycleEvent: LifecycleEvent.AFTER_INSTALL }), 'TestStack/SmokeTests: invalid lifecycleEvent: must be one of '
        + 'AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic, got AfterInstall; before AfterAllowTestTraffic the test listener '
        + 'still routes to the old version, so the checks would test it');
    });

    test('the hook timeout is under 30 seconds or over 15 minutes', () => {
      failsAtSynthesis(() => smoke({ timeout: Duration.seconds(10) }), /invalid timeout: must be between 30 seconds and 15 minutes, got 10 seconds/);
      failsAtSynthesis(() => smoke({ timeout: Duration.minutes(20) }), /got 20 minutes/);
    });

    test('two props are invalid, reporting both in one synthesis', () => {
      const { stack } = smoke({ lifecycleEvent: LifecycleEvent.AFTER_INSTALL, timeout: Duration.seconds(10) });
      expect(synthErrors(stack.node.root as App)).toEqual([
        expect.stringContaining('TestStack/SmokeTests: invalid lifecycleEvent: must be one of AfterAllowTestTraffic, BeforeAllowTraffic, '
          + 'AfterAllowTraffic, got AfterInstall'),
        expect.stringContaining('TestStack/SmokeTests: invalid timeout: must be between 30 seconds and 15 minutes, got 10 seconds'),
      ]);
    });

    test('a check is invalid, reporting it alone, not also an empty list of checks', () => {
      const { stack } = smoke({ checks: [SmokeCheck.get('health')] });
      expect(synthErrors(stack.node.root as App)).toEqual([
        expect.stringContaining('TestStack/SmokeTests: invalid checks: smoke check "GET health" path must start with \'/\''),
      ]);
    });

    test('the checks outgrow the service\'s configuration parameter', () => {
      const { stack } = smoke({
        checks: Array.from({ length: 60 }, (_, i) => SmokeCheck.get(`/catalog/items/${i}`, { bodyContains: 'a'.repeat(100) })),
      });
      expect(() => Template.fromStack(stack)).toThrow(/invalid checks: the hook configuration of orders-api, checks included, takes about \d+ bytes, over the 8192-byte limit of an SSM parameter/);
    });

    test('the checks outgrow the environment of a hook\'s own function', () => {
      const stack = testStack();
      const role = new iam.Role(stack, 'UserRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      new SmokeTestHook(stack, 'SmokeTests', {
        service: mockService(stack),
        role,
        checks: Array.from({ length: 30 }, (_, i) => SmokeCheck.get(`/catalog/items/${i}`, { bodyContains: 'a'.repeat(100) })),
      });
      expect(() => Template.fromStack(stack)).toThrow(/invalid checks: they take about \d+ bytes of the function's environment, over Lambda's 4096-byte limit/);
    });
  });
});

/** The rules out of `group`, inline and standalone. */
function hookEgressOf(stack: Stack, template: Template, group: ec2.ISecurityGroup): Array<Record<string, unknown>> {
  return [
    ...(template.toJSON().Resources[stack.getLogicalId(group.node.defaultChild as ec2.CfnSecurityGroup)].Properties.SecurityGroupEgress ?? []),
    ...Object.values(template.findResources('AWS::EC2::SecurityGroupEgress', { Properties: { GroupId: groupId(stack, group) } }))
      .map((rule) => rule.Properties),
  ];
}
