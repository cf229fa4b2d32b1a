import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BlueGreenService } from '../../lib';
import { mockCluster, testImage, testStack } from '../util';

describe('the role CodeDeploy deploys with', () => {
  test('one per stack for every deployment group, holding AWSCodeDeployRoleForECS only', () => {
    const stack = testStack();
    const { cluster } = mockCluster(stack);
    const services = ['orders-api', 'billing-api'].map((serviceName) => new BlueGreenService(stack, serviceName, { cluster, image: testImage, serviceName }));
    const template = Template.fromStack(stack);

    const [first, second] = services.map((service) => service.deploymentGroup!.role);
    expect(first).toBe(second);
    expect(first.node.scope).toBe(stack);
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'codedeploy.amazonaws.com' } }] } },
    });
    expect(Object.keys(roles)).toEqual([stack.getLogicalId((first as iam.Role).node.defaultChild as iam.CfnRole)]);
    const [role] = Object.values(roles);
    expect(role.Properties.ManagedPolicyArns).toEqual([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSCodeDeployRoleForECS']] }]);
    // Nothing of any one service: no policy of its own, no inline statement.
    expect(role.Properties.Policies).toBeUndefined();
    const policiesOnRole = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(stack.getLogicalId((first as iam.Role).node.defaultChild as iam.CfnRole)));
    expect(policiesOnRole).toEqual([]);
    const groups = Object.values(template.findResources('AWS::CodeDeploy::DeploymentGroup'));
    expect(groups).toHaveLength(2);
    for (const group of groups) {
      expect(group.Properties.ServiceRoleArn).toEqual(stack.resolve(first.roleArn));
    }
  });
});
