import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CODEDEPLOY_RELEASE_RESOURCE_TYPE } from '../../contract/codedeploy-release';
import { BlueGreenService, BlueGreenServiceProps, DeploymentEngine, PreflightHook, TrafficShifting } from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { mockCluster, testImage } from '../util';

function serviceStack(props: Partial<BlueGreenServiceProps>): { app: App; stack: Stack; service: BlueGreenService } {
  const app = new App();
  const stack = new Stack(app, 'Releases', { env: { account: '111122223333', region: 'eu-west-1' } });
  const { cluster } = mockCluster(stack);
  const service = new BlueGreenService(stack, 'Api', { cluster, image: testImage, serviceName: 'api', ...props });
  return { app, stack, service };
}

describe('deployOnStackUpdate on the CodeDeploy engine', () => {
  const { stack, service } = serviceStack({
    deployOnStackUpdate: true,
    trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
    terminationWait: Duration.minutes(10),
  });
  new PreflightHook(stack, 'Preflight', { service });
  const template = Template.fromStack(stack);
  const [releaseId, release] = Object.entries(template.findResources(CODEDEPLOY_RELEASE_RESOURCE_TYPE))[0];
  const taskDefinitionId = stack.getLogicalId(service.taskDefinition.node.defaultChild as never);

  test('adds one release resource, answered within CloudFormation\'s hour, that a new task definition updates', () => {
    expect(Object.keys(template.findResources(CODEDEPLOY_RELEASE_RESOURCE_TYPE))).toEqual([releaseId]);
    expect(release.Properties.ServiceTimeout).toBe('3600');
    expect(release.Properties.TaskDefinitionArn).toEqual({ Ref: taskDefinitionId });
    expect(release.Properties.TimeoutSeconds).toBeLessThanOrEqual(3300);
    expect(release.Properties.ApplicationName).toEqual({ Ref: stack.getLogicalId(service.application!.node.defaultChild as never) });
  });

  test('deploys the AppSpec of the stack\'s own task definition, the hooks listed', () => {
    const appSpec = JSON.stringify(release.Properties.AppSpecContent);
    expect(appSpec).toContain(taskDefinitionId);
    expect(appSpec).not.toContain('<TASK_DEFINITION>');
    expect(appSpec).toContain('BeforeInstall');
  });

  test('waits for the deployment group and the service', () => {
    expect(release.DependsOn).toEqual(expect.arrayContaining([
      stack.getLogicalId(service.deploymentGroup!.node.defaultChild as never),
      stack.getLogicalId(service.service.node.defaultChild as never),
    ]));
    expect(service.releasesOnStackUpdate).toBe(true);
  });

  test('runs a function of 15 minutes that may deploy this group only, and hand itself over', () => {
    const functionId = release.Properties.ServiceToken['Fn::GetAtt'][0];
    const fn = template.findResources('AWS::Lambda::Function')[functionId];
    expect(fn.Properties.Timeout).toBe(900);
    expect(fn.Properties.Handler).toBe('index.handler');
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(fn.Properties.Role['Fn::GetAtt'][0]))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['codedeploy:CreateDeployment', 'codedeploy:StopDeployment',
      'codedeploy:RegisterApplicationRevision', 'codedeploy:GetDeploymentConfig', 'ecs:DescribeServices']));
    expect(statements.every((s) => s.Resource !== '*')).toBe(true);
    const selfInvoke = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>)
      .some((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(selfInvoke).toBe(true);
  });
});

describe('deployOnStackUpdate input', () => {
  test('is off by default: no release resource', () => {
    const { stack, service } = serviceStack({});
    expect(Object.keys(Template.fromStack(stack).findResources(CODEDEPLOY_RELEASE_RESOURCE_TYPE))).toHaveLength(0);
    expect(service.releasesOnStackUpdate).toBe(false);
  });

  test('refuses waits that cannot fit CloudFormation\'s hour, naming each and the sum', () => {
    const { app } = serviceStack({ deployOnStackUpdate: true });
    const messages = synthesisMessages(app).join('\n');
    expect(messages).toContain('invalid deployOnStackUpdate');
    expect(messages).toMatch(/trafficShifting 5 minutes \+ terminationWait 1 hour = 65 minutes/);
  });

  test('counts each linear step and the approval wait', () => {
    const { app } = serviceStack({
      deployOnStackUpdate: true,
      trafficShifting: TrafficShifting.linear(10, Duration.minutes(3)),
      approvalWait: Duration.minutes(15),
      terminationWait: Duration.minutes(5),
    });
    // 9 steps of 3 minutes, 15 minutes' approval, 5 minutes' termination wait: 47 > 45.
    expect(synthesisMessages(app).join('\n')).toContain('= 47 minutes');
  });

  test('accepts a release that fits', () => {
    const { app } = serviceStack({
      deployOnStackUpdate: true,
      trafficShifting: TrafficShifting.linear(10, Duration.minutes(3)),
      terminationWait: Duration.minutes(15),
    });
    expect(synthesisMessages(app)).toEqual([]);
  });

  test('cannot be turned off on the Amazon ECS engine, which always releases on a stack update', () => {
    const { app, service } = serviceStack({ engine: DeploymentEngine.ecs(), deployOnStackUpdate: false });
    expect(synthesisMessages(app).join('\n')).toContain('cannot be false on the Amazon ECS engine');
    expect(service.releasesOnStackUpdate).toBe(true);
  });

  test('on the Amazon ECS engine, true adds nothing: the service update is the release', () => {
    const { stack } = serviceStack({ engine: DeploymentEngine.ecs(), deployOnStackUpdate: true, terminationWait: Duration.minutes(5) });
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources(CODEDEPLOY_RELEASE_RESOURCE_TYPE))).toHaveLength(0);
    template.hasResourceProperties('AWS::ECS::Service', { DeploymentController: { Type: 'ECS' } });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
  });
});

describe('deployOnStackUpdate with deploy-time values', () => {
  test('refuses a deploy-time percentage, whose shift cannot be counted, without throwing', () => {
    const { app } = serviceStack({
      deployOnStackUpdate: true,
      trafficShifting: TrafficShifting.linear(Token.asNumber({ Ref: 'Percent' }), Duration.minutes(1)),
      terminationWait: Duration.minutes(5),
    });
    expect(synthesisMessages(app).join('\n')).toContain('invalid deployOnStackUpdate: needs literal trafficShifting, approvalWait and terminationWait');
  });
});
