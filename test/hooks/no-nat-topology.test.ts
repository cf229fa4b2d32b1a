import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BlueGreenService, MigrationHook, SmokeCheck, SmokeTestHook } from '../../lib';
import { isolatedVpc, testImage, testStack } from '../util';

/**
 * The whole chain in a VPC without NAT gateways: public subnets for the load balancer, isolated
 * subnets with interface endpoints for the tasks and the hooks.
 */
describe('a VPC without NAT gateways', () => {
  function noNatService() {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    const service = new BlueGreenService(stack, 'Orders', { vpc, image: testImage, serviceName: 'orders-api' });
    return { stack, vpc, service };
  }

  test('the smoke test runs in the isolated subnets, reaches the test listener within the VPC, and gets its endpoints', () => {
    const { stack, vpc, service } = noNatService();
    const smoke = new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health')], createVpcEndpoints: true });
    new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'] });
    const template = Template.fromStack(stack);

    const isolated = vpc.isolatedSubnets.map((subnet) => ({ Ref: stack.getLogicalId(subnet.node.defaultChild as ec2.CfnSubnet) }));
    const fnId = stack.getLogicalId((smoke.function as lambda.Function).node.defaultChild as lambda.CfnFunction);
    expect(template.toJSON().Resources[fnId].Properties.VpcConfig.SubnetIds).toEqual(isolated);
    // codedeploy, ec2, and events for the rollback verification's result.
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 3);
    // Out to the VPC on the test listener's port, which admits the VPC.
    const smokeSg = smoke.connections.securityGroups[0];
    const vpcCidr = stack.resolve(vpc.vpcCidrBlock);
    const port = { FromPort: service.testListenerPort, ToPort: service.testListenerPort, IpProtocol: 'tcp', CidrIp: vpcCidr };
    const groups = template.toJSON().Resources;
    expect(groups[stack.getLogicalId(smokeSg.node.defaultChild as ec2.CfnSecurityGroup)].Properties.SecurityGroupEgress)
      .toEqual(expect.arrayContaining([expect.objectContaining(port)]));
    const loadBalancerSg = service.loadBalancer.connections.securityGroups[0];
    expect(groups[stack.getLogicalId(loadBalancerSg.node.defaultChild as ec2.CfnSecurityGroup)].Properties.SecurityGroupIngress)
      .toEqual(expect.arrayContaining([expect.objectContaining(port)]));

    // The migration task runs where the service's tasks run.
    const hookConfigs = Object.values(template.findResources('AWS::SSM::Parameter'))
      .map((parameter) => JSON.stringify(parameter.Properties.Value))
      .filter((value) => value.includes('migration'));
    expect(hookConfigs).toHaveLength(1);
    const rendered = JSON.stringify(hookConfigs[0]);
    for (const subnet of isolated) {
      expect(rendered).toContain(subnet.Ref);
    }
  });

  test('without endpoints, synthesis says which to add', () => {
    const { stack, service } = noNatService();
    new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health')] });
    expect(() => Template.fromStack(stack)).toThrow(/missing: codedeploy, ec2, events\. Add them/);
  });
});
