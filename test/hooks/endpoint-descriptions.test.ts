import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { BlueGreenService, SmokeCheck, SmokeTestHook } from '../../lib';
import { awsLimitViolations } from '../aws-limits';
import { isolatedVpc, testImage, testStack } from '../util';

describe('the interface endpoints a hook creates', () => {
  test('have security-group descriptions EC2 accepts, whatever the VPC\'s path holds', () => {
    const stack = testStack();
    // aws-cdk-lib describes an endpoint's security group by its path: here characters EC2 refuses, over 255 of them.
    const vpc = isolatedVpc(stack, `Vpc~ünïcode-${'x'.repeat(260)}`);
    const service = new BlueGreenService(stack, 'Orders', { vpc, image: testImage, serviceName: 'orders-api' });
    new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health')], createVpcEndpoints: true });

    const template = Template.fromStack(stack);
    const endpointGroups = Object.values(template.findResources('AWS::EC2::SecurityGroup'))
      .map((group) => group.Properties.GroupDescription as string)
      .filter((description) => description.includes('Vpc'));
    expect(endpointGroups.length).toBeGreaterThan(0);
    expect(awsLimitViolations(template.toJSON())).toEqual([]);
  });

  test('keep a description EC2 accepts as it is, so no deployed group is replaced', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    const service = new BlueGreenService(stack, 'Orders', { vpc, image: testImage, serviceName: 'orders-api' });
    new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health')], createVpcEndpoints: true });

    const endpoint = vpc.node.children.find((child) => child instanceof ec2.InterfaceVpcEndpoint) as ec2.InterfaceVpcEndpoint;
    const group = endpoint.node.findAll().find((c) => c instanceof ec2.CfnSecurityGroup) as ec2.CfnSecurityGroup;
    expect(group.groupDescription).toBe(`TestStack/Vpc/${endpoint.node.id}/SecurityGroup`);
  });
});
