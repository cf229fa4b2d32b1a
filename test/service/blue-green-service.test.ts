import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { BlueGreenService, BlueGreenServiceProps, TrafficShifting } from '../../lib';
import { expectSynthError } from '../synth-errors';
import { defaultService, isolatedVpc, mockCluster, serviceIn, testImage, testStack } from '../util';



function certificate(stack: Stack): elbv2.IListenerCertificate {
  return elbv2.ListenerCertificate.fromCertificateManager(
    acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:111111111111:certificate/abc'));
}

describe('BlueGreenService', () => {
  test('runs a Fargate service with the CODE_DEPLOY deployment controller on the blue target group', () => {
    const { stack, service, template } = defaultService();

    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 2,
      DeploymentController: { Type: 'CODE_DEPLOY' },
      LoadBalancers: [{
        ContainerName: 'web',
        ContainerPort: 8080,
        TargetGroupArn: { Ref: stack.getLogicalId(service.blueTargetGroup.node.defaultChild as elbv2.CfnTargetGroup) },
      }],
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
    template.allResourcesProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetType: 'ip',
      Port: 8080,
      Protocol: 'HTTP',
      HealthCheckPath: '/',
    });
  });

  test('the service waits for the production listener, so ECS finds the target group attached', () => {
    const { stack, service, template } = defaultService();
    const serviceId = stack.getLogicalId(service.service.node.defaultChild as ecs.CfnService);
    const listenerId = stack.getLogicalId(service.productionListener.node.defaultChild as elbv2.CfnListener);
    expect(template.toJSON().Resources[serviceId].DependsOn).toContain(listenerId);
  });

  test('task definition carries image, port, environment, secrets and a log group with retention', () => {
    const stack = testStack();
    const secret = new secretsmanager.Secret(stack, 'DbPassword');
    serviceIn(stack, {
      cpu: 512,
      memoryLimitMiB: 2048,
      environment: { LOG_LEVEL: 'debug' },
      secrets: { DB_PASSWORD: ecs.Secret.fromSecretsManager(secret) },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '2048',
      ContainerDefinitions: [Match.objectLike({
        Name: 'web',
        Image: 'public.ecr.aws/nginx/nginx:stable',
        PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
        Environment: [{ Name: 'LOG_LEVEL', Value: 'debug' }],
        Secrets: [Match.objectLike({ Name: 'DB_PASSWORD' })],
        LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
      })],
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('production listener forwards to blue, test listener to green', () => {
    const { stack, service, template } = defaultService();
    const blue = stack.getLogicalId(service.blueTargetGroup.node.defaultChild as elbv2.CfnTargetGroup);
    const green = stack.getLogicalId(service.greenTargetGroup.node.defaultChild as elbv2.CfnTargetGroup);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: blue } }],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 8080, Protocol: 'HTTP', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: green } }],
    });
  });

  test('deployment group names both target groups and both listeners, keeps blue for the termination wait and rolls back', () => {
    const stack = testStack();
    const service = serviceIn(stack, { terminationWait: Duration.minutes(45) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      DeploymentStyle: { DeploymentType: 'BLUE_GREEN', DeploymentOption: 'WITH_TRAFFIC_CONTROL' },
      DeploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: Match.arrayWith(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST']),
      },
      BlueGreenDeploymentConfiguration: {
        TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: 45 },
        DeploymentReadyOption: { ActionOnTimeout: 'CONTINUE_DEPLOYMENT', WaitTimeInMinutes: 0 },
      },
      LoadBalancerInfo: {
        TargetGroupPairInfoList: [{
          ProdTrafficRoute: { ListenerArns: [{ Ref: stack.getLogicalId(service.productionListener.node.defaultChild as elbv2.CfnListener) }] },
          TestTrafficRoute: { ListenerArns: [{ Ref: stack.getLogicalId(service.testListener.node.defaultChild as elbv2.CfnListener) }] },
          TargetGroups: [
            { Name: { 'Fn::GetAtt': [stack.getLogicalId(service.blueTargetGroup.node.defaultChild as elbv2.CfnTargetGroup), 'TargetGroupName'] } },
            { Name: { 'Fn::GetAtt': [stack.getLogicalId(service.greenTargetGroup.node.defaultChild as elbv2.CfnTargetGroup), 'TargetGroupName'] } },
          ],
        }],
      },
    });
  });

  test('an approval wait stops the deployment unless someone continues it', () => {
    const stack = testStack();
    serviceIn(stack, { approvalWait: Duration.hours(2) });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      BlueGreenDeploymentConfiguration: Match.objectLike({
        DeploymentReadyOption: { ActionOnTimeout: 'STOP_DEPLOYMENT', WaitTimeInMinutes: 120 },
      }),
    });
  });

  test('the test listener admits the VPC CIDR and never the internet by default', () => {
    const { template } = defaultService();
    const sgs = template.findResources('AWS::EC2::SecurityGroup', {
      Properties: { GroupDescription: Match.stringLikeRegexp('LoadBalancer') },
    });
    const ingress = Object.values(sgs).flatMap((sg) => sg.Properties.SecurityGroupIngress ?? []);
    const onTestPort = ingress.filter((rule: { FromPort: number }) => rule.FromPort === 8080);
    expect(onTestPort).toHaveLength(1);
    expect(onTestPort[0].CidrIp).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Vpc/), 'CidrBlock'] });
    const onProductionPort = ingress.filter((rule: { FromPort: number }) => rule.FromPort === 80);
    expect(onProductionPort).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0' })]);
  });

  test('the test listener admits the peers the user names instead', () => {
    const stack = testStack();
    serviceIn(stack, { testListenerPeers: [ec2.Peer.ipv4('10.99.0.0/16')] });
    const template = Template.fromStack(stack);
    const sgs = template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('LoadBalancer') } });
    const ingress = Object.values(sgs).flatMap((sg) => sg.Properties.SecurityGroupIngress ?? []);
    expect(ingress.filter((rule: { FromPort: number }) => rule.FromPort === 8080)).toEqual([expect.objectContaining({ CidrIp: '10.99.0.0/16' })]);
  });

  test('allowTestListenerFrom opens the test port to a security group and nothing else', () => {
    const stack = testStack();
    const service = serviceIn(stack);
    const hookSg = new ec2.SecurityGroup(stack, 'HookSg', { vpc: service.vpc });
    service.allowTestListenerFrom(hookSg);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 8080,
      ToPort: 8080,
      IpProtocol: 'tcp',
      SourceSecurityGroupId: { 'Fn::GetAtt': [stack.getLogicalId(hookSg.node.defaultChild as ec2.CfnSecurityGroup), 'GroupId'] },
    });
  });

  test('HTTPS with a certificate on 443 and 8443', () => {
    const stack = testStack();
    const service = serviceIn(stack, { certificate: certificate(stack) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: Match.anyValue() }] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 8443, Protocol: 'HTTPS' });
    expect(stack.resolve(service.testUrl)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/LoadBalancer/), 'DNSName'] }, ':8443']] });
  });

  test('HTTPS on 443 redirects port 80 to it; HTTP gets no redirect', () => {
    const stack = testStack();
    const service = serviceIn(stack, { certificate: certificate(stack) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
    });
    expect(service.redirectListener).toBeDefined();
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 3);

    const plain = testStack('Plain');
    expect(serviceIn(plain).redirectListener).toBeUndefined();
    Template.fromStack(plain).resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
  });

  test('fails when a redirect is asked for without HTTPS', () => {
    const stack = testStack();
    expectSynthError(stack, () => serviceIn(stack, { redirectHttp: true }), /invalid redirectHttp: needs HTTPS listeners; give a certificate/);
  });

  test('adds no default redirect when the test listener takes port 80', () => {
    const stack = testStack();
    const service = serviceIn(stack, { certificate: certificate(stack), testListenerPort: 80 });
    expect(service.redirectListener).toBeUndefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTPS' });
  });

  test('fails when the redirect would take a port already in use', () => {
    const stack = testStack();
    expectSynthError(stack, () => serviceIn(stack, { certificate: certificate(stack), testListenerPort: 80, redirectHttp: true }),
      /invalid redirectHttp: takes port 80, which listenerPort or testListenerPort already uses/);
  });

  test('outputs the service URL, the test URL and the CodeDeploy console link', () => {
    const { template } = defaultService();
    const outputs = template.toJSON().Outputs;
    const descriptions = Object.values(outputs).map((o) => (o as { Description: string }).Description);
    expect(descriptions).toEqual(expect.arrayContaining([
      'orders-api: production URL',
      'orders-api: test listener URL (reachable from inside the VPC only)',
      'orders-api: CodeDeploy deployment group in the AWS console',
    ]));
    const link = Object.values(outputs).find((o) => (o as { Description: string }).Description.includes('console')) as { Value: unknown };
    expect(JSON.stringify(link.Value)).toContain('console.aws.amazon.com/codesuite/codedeploy/applications/');
    expect(JSON.stringify(link.Value)).toContain('/deployment-groups/');
  });

  test('creates a VPC and cluster when none are given, and uses a given load balancer', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Shared', { maxAzs: 2 });
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'SharedAlb', { vpc, internetFacing: false });
    const service = new BlueGreenService(stack, 'Svc', { vpc, loadBalancer: alb, image: testImage });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    expect(service.loadBalancer).toBe(alb);
    expect(service.serviceName).toBe('Svc');

    const standalone = testStack('Standalone');
    new BlueGreenService(standalone, 'Svc', { image: testImage });
    const t2 = Template.fromStack(standalone);
    t2.resourceCountIs('AWS::EC2::VPC', 1);
    t2.resourceCountIs('AWS::EC2::FlowLog', 1);
    t2.resourceCountIs('AWS::ECS::Cluster', 1);
    t2.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
  });

  test('tasks run in private subnets with egress, or isolated ones in a VPC without NAT', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack, 'NoNat');
    const service = new BlueGreenService(stack, 'Svc', { vpc, image: testImage });
    expect(service.serviceSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::Service', {
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({
        Subnets: vpc.isolatedSubnets.map((subnet) => ({ Ref: stack.getLogicalId(subnet.node.defaultChild as ec2.CfnSubnet) })),
      }) },
    });

    const withEgress = serviceIn(testStack('WithEgress'));
    expect(withEgress.serviceSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  });

  test('fails when the VPC has public subnets only', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'PublicOnly', { maxAzs: 2, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
    expectSynthError(stack, () => new BlueGreenService(stack, 'Svc', { vpc, image: testImage }),
      /Svc: invalid vpc: has no private or isolated subnets; the tasks must not run in public subnets/);
  });

  test('metric helpers cover both target groups', () => {
    const stack = testStack();
    const service = serviceIn(stack);
    const cases: Array<[cloudwatch.IMetric, string, string]> = [
      [service.metricRequestCount(), 'SUM', 'RequestCount'],
      [service.metricTarget5xxCount(), 'SUM', 'HTTPCode_Target_5XX_Count'],
    ];
    for (const [metric, fn, name] of cases) {
      const config = metric.toMetricConfig().mathExpression!;
      expect(config.expression).toBe(`${fn}([FILL(blue, 0), FILL(green, 0)])`);
      const blue = config.usingMetrics.blue.toMetricConfig().metricStat!;
      const green = config.usingMetrics.green.toMetricConfig().metricStat!;
      expect(blue.metricName).toBe(name);
      expect(green.metricName).toBe(name);
      expect(stack.resolve(blue.dimensions)).not.toEqual(stack.resolve(green.dimensions));
    }
    // Response time and unhealthy targets are what the rollback alarms watch: the worse target group.
    expect(stack.resolve(service.metricTargetResponseTime().toMetricConfig()))
      .toEqual(stack.resolve(service.rollbackAlarms!.metricTargetResponseTime().toMetricConfig()));
    expect(stack.resolve(service.metricUnhealthyHostCount().toMetricConfig()))
      .toEqual(stack.resolve(service.rollbackAlarms!.metricUnhealthyHostCount().toMetricConfig()));
    expect(service.metricTargetResponseTime().toMetricConfig().mathExpression!.usingMetrics.latency1.toMetricConfig().metricStat!.statistic).toBe('p99');
  });

  describe('traffic shifting', () => {
    test('a predefined canary reuses CodeDeploy\'s configuration', () => {
      const stack = testStack();
      serviceIn(stack, { trafficShifting: TrafficShifting.canary(10, Duration.minutes(15)) });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::CodeDeploy::DeploymentConfig', 0);
      template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent15Minutes' });
    });

    test('a custom canary creates a deployment configuration', () => {
      const stack = testStack();
      serviceIn(stack, { trafficShifting: TrafficShifting.canary(20, Duration.minutes(7)) });
      Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
        ComputePlatform: 'ECS',
        TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryPercentage: 20, CanaryInterval: 7 } },
      });
    });

    test('linear and all at once', () => {
      const linear = testStack('Linear');
      serviceIn(linear, { trafficShifting: TrafficShifting.linear(25, Duration.minutes(2)) });
      Template.fromStack(linear).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
        TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearPercentage: 25, LinearInterval: 2 } },
      });
      const allAtOnce = testStack('AllAtOnce');
      serviceIn(allAtOnce, { trafficShifting: TrafficShifting.allAtOnce() });
      Template.fromStack(allAtOnce).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', { DeploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce' });
      expect(TrafficShifting.linear(25, Duration.minutes(2)).describe()).toBe('linear 25% every 2 minutes');
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, Partial<BlueGreenServiceProps>, RegExp]> = [
      ['canary percent is 0', { trafficShifting: TrafficShifting.canary(0, Duration.minutes(5)) },
        /Orders: invalid trafficShifting \(canary\) percentage: must be an integer between 1 and 99, got 0/],
      ['canary percent is 100', { trafficShifting: TrafficShifting.canary(100, Duration.minutes(5)) }, /between 1 and 99, got 100; use a whole percent/],
      ['linear percent is fractional', { trafficShifting: TrafficShifting.linear(12.5, Duration.minutes(5)) }, /\(linear\) percentage: must be an integer between 1 and 99, got 12.5/],
      ['canary interval is not whole minutes', { trafficShifting: TrafficShifting.canary(10, Duration.seconds(90)) }, /interval: must be a whole number of minutes, got 1 minute 30 seconds/],
      ['linear interval exceeds two days', { trafficShifting: TrafficShifting.linear(10, Duration.minutes(2881)) }, /interval: must be between 1 and 2880 minutes, got 2881 minutes/],
      ['container port is 0', { containerPort: 0 }, /invalid containerPort: must be an integer between 1 and 65535, got 0/],
      ['listener port is 70000', { listenerPort: 70000 }, /invalid listenerPort: must be an integer between 1 and 65535, got 70000/],
      ['test port equals production port', { listenerPort: 8080, testListenerPort: 8080 }, /invalid testListenerPort: must differ from listenerPort, both are 8080/],
      ['desired count is 0', { desiredCount: 0 }, /invalid desiredCount: must be an integer between 1 and 5000, got 0; run at least one task/],
      ['cpu is not a Fargate size', { cpu: 300 }, /invalid cpu: cpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384, got 300/],
      ['memory does not fit the cpu', { cpu: 256, memoryLimitMiB: 4096 }, /invalid memoryLimitMiB: memoryLimitMiB 4096 is not a size Fargate accepts with cpu 256; use 512, 1024, 2048/],
      ['memory steps are wrong', { cpu: 1024, memoryLimitMiB: 2500 }, /use 2048 to 8192 in steps of 1024/],
      ['health-check path lacks a slash', { healthCheckPath: 'health' }, /invalid healthCheckPath: must start with '\/', got 'health'/],
      ['health-check interval is 2 s', { healthCheckInterval: Duration.seconds(2) }, /invalid healthCheckInterval: must be between 6 and 300 seconds, got 2 seconds/],
      // The ALB rejects an interval equal to its 5-second timeout at deploy time.
      ['health-check interval equals the 5 s timeout', { healthCheckInterval: Duration.seconds(5) },
        /invalid healthCheckInterval: must be between 6 and 300 seconds, got 5 seconds; the load balancer needs it longer than its 5-second health-check timeout/],
      ['deregistration delay is 2 hours', { deregistrationDelay: Duration.hours(2) }, /invalid deregistrationDelay: must be between 0 and 3600 seconds, got 7200 seconds/],
      ['termination wait exceeds two days', { terminationWait: Duration.days(3) }, /invalid terminationWait: must be between 0 and 2880 minutes, got 4320 minutes/],
      ['approval wait is 0', { approvalWait: Duration.minutes(0) }, /invalid approvalWait: must be between 1 and 2880 minutes, got 0 minutes/],
      ['termination wait is not whole minutes', { terminationWait: Duration.seconds(30) }, /invalid terminationWait: must be a whole number of minutes/],
      // Durations in milliseconds must fail with the construct path and prop, not CDK's bare conversion error.
      ['termination wait has milliseconds', { terminationWait: Duration.millis(90_500) }, /Orders: invalid terminationWait: must be a whole number of minutes, got 1 minute 30 seconds/],
      ['health-check interval has milliseconds', { healthCheckInterval: Duration.millis(10_500) },
        /Orders: invalid healthCheckInterval: must be a whole number of seconds, got 10 seconds 500 millis/],
      ['deregistration delay has milliseconds', { deregistrationDelay: Duration.millis(1_500) },
        /Orders: invalid deregistrationDelay: must be a whole number of seconds, got 1 second 500 millis/],
      ['HTTPS without a certificate', { protocol: elbv2.ApplicationProtocol.HTTPS }, /invalid certificate: is required with protocol HTTPS/],
      ['container name has spaces', { containerName: 'my web' }, /invalid containerName: must be 1-255 letters, digits, hyphens or underscores, got 'my web'/],
      ['test listener peers are empty', { testListenerPeers: [] }, /invalid testListenerPeers: is empty/],
    ];
    test.each(cases)('fails when %s', (_name, props, message) => {
      const stack = testStack();
      expectSynthError(stack, () => serviceIn(stack, props), message);
    });

    test('fails when HTTP is asked for with a certificate', () => {
      const stack = testStack();
      expectSynthError(stack, () => serviceIn(stack, { protocol: elbv2.ApplicationProtocol.HTTP, certificate: certificate(stack) }),
        /invalid protocol: is HTTP but a certificate was given/);
    });

    test('fails when internetFacing is set with an existing load balancer', () => {
      const stack = testStack();
      const { vpc, cluster } = mockCluster(stack);
      const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
      expectSynthError(stack, () => new BlueGreenService(stack, 'Svc', { cluster, loadBalancer: alb, internetFacing: false, image: testImage }),
        /Svc: invalid internetFacing: only applies to a load balancer created here/);
    });

    test('fails when the VPC differs from the cluster\'s', () => {
      const stack = testStack();
      const { cluster } = mockCluster(stack);
      const other = new ec2.Vpc(stack, 'Other', { maxAzs: 1 });
      expectSynthError(stack, () => new BlueGreenService(stack, 'Svc', { cluster, vpc: other, image: testImage }),
        /Svc: invalid vpc: differs from the VPC of the given cluster/);
    });
  });
});
