import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, IBlueGreenService, MigrationHook } from '../../lib';
import { isolatedVpc, testImage } from '../util';
import { synthesisMessages } from '../synth-errors';
import { importAttributes } from './imported-fixture';

/**
 * A service defined in stack A on `vpc(a)`, imported in stack B without serviceSubnets (unless
 * given), with a migration: the hook runs its task in the imported service's subnets.
 */
function importedWithMigration(vpc: (stack: Stack) => ec2.IVpc, serviceSubnets?: ec2.SubnetSelection) {
  const app = new App({ builtinCloudFormationValidation: false });
  const a = new Stack(app, 'ServiceStack');
  const serviceVpc = vpc(a);
  const cluster = new ecs.Cluster(a, 'Cluster', { vpc: serviceVpc });
  const defined = new BlueGreenService(a, 'Orders', {
    cluster, image: testImage, serviceName: 'orders-api',
    // A VPC with public subnets only cannot give the service defined here its default subnets.
    vpcSubnets: serviceVpc.privateSubnets.length + serviceVpc.isolatedSubnets.length === 0 ? { subnetType: ec2.SubnetType.PUBLIC } : undefined,
  });
  const b = new Stack(app, 'ReleaseStack');
  const service: IBlueGreenService = BlueGreenService.fromBlueGreenServiceAttributes(b, 'Orders', importAttributes(b, defined, { serviceSubnets }));
  const build = () => new MigrationHook(b, 'Migrate', { service, command: ['npm', 'run', 'migrate'] });
  return { app, a, b, serviceVpc, service, build };
}

const publicOnly = (stack: Stack) => new ec2.Vpc(stack, 'Vpc', {
  maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: 'Front', subnetType: ec2.SubnetType.PUBLIC }],
});

describe('an imported service without serviceSubnets', () => {
  test('in a VPC without private subnets with egress, defaults to its isolated subnets, as BlueGreenService does', () => {
    const { app, b, service, build } = importedWithMigration((stack) => isolatedVpc(stack));
    expect(build).not.toThrow();

    expect(service.serviceSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    expect(synthesisMessages(app)).toEqual([]);
    // The migration's task runs in the isolated subnets (imported from the service's stack).
    const template = JSON.stringify(Template.fromStack(b).toJSON());
    expect(template.match(/ServiceStack:ExportsOutputRefVpc\w+Subnet\d+Subnet/g)?.sort()).toEqual([
      expect.stringContaining('VpcIsolatedSubnet1'), expect.stringContaining('VpcIsolatedSubnet2'),
    ]);
  });

  test('in a VPC with private subnets with egress, keeps them', () => {
    const { service, build } = importedWithMigration((stack) => new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }));
    expect(build).not.toThrow();
    expect(service.serviceSubnets).toEqual({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
  });

  test('fails in a VPC with public subnets only, as an invalid serviceSubnets naming the VPC\'s subnet groups', () => {
    const { app, build } = importedWithMigration(publicOnly);
    expect(build).not.toThrow();

    expect(synthesisMessages(app)).toEqual([
      'ReleaseStack/Orders: invalid serviceSubnets: is not given, and VPC ServiceStack/Vpc has no private or isolated subnets to default to; '
      + "its subnet groups are 'Front' (Public, 2 subnets). Pass the subnets the service's tasks run in, "
      + 'e.g. serviceSubnets: { subnetType: ec2.SubnetType.PUBLIC }',
    ]);
  });

  test('given, but not in the VPC: fails as an invalid serviceSubnets naming the VPC\'s subnet groups', () => {
    const { app, build } = importedWithMigration(publicOnly, { subnetType: ec2.SubnetType.PRIVATE_ISOLATED });
    expect(build).not.toThrow();

    const messages = synthesisMessages(app);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^ReleaseStack\/Orders: invalid serviceSubnets: selects subnets that VPC ServiceStack\/Vpc does not have \(.*\); its subnet groups are 'Front' \(Public, 2 subnets\)\. Select one of them, or leave serviceSubnets unset for the default$/);
  });

  test('given public subnets of a public-only VPC: the migration runs there', () => {
    const { app, build } = importedWithMigration(publicOnly, { subnetType: ec2.SubnetType.PUBLIC });
    expect(build).not.toThrow();
    expect(synthesisMessages(app)).toEqual([]);
  });
});
