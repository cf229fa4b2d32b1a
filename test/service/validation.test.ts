import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { BlueGreenService, BlueGreenServiceProps } from '../../lib';
import { expectSynthError, synthErrors } from '../synth-errors';
import { mockCluster, testImage, testStack } from '../util';

function serviceOn(stack: Stack, id: string, props: Partial<BlueGreenServiceProps> = {}): BlueGreenService {
  const vpc = props.vpc ?? (stack.node.tryFindChild('Vpc') as ec2.Vpc | undefined) ?? mockCluster(stack).vpc;
  return new BlueGreenService(stack, id, { vpc, image: testImage, ...props });
}

/** The CIDR sources (IPv4 and IPv6) admitted on `port` by the load balancer's security group. */
function sourcesOnPort(stack: Stack, port: number): unknown[] {
  const sgs = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup', {
    Properties: { GroupDescription: Match.stringLikeRegexp('LoadBalancer|Alb') },
  });
  return Object.values(sgs)
    .flatMap((sg) => (sg.Properties.SecurityGroupIngress ?? []) as Array<{ FromPort: number; CidrIp?: unknown; CidrIpv6?: unknown }>)
    .filter((rule) => rule.FromPort === port)
    .map((rule) => rule.CidrIp ?? rule.CidrIpv6);
}

const VPC_CIDR = { 'Fn::GetAtt': [expect.stringMatching(/^Vpc/), 'CidrBlock'] };

describe('BlueGreenService production listener peers', () => {
  test('an internal load balancer passed in admits the VPC on the production port, not the internet', () => {
    const stack = testStack();
    const { vpc } = mockCluster(stack);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: false });
    serviceOn(stack, 'Svc', { loadBalancer: alb });
    expect(sourcesOnPort(stack, 80)).toEqual([VPC_CIDR]);
  });

  test('an internal load balancer created here admits the VPC, an internet-facing one anyone', () => {
    const internal = testStack('Internal');
    serviceOn(internal, 'Svc', { internetFacing: false });
    expect(sourcesOnPort(internal, 80)).toEqual([VPC_CIDR]);
    const internetFacing = testStack('InternetFacing');
    serviceOn(internetFacing, 'Svc');
    expect(sourcesOnPort(internetFacing, 80)).toEqual(['0.0.0.0/0']);
  });

  test('an internet-facing dual-stack load balancer admits anyone over IPv4 and IPv6', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, ipProtocol: ec2.IpProtocol.DUAL_STACK });
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true, ipAddressType: elbv2.IpAddressType.DUAL_STACK });
    serviceOn(stack, 'Svc', { vpc, loadBalancer: alb });
    expect(sourcesOnPort(stack, 80)).toEqual(expect.arrayContaining(['0.0.0.0/0', '::/0']));
    expect(sourcesOnPort(stack, 80)).toHaveLength(2);
  });

  test('an imported load balancer, whose scheme is unknown, admits the VPC and warns', () => {
    const stack = testStack();
    const { vpc } = mockCluster(stack);
    const alb = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Alb', {
      loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/shared/abc',
      securityGroupId: 'sg-12345678',
      loadBalancerDnsName: 'shared-123.eu-west-1.elb.amazonaws.com',
      vpc,
    });
    serviceOn(stack, 'Svc', { loadBalancer: alb });
    const ingress = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroupIngress', { Properties: { FromPort: 80 } });
    expect(Object.values(ingress).map((r) => r.Properties.CidrIp)).toEqual([VPC_CIDR]);
    Annotations.fromStack(stack).hasWarning('/TestStack/Svc', Match.stringLikeRegexp('scheme of the given load balancer .* is not known here'));
  });

  test('fails when productionListenerPeers is empty', () => {
    const stack = testStack();
    expectSynthError(stack, () => serviceOn(stack, 'Svc', { productionListenerPeers: [] }),
      /TestStack\/Svc: invalid productionListenerPeers: is empty, so nothing could reach the production listener; leave it unset for the default/);
  });
});

