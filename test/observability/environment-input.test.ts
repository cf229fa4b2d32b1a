import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, ReleaseDashboard } from '../../lib';
import { synthErrors } from '../synth-errors';

function serviceIn(stack: Stack): BlueGreenService {
  return new BlueGreenService(stack, 'Service', {
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    serviceName: 'orders-api',
  });
}

describe('a ReleaseDashboard with a service of another environment', () => {
  test.each([
    ['an env-agnostic service stack', undefined, { account: '111111111111', region: 'eu-west-1' }, /\(env-agnostic\)/],
    ['a service in another region', { account: '111111111111', region: 'us-east-1' }, { account: '111111111111', region: 'eu-west-1' },
      /region us-east-1.*region eu-west-1/],
    ['a service in another account', { account: '222222222222', region: 'eu-west-1' }, { account: '111111111111', region: 'eu-west-1' },
      /account 222222222222.*account 111111111111/],
  ])('fails for %s as invalid services, naming both environments and the fix', (_, serviceEnv, dashboardEnv, environments) => {
    const app = new App();
    const service = serviceIn(new Stack(app, 'Services', { env: serviceEnv }));
    new ReleaseDashboard(new Stack(app, 'Watch', { env: dashboardEnv }), 'Dashboard', { services: [service] });

    const errors = synthErrors(app);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/Watch\/Dashboard: invalid services: Services\/Service is in stack Services .* but the dashboard is in stack Watch/);
    expect(errors[0]).toMatch(environments);
    expect(errors[0]).toMatch(/add a ReleaseDashboard to a stack of that environment/);
  });

  test('a service of another stack in the same environment is shown as before', () => {
    const app = new App();
    const env = { account: '111111111111', region: 'eu-west-1' };
    const service = serviceIn(new Stack(app, 'Services', { env }));
    const watch = new Stack(app, 'Watch', { env });
    new ReleaseDashboard(watch, 'Dashboard', { services: [service] });

    expect(synthErrors(app)).toEqual([]);
    Template.fromStack(watch).resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
