import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { BlueGreenService, DeploymentEngine, ReleaseDashboard } from '../../lib';
import { evaluate, evaluateJson } from '../pipeline/cfn-eval';
import { testImage, testStack } from '../util';

interface Widget {
  readonly type: string;
  readonly properties: { readonly markdown?: string; readonly title?: string; readonly alarms?: string[] };
}

describe('ReleaseDashboard of a service on the Amazon ECS engine', () => {
  const stack = testStack();
  const service = new BlueGreenService(stack, 'Preview', {
    vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }),
    image: testImage,
    serviceName: 'preview',
    engine: DeploymentEngine.ecs(),
  });
  new ReleaseDashboard(stack, 'Dashboard', { services: [service] });
  const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
  const widgets = (evaluateJson(Object.values(dashboards)[0].Properties.DashboardBody) as { widgets: Widget[] }).widgets;

  test('links the header to the service\'s deployments in the ECS console, not to a deployment group', () => {
    const header = widgets.find((w) => w.properties.markdown?.startsWith('## preview'))!;
    const link = evaluate(stack.resolve(service.deploymentsConsoleUrl));
    expect(link).toMatch(/^https:\/\/.+\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\/.+\/services\/.+\/deployments\?region=/);
    expect(header.properties.markdown).toContain(`[ECS service deployments](${link})`);
    expect(header.properties.markdown).not.toContain('undefined');
    expect(header.properties.markdown).not.toContain('CodeDeploy');
  });

  test('shows the rollback alarms ECS watches', () => {
    const status = widgets.find((w) => w.type === 'alarm' || w.properties.alarms !== undefined);
    expect(status?.properties.alarms?.length).toBe(service.rollbackAlarms!.alarms.length);
  });
});
