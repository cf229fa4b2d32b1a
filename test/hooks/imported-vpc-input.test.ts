import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { BlueGreenService, MigrationHook, SmokeCheck, SmokeTestHook } from '../../lib';
import { synthErrors } from '../synth-errors';
import { testImage } from '../util';

/** A service in an imported VPC with isolated subnets only, given without its CIDR block. */
function isolatedImportWithoutCidr() {
  const app = new App();
  const stack = new Stack(app, 'Release', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], isolatedSubnetIds: ['subnet-1'], publicSubnetIds: ['subnet-2'],
  });
  const service = new BlueGreenService(stack, 'Orders', {
    vpc, image: testImage, serviceName: 'orders-api',
    testListenerPeers: [ec2.Peer.ipv4('10.0.0.0/8')], productionListenerPeers: [ec2.Peer.anyIpv4()],
  });
  return { app, stack, service };
}

describe('hooks in an imported isolated VPC without its CIDR block', () => {
  test.each([false, true])('fail naming the hook and its service, not aws-cdk-lib\'s missing attribute (createVpcEndpoints %s)', (createVpcEndpoints) => {
    const { app, stack, service } = isolatedImportWithoutCidr();
    expect(() => {
      new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health')], createVpcEndpoints });
      new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'] });
    }).not.toThrow();

    const errors = synthErrors(app);
    expect(errors).toEqual([expect.stringMatching(/^\[Release\/Smoke\] Release\/Smoke: invalid service: its VPC has isolated subnets only.*pass vpcCidrBlock to ec2\.Vpc\.fromVpcAttributes$/)]);
  });
});
