import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BlueGreenService, BlueGreenServiceProps, SharedLoadBalancer } from '../../lib';
import { synthErrors } from '../synth-errors';
import { isolatedVpc, mockCluster, testImage, testStack } from '../util';

function service(stack: Stack, id: string, props: Partial<BlueGreenServiceProps> = {}): BlueGreenService {
  const vpc = props.vpc ?? (stack.node.tryFindChild('Vpc') as ec2.Vpc | undefined) ?? mockCluster(stack).vpc;
  return new BlueGreenService(stack, id, { vpc, image: testImage, serviceName: id.toLowerCase(), ...props });
}

function errorsOf(stack: Stack): string[] {
  return synthErrors(stack.node.root as App);
}

/** A VPC imported the way a VPC of another app is: ids, no CIDR block. */
function importedVpcWithoutCidr(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
    vpcId: 'vpc-12345',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetIds: ['subnet-1', 'subnet-2'],
    privateSubnetIds: ['subnet-3', 'subnet-4'],
  });
}

describe('an imported VPC without its CIDR block', () => {
  test('fails, naming vpc and both fixes, when the test listener would admit the VPC by default', () => {
    const stack = testStack();
    service(stack, 'Orders', { vpc: importedVpcWithoutCidr(stack) });
    expect(errorsOf(stack)).toEqual([
      '[TestStack/Orders] TestStack/Orders: invalid vpc: TestStack/Imported was imported without its CIDR block, which the test listener admits '
      + 'by default; pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes(), or give testListenerPeers explicitly',
    ]);
  });

  test('fails for the production listener of an internal load balancer, which admits the VPC by default', () => {
    const stack = testStack();
    service(stack, 'Orders', { vpc: importedVpcWithoutCidr(stack), internetFacing: false, testListenerPeers: [ec2.Peer.ipv4('10.0.0.0/8')] });
    expect(errorsOf(stack)).toEqual([expect.stringContaining('TestStack/Orders: invalid vpc: TestStack/Imported was imported without its CIDR block, '
      + 'which the production listener admits by default; pass vpcCidrBlock to ec2.Vpc.fromVpcAttributes(), or give productionListenerPeers explicitly')]);
  });

  test('is accepted where the CIDR block is not used: the peers are given', () => {
    const stack = testStack();
    service(stack, 'Orders', { vpc: importedVpcWithoutCidr(stack), testListenerPeers: [ec2.Peer.ipv4('10.0.0.0/8')] });
    expect(errorsOf(stack)).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [
        { CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80, IpProtocol: 'tcp', Description: 'production listener of orders' },
        { CidrIp: '10.0.0.0/8', FromPort: 8080, ToPort: 8080, IpProtocol: 'tcp', Description: 'test listener of orders' },
      ],
    });
  });
});

describe('accessLogsBucket', () => {
  test('fails in an environment-agnostic stack, naming the prop and the fix', () => {
    const stack = testStack();
    service(stack, 'Orders', { accessLogsBucket: new s3.Bucket(stack, 'Logs') });
    expect(errorsOf(stack)).toEqual([
      '[TestStack/Orders] TestStack/Orders: invalid accessLogsBucket: needs the region of stack TestStack, which is environment-agnostic: '
      + 'the bucket policy names the region\'s load balancer log-delivery account. Give the stack an explicit region (env: { region: \'eu-west-1\' }), '
      + 'or remove accessLogsBucket',
    ]);
  });

  test('fails on a shared load balancer in an environment-agnostic stack, before aws-cdk-lib\'s own error', () => {
    const stack = testStack();
    new SharedLoadBalancer(stack, 'Edge', { vpc: mockCluster(stack).vpc, accessLogsBucket: new s3.Bucket(stack, 'Logs') });
    expect(errorsOf(stack)).toEqual([
      '[TestStack/Edge] TestStack/Edge: invalid accessLogsBucket: needs the region of stack TestStack, which is environment-agnostic: '
      + 'the bucket policy names the region\'s load balancer log-delivery account. Give the stack an explicit region (env: { region: \'eu-west-1\' }), '
      + 'or remove accessLogsBucket',
    ]);
  });

  test('turns on access logging in a stack with a region', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'TestStack', { env: { region: 'eu-west-1' } });
    service(stack, 'Orders', { accessLogsBucket: new s3.Bucket(stack, 'Logs') });
    expect(errorsOf(stack)).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
    });
  });
});

describe('vpcSubnets', () => {
  test('fails when the VPC has no such subnets, listing the subnet groups it has', () => {
    const stack = testStack();
    service(stack, 'Orders', { vpc: isolatedVpc(stack), vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
    expect(errorsOf(stack)).toEqual([expect.stringMatching(new RegExp('TestStack/Orders: invalid vpcSubnets: selects subnets that VPC TestStack/Vpc '
      + 'does not have \\(There are no \'Private\' subnet groups in this VPC\\. Available types: [^)]*\\); its subnet groups are '
      + '\'Isolated\' \\(Isolated, 2 subnets\\), \'Public\' \\(Public, 2 subnets\\)\\. Select one of them, e\\.g\\. '
      + '\\{ subnetGroupName: \'Isolated\' \\}, or leave vpcSubnets unset for the default$'))]);
  });

  test('fails for a subnet group name the VPC lacks', () => {
    const stack = testStack();
    service(stack, 'Orders', { vpcSubnets: { subnetGroupName: 'App' } });
    expect(errorsOf(stack)).toEqual([expect.stringMatching(/TestStack\/Orders: invalid vpcSubnets: selects subnets that VPC TestStack\/Vpc does not have .*its subnet groups are 'Private' \(Private, 2 subnets\), 'Public' \(Public, 2 subnets\)/)]);
  });

  test('is used when the VPC has the subnets', () => {
    const stack = testStack();
    const svc = service(stack, 'Orders', { vpc: isolatedVpc(stack), vpcSubnets: { subnetGroupName: 'Isolated' } });
    expect(errorsOf(stack)).toEqual([]);
    expect(svc.serviceSubnets).toEqual({ subnetGroupName: 'Isolated' });
  });
});

describe('two services on one load balancer', () => {
  test('fail on the later service for each port both take, naming the earlier service and the fix', () => {
    const stack = testStack();
    const { vpc } = mockCluster(stack);
    const alb = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
    service(stack, 'Orders', { vpc, loadBalancer: alb });
    service(stack, 'Payments', { vpc, loadBalancer: alb });
    expect(errorsOf(stack)).toEqual([
      expect.stringMatching(/^\[TestStack\/Payments\] TestStack\/Payments: invalid listenerPort: port 80 of load balancer TestStack\/Alb already has a listener \(of service TestStack\/Orders\); .*Use another listenerPort, or another load balancer$/),
      expect.stringMatching(/^\[TestStack\/Payments\] TestStack\/Payments: invalid testListenerPort: port 8080 of load balancer TestStack\/Alb already has a listener \(of service TestStack\/Orders\); .*Use another testListenerPort, or another load balancer$/),
    ]);
  });

  test('in two stacks of one app fail too', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const a = new Stack(app, 'A');
    const { vpc } = mockCluster(a);
    const alb = new elbv2.ApplicationLoadBalancer(a, 'Alb', { vpc });
    service(a, 'Orders', { vpc, loadBalancer: alb });
    const b = new Stack(app, 'B');
    service(b, 'Payments', { vpc, loadBalancer: alb, listenerPort: 81, testListenerPort: 8080 });
    expect(synthErrors(app)).toEqual([expect.stringContaining('B/Payments: invalid testListenerPort: port 8080 of load balancer A/Alb already has a listener (of service A/Orders)')]);
  });
});
