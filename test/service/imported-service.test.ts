import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  BlueGreenService, IBlueGreenService, MetricGateHook, MigrationHook, PreflightHook, ReleaseDashboard, ReleasePipeline, ReleaseSource,
  SmokeCheck, SmokeTestHook, TrafficShiftingKind,
} from '../../lib';
import { CONNECTION_ARN } from '../pipeline/util';
import { mockCluster, testImage } from '../util';
import { importAttributes } from './imported-fixture';
import { allowing, policyStatements, resourcesOf, statementsOf } from '../hooks/util';

/** A service in stack A, imported in stack B of the same app; the deployment group by name, as from another app. */
function importedService(deploymentGroupRole?: (stack: Stack) => iam.IRole) {
  const app = new App({ builtinCloudFormationValidation: false });
  const a = new Stack(app, 'ServiceStack');
  const { cluster } = mockCluster(a);
  const defined = new BlueGreenService(a, 'Orders', { cluster, image: testImage, serviceName: 'orders-api' });
  const b = new Stack(app, 'ReleaseStack');
  const service: IBlueGreenService = BlueGreenService.fromBlueGreenServiceAttributes(b, 'Orders', importAttributes(b, defined, {
    deploymentGroupRole: deploymentGroupRole?.(b),
  }));
  return { app, a, b, defined, service };
}

function withHooks(deploymentGroupRole?: (stack: Stack) => iam.IRole) {
  const built = importedService(deploymentGroupRole);
  const { b, service } = built;
  const smoke = new SmokeTestHook(b, 'Smoke', { service, checks: [SmokeCheck.get('/health')] });
  const migration = new MigrationHook(b, 'Migrate', { service, command: ['npm', 'run', 'migrate'] });
  const gate = new MetricGateHook(b, 'MetricGate', { service, trafficShiftingKind: TrafficShiftingKind.CANARY });
  const preflight = new PreflightHook(b, 'Preflight', { service });
  const dashboard = new ReleaseDashboard(b, 'Dashboard', { services: [service] });
  return { ...built, hooks: [smoke, migration, gate, preflight], dashboard, template: Template.fromStack(b) };
}

let defaults: ReturnType<typeof withHooks> | undefined;

/**
 * The imported service with every hook and a dashboard, built and synthesized once for the tests
 * that only read it: the two stacks take a second or more.
 */
function defaultWithHooks(): ReturnType<typeof withHooks> {
  defaults ??= withHooks();
  return defaults;
}

describe('a service imported with fromBlueGreenServiceAttributes', () => {
  test('takes all four hooks, each allowed to report its status on the imported deployment group only', () => {
    const { b, hooks, template } = defaultWithHooks();
    for (const hook of hooks) {
      const reports = allowing(statementsOf(b, template, hook.function), 'codedeploy:PutLifecycleEventHookExecutionStatus');
      expect(reports).toHaveLength(1);
      expect(resourcesOf(reports[0])).toHaveLength(1);
      expect(JSON.stringify(resourcesOf(reports[0]))).toMatch(/:deploymentgroup:orders\/orders-api"/);
    }
  });

  test('lists the hooks in the AppSpec it renders, in lifecycle order', () => {
    const { b, service } = defaultWithHooks();
    const appSpec = b.resolve(service._renderAppSpec()) as unknown;
    const text = JSON.stringify(appSpec);
    const events = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'AfterAllowTraffic'];
    const positions = events.map((event) => text.indexOf(`${event}:`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    expect(service.hooks).toHaveLength(4);
  });

  test('lets the given deployment-group role invoke each hook function', () => {
    const { b, hooks, template } = withHooks((stack) => iam.Role.fromRoleName(stack, 'CodeDeployRole', 'orders-codedeploy'));
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: ['orders-codedeploy'],
      PolicyDocument: {
        Statement: Match.arrayWith(hooks.map((hook) => Match.objectLike({
          Action: 'lambda:InvokeFunction',
          Resource: b.resolve(hook.function.functionArn),
        }))),
      },
    });
    Annotations.fromStack(b).hasNoWarning('*', Match.stringLikeRegexp('deploymentGroupRole'));
  });

  test('warns, naming what to do, when the deployment-group role is not known', () => {
    const { b } = defaultWithHooks();
    Annotations.fromStack(b).hasWarning('/ReleaseStack/Orders', Match.stringLikeRegexp(
      'the role of the deployment group orders-api is not known here, so nothing lets CodeDeploy invoke ReleaseStack/Smoke; '
      + 'pass deploymentGroupRole to fromBlueGreenServiceAttributes'));
  });

  test('grantReportHookStatus scopes the permission to the imported deployment group', () => {
    const { b, service } = importedService();
    const role = new iam.Role(b, 'Reporter', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    service.grantReportHookStatus(role);
    const statements = allowing(policyStatements(Template.fromStack(b)), 'codedeploy:PutLifecycleEventHookExecutionStatus');
    expect(statements).toHaveLength(1);
    expect(statements[0].Resource).toEqual(expect.objectContaining({ 'Fn::Join': expect.anything() }));
    expect(JSON.stringify(statements[0].Resource)).toMatch(/:deploymentgroup:orders\/orders-api"/);
  });

  test('has a dashboard section that graphs the imported target groups', () => {
    const { a, b, defined, template } = defaultWithHooks();
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain('orders-api: requests per target group');
    // The target groups' full names are exported by stack A and imported here.
    for (const targetGroup of [defined.blueTargetGroup, defined.greenTargetGroup]) {
      const logicalId = a.getLogicalId(targetGroup.node.defaultChild as never);
      expect(body).toContain(logicalId);
    }
    expect(body).toContain('Fn::ImportValue');
    expect(body).toContain('Not known here: the service is defined in another stack or app');
    expect(Stack.of(defined)).not.toBe(b);
  });

  test('is deployed by a pipeline stage, to the imported deployment group', () => {
    const { b, service } = importedService((stack) => iam.Role.fromRoleName(stack, 'CodeDeployRole', 'orders-codedeploy'));
    new PreflightHook(b, 'Preflight', { service });
    new ReleasePipeline(b, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
      stages: [{ stageName: 'Production', service }],
    });
    const template = Template.fromStack(b);
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([Match.objectLike({
        Name: 'Production',
        Actions: Match.arrayWith([Match.objectLike({
          ActionTypeId: Match.objectLike({ Provider: 'CodeDeployToECS' }),
          Configuration: Match.objectLike({ ApplicationName: 'orders', DeploymentGroupName: 'orders-api' }),
        })]),
      })]),
    });
  });

  test('fails when the container is not in the task definition', () => {
    const app = new App();
    const a = new Stack(app, 'A');
    const { cluster } = mockCluster(a);
    const defined = new BlueGreenService(a, 'Orders', { cluster, image: testImage });
    expect(() => BlueGreenService.fromBlueGreenServiceAttributes(a, 'Imported', importAttributes(a, defined, {
      deploymentGroup: defined.deploymentGroup,
      containerName: 'api',
    }))).toThrow("A/Imported: invalid containerName: is 'api', but the task definition A/Orders/TaskDefinition has no container of that name; "
      + 'pass the name of the application container');
  });
});
