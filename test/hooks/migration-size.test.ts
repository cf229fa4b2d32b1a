import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BlueGreenService, MigrationHook } from '../../lib';
import { synthErrors } from '../synth-errors';
import { isolatedVpc, testImage } from '../util';
import { mockService, testStack } from './util';

function errorsOf(stack: Stack): string[] {
  return synthErrors(stack.node.root as App);
}

describe('MigrationHook command size', () => {
  test('fails when the command pushes its own function\'s environment past Lambda\'s 4 KB, naming command', () => {
    const stack = testStack();
    const service = mockService(stack);
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new MigrationHook(stack, 'Migrate', { service, role, command: ['bash', '-c', 'x'.repeat(4000)] });
    expect(errorsOf(stack)).toEqual([expect.stringMatching(new RegExp('^\\[TestStack/Migrate\\] TestStack/Migrate: invalid command: is 4008 characters long, '
      + 'and the migration\'s configuration takes about \\d+ bytes of the function\'s environment, over its 4096-byte limit; '
      + 'run a script of the image instead \\(e\\.g\\. \\[\'npm\', \'run\', \'migrate\'\\]\\)$'))]);
  });

  test('fails when the command pushes the service\'s shared hook configuration past SSM\'s 8 KB, naming command and environment', () => {
    const stack = testStack();
    const service = mockService(stack);
    new MigrationHook(stack, 'Migrate', { service, command: ['bash', '-c', 'x'.repeat(8200)], environment: { STEP: 'all' } });
    expect(errorsOf(stack)).toEqual([expect.stringMatching(new RegExp('TestStack/Migrate: invalid command: is 8208 characters long, and the migration\'s '
      + 'configuration takes about \\d+ bytes of the hook configuration parameter of orders-api, every hook\'s section included, over its '
      + '8192-byte limit; run a script of the image instead \\(e\\.g\\. \\[\'npm\', \'run\', \'migrate\'\\]\\), or shorten environment$'))]);
  });

  test('a command that fits is accepted, in its own function and in the shared one', () => {
    const stack = testStack();
    const service = mockService(stack);
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new MigrationHook(stack, 'Migrate', { service, role, command: ['bash', '-c', 'x'.repeat(2000)] });
    expect(errorsOf(stack)).toEqual([]);
    const shared = testStack('Shared');
    new MigrationHook(shared, 'Migrate', { service: mockService(shared), command: ['bash', '-c', 'x'.repeat(6000)] });
    expect(errorsOf(shared)).toEqual([]);
  });
});

describe('MigrationHook vpcSubnets', () => {
  test('fails when the service\'s VPC has no such subnets, listing the subnet groups it has', () => {
    const stack = testStack();
    const vpc = isolatedVpc(stack);
    const service = new BlueGreenService(stack, 'Orders', { vpc, image: testImage, serviceName: 'orders-api' });
    new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'], vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
    expect(errorsOf(stack)).toEqual([expect.stringMatching(new RegExp('TestStack/Migrate: invalid vpcSubnets: selects subnets that VPC TestStack/Vpc '
      + 'does not have .*; its subnet groups are \'Isolated\' \\(Isolated, 2 subnets\\), \'Public\' \\(Public, 2 subnets\\)\\. '
      + 'Select one of them, e\\.g\\. \\{ subnetGroupName: \'Isolated\' \\}, or leave vpcSubnets unset for the default'))]);
  });
});
