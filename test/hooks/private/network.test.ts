import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { CODEDEPLOY_ENDPOINT, EC2_ENDPOINT, HookNetwork, SECRETS_MANAGER_ENDPOINT, TestListenerHost, allowTestListener } from '../../../lib/hooks/private/network';
import { expectSynthError } from '../../synth-errors';
import { isolatedVpc } from '../../util';
import { testStack } from '../util';


function smokeNetwork(scope: Construct, vpc: ec2.IVpc, createVpcEndpoints: boolean, secrets = true): HookNetwork {
  const network = new HookNetwork(scope, {
    vpc,
    createVpcEndpoints,
    createVpcEndpointsProp: 'createVpcEndpoints',
    description: 'smoke-test function of orders-api',
  });
  network.requireEndpoint(CODEDEPLOY_ENDPOINT);
  network.requireEndpoint(EC2_ENDPOINT);
  if (secrets) {
    network.requireEndpoint(SECRETS_MANAGER_ENDPOINT);
  }
  return network;
}

function endpointServices(template: Template): string[] {
  return Object.values(template.findResources('AWS::EC2::VPCEndpoint'))
    .map((endpoint) => JSON.stringify(endpoint.Properties.ServiceName).match(/\.(\w+)"\]\]\}$/)?.[1] ?? '?')
    .sort();
}

describe('hook network', () => {
  test('with a NAT gateway: private subnets with egress, HTTPS to anywhere, no endpoints', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const network = smokeNetwork(new Construct(stack, 'Hook'), vpc, false);

    expect(network.mode).toBe('egress');
    expect(network.vpcSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'smoke-test function of orders-api',
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'AWS APIs over HTTPS' }],
    });
  });

  test('without a NAT gateway: fails at synthesis naming the endpoints to add', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    smokeNetwork(new Construct(stack, 'Hook'), vpc, false);
    expect(() => Template.fromStack(stack)).toThrow(
      'TestStack/Hook: invalid vpc: the VPC has no subnets with internet egress (no NAT gateway), so the smoke-test function of orders-api '
      + 'runs in isolated subnets and reaches AWS APIs only through interface VPC endpoints with private DNS; missing: codedeploy, ec2, secretsmanager. '
      + "Add them (vpc.addInterfaceEndpoint('CodeDeployEndpoint', { service: ec2.InterfaceVpcEndpointAwsService.CODEDEPLOY }); "
      + "vpc.addInterfaceEndpoint('Ec2Endpoint', { service: ec2.InterfaceVpcEndpointAwsService.EC2 }); "
      + "vpc.addInterfaceEndpoint('SecretsManagerEndpoint', { service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER })) "
      + 'or set createVpcEndpoints: true to create them');
  });

  test('without a NAT gateway: accepts the endpoints the app adds to the VPC, even after the hook', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    const network = smokeNetwork(new Construct(stack, 'Hook'), vpc, false, false);
    vpc.addInterfaceEndpoint('CodeDeploy', { service: ec2.InterfaceVpcEndpointAwsService.CODEDEPLOY });
    vpc.addInterfaceEndpoint('Ec2', { service: ec2.InterfaceVpcEndpointAwsService.EC2 });

    expect(network.mode).toBe('endpoints');
    const template = Template.fromStack(stack);
    expect(endpointServices(template)).toEqual(['codedeploy', 'ec2']);
  });

  test('without a NAT gateway: an endpoint without private DNS does not count', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    smokeNetwork(new Construct(stack, 'Hook'), vpc, false, false);
    vpc.addInterfaceEndpoint('CodeDeploy', { service: ec2.InterfaceVpcEndpointAwsService.CODEDEPLOY, privateDnsEnabled: false });
    vpc.addInterfaceEndpoint('Ec2', { service: ec2.InterfaceVpcEndpointAwsService.EC2 });
    expect(() => Template.fromStack(stack)).toThrow(/missing: codedeploy\./);
  });

  test('without a NAT gateway: creates the endpoints when asked, in the isolated subnets, shared by the hooks of the VPC', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    const first = smokeNetwork(new Construct(stack, 'First'), vpc, true);
    const second = smokeNetwork(new Construct(stack, 'Second'), vpc, true);

    expect(first.createdEndpoints).toHaveLength(3);
    expect(second.createdEndpoints).toHaveLength(0);
    expect(first.vpcSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    const template = Template.fromStack(stack);
    expect(endpointServices(template)).toEqual(['codedeploy', 'ec2', 'secretsmanager']);
    template.allResourcesProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SubnetIds: vpc.isolatedSubnets.map((subnet) => ({ Ref: stack.getLogicalId(subnet.node.defaultChild as ec2.CfnSubnet) })),
    });
    // The functions may send HTTPS to the VPC's addresses only, where the endpoints are.
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'smoke-test function of orders-api',
      SecurityGroupEgress: [{
        CidrIp: { 'Fn::GetAtt': [stack.getLogicalId(vpc.node.defaultChild as ec2.CfnVPC), 'CidrBlock'] },
        IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: 'AWS APIs through interface VPC endpoints',
      }],
    });
    const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: 'smoke-test function of orders-api' } }));
    expect(groups.map((group) => group.Properties.SecurityGroupEgress.length)).toEqual([1, 1]);
  });

  test('without a NAT gateway in an imported VPC: warns, since endpoints made elsewhere cannot be seen', () => {
    const stack = testStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-1234',
      vpcCidrBlock: '10.0.0.0/16',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      isolatedSubnetIds: ['subnet-1', 'subnet-2'],
    });
    smokeNetwork(new Construct(stack, 'Hook'), vpc, false, false);
    Template.fromStack(stack);
    Annotations.fromStack(stack).hasWarning('/TestStack/Hook', Match.stringLikeRegexp('missing: codedeploy, ec2.*This VPC is imported'));
  });

  test('fails when the VPC has no private subnets at all', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
    expectSynthError(stack, () => smokeNetwork(new Construct(stack, 'Hook'), vpc, false),
      /TestStack\/Hook: invalid vpc: the VPC has no private subnets, with or without egress; .*add PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED subnets/);
  });

  describe('the way to a test listener', () => {
    /** A load balancer's security group that admits `peers` on the test listener's port 8080, as BlueGreenService's does. */
    function testListener(vpc: ec2.IVpc, peers: ec2.IPeer[], id = 'LoadBalancerSecurityGroup'): { host: TestListenerHost; group: ec2.SecurityGroup } {
      const group = new ec2.SecurityGroup(vpc.stack, id, { vpc, allowAllOutbound: false });
      const connections = new ec2.Connections({ securityGroups: [group] });
      for (const peer of peers) {
        connections.allowFrom(peer, ec2.Port.tcp(8080), 'test listener');
      }
      const host: TestListenerHost = {
        loadBalancer: { connections },
        testListenerPort: 8080,
        allowTestListenerFrom: (other, description) => connections.allowFrom(other, ec2.Port.tcp(8080), description),
      };
      return { host, group };
    }
    const ref = (stack: Stack, group: ec2.SecurityGroup) => stack.getLogicalId(group.node.defaultChild as ec2.CfnSecurityGroup);

    test('a listener that admits the VPC: one rule out to the VPC on the port, for any number of services, and none in', () => {
      const stack = testStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
      const network = smokeNetwork(new Construct(stack, 'Hook'), vpc, false);
      const { host, group } = testListener(vpc, [ec2.Peer.ipv4(vpc.vpcCidrBlock)]);
      allowTestListener(network, host, 'smoke tests of orders-api');
      allowTestListener(network, host, 'smoke tests of billing-api');

      const template = Template.fromStack(stack);
      const vpcCidr = stack.resolve(vpc.vpcCidrBlock);
      const resources = template.toJSON().Resources;
      expect(resources[ref(stack, network.securityGroup)].Properties.SecurityGroupEgress).toEqual([
        expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443 }),
        { CidrIp: vpcCidr, IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, Description: 'test listeners in the VPC on port 8080' },
      ]);
      expect(resources[ref(stack, group)].Properties.SecurityGroupIngress).toEqual([expect.objectContaining({ CidrIp: vpcCidr, FromPort: 8080 })]);
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
      template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    });

    test('a listener that admits less than the VPC admits the function\'s security group, and nothing else changes', () => {
      const stack = testStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
      const network = smokeNetwork(new Construct(stack, 'Hook'), vpc, false);
      const { host, group } = testListener(vpc, [ec2.Peer.ipv4('10.0.0.0/28')]);
      allowTestListener(network, host, 'smoke tests of orders-api');

      const template = Template.fromStack(stack);
      expect(Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((rule) => rule.Properties)).toEqual([{
        GroupId: { 'Fn::GetAtt': [ref(stack, group), 'GroupId'] },
        SourceSecurityGroupId: { 'Fn::GetAtt': [ref(stack, network.securityGroup), 'GroupId'] },
        IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, Description: 'smoke tests of orders-api',
      }]);
      template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    });

    test('a VPC with a secondary IPv4 block, or an imported one: a rule each way between the security groups', () => {
      const stack = testStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
      new ec2.CfnVPCCidrBlock(stack, 'Secondary', { vpcId: vpc.vpcId, cidrBlock: '100.64.0.0/16' });
      const imported = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
        vpcId: 'vpc-1234', vpcCidrBlock: '10.1.0.0/16', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'],
      });
      const ways = ([['Hook', vpc], ['ImportedHook', imported]] as const).map(([id, where]) => {
        const network = smokeNetwork(new Construct(stack, id), where, false);
        const { host, group } = testListener(where, [ec2.Peer.ipv4(where.vpcCidrBlock)], `${id}LoadBalancerSecurityGroup`);
        allowTestListener(network, host, `smoke tests in ${id}`);
        return { network, group };
      });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 2);
      template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 2);
      for (const { network, group } of ways) {
        template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
          GroupId: { 'Fn::GetAtt': [ref(stack, network.securityGroup), 'GroupId'] },
          DestinationSecurityGroupId: { 'Fn::GetAtt': [ref(stack, group), 'GroupId'] },
          FromPort: 8080,
        });
        template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
          GroupId: { 'Fn::GetAtt': [ref(stack, group), 'GroupId'] },
          SourceSecurityGroupId: { 'Fn::GetAtt': [ref(stack, network.securityGroup), 'GroupId'] },
          FromPort: 8080,
        });
      }
    });
  });
});