describe('BlueGreenService load balancer checks', () => {
  test('fails when the load balancer is in another VPC than the service', () => {
    const stack = testStack();
    const { vpc } = mockCluster(stack);
    const other = new ec2.Vpc(stack, 'Other', { maxAzs: 2, natGateways: 0 });
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc: other });
    expectSynthError(stack, () => serviceOn(stack, 'Svc', { vpc, loadBalancer: alb }),
      /TestStack\/Svc: invalid loadBalancer: TestStack\/Alb is in VPC TestStack\/Other, the service in VPC TestStack\/Vpc; .*pass a load balancer of the service's VPC/);
  });

  test('fails when two services put their production listeners on one port of a load balancer, reported once', () => {
    const stack = testStack();
    const { vpc } = mockCluster(stack);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    serviceOn(stack, 'Orders', { loadBalancer: alb });
    serviceOn(stack, 'Payments', { loadBalancer: alb, testListenerPort: 9090 });
    const errors = synthErrors(stack.node.root as App);
    expect(errors).toEqual([expect.stringMatching(new RegExp('TestStack/Payments: invalid listenerPort: port 80 of load balancer TestStack/Alb '
      + 'already has a listener \\(of service TestStack/Orders\\); .*Use another listenerPort, or another load balancer'))]);
  });

  test('fails when a test listener takes a port another service listens on', () => {
    const stack = testStack();
    const { vpc } = mockCluster(stack);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    serviceOn(stack, 'Orders', { loadBalancer: alb });
    expectSynthError(stack, () => serviceOn(stack, 'Payments', { loadBalancer: alb, listenerPort: 81 }),
      /TestStack\/Payments: invalid testListenerPort: port 8080 of load balancer TestStack\/Alb already has a listener \(of service TestStack\/Orders\)/);
  });

  test('fails when a listener added to the load balancer later takes the service\'s port', () => {
    const stack = testStack();
    const { vpc } = mockCluster(stack);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    serviceOn(stack, 'Orders', { loadBalancer: alb });
    alb.addListener('Admin', { port: 8080, open: false, defaultAction: elbv2.ListenerAction.fixedResponse(404) });
    expect(() => Template.fromStack(stack)).toThrow(/TestStack\/Orders: invalid testListenerPort: port 8080 of load balancer TestStack\/Alb already has a listener \(TestStack\/Alb\/Admin\)/);
  });

  test('two services on one load balancer with ports of their own synthesize', () => {
    const stack = testStack();
    const { vpc } = mockCluster(stack);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc });
    serviceOn(stack, 'Orders', { loadBalancer: alb });
    serviceOn(stack, 'Payments', { loadBalancer: alb, listenerPort: 81, testListenerPort: 8081 });
    Template.fromStack(stack).resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 4);
  });
});

describe('BlueGreenService reports every invalid prop at once', () => {
  test('three invalid props on two services fail one synthesis with three messages', () => {
    const stack = testStack();
    expect(() => {
      serviceOn(stack, 'Orders', { cpu: 300, desiredCount: 0 });
      serviceOn(stack, 'Payments', { healthCheckPath: 'health' });
    }).not.toThrow();
    expect(synthErrors(stack.node.root as App)).toEqual([
      expect.stringContaining('TestStack/Orders: invalid desiredCount: must be an integer between 1 and 5000, got 0'),
      expect.stringContaining('TestStack/Orders: invalid cpu: cpu must be one of 256, 512'),
      expect.stringContaining("TestStack/Payments: invalid healthCheckPath: must start with '/', got 'health'"),
    ]);
  });

  test('under the CLI, which reports validation itself, the problems become error annotations, once', () => {
    const app = new App({ builtinCloudFormationValidation: false, context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
    const stack = new Stack(app, 'Cli');
    serviceOn(stack, 'Orders', { cpu: 300 });
    app.synth();
    app.synth({ force: true });
    const errors = Annotations.fromStack(stack).findError('/Cli/Orders', Match.stringLikeRegexp('invalid cpu'));
    expect(errors).toHaveLength(1);
    expect(errors[0].entry.data).toMatch(/^Cli\/Orders: invalid cpu: cpu must be one of 256/);
  });
});
