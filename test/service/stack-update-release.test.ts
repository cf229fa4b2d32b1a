/**
 * `cdk deploy` as a release: a change of an environment variable in CDK reaches the template as a
 * new task definition, which on the Amazon ECS engine the service itself deploys blue/green and on
 * the CodeDeploy engine (with deployOnStackUpdate) the release resource hands to CodeDeploy.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CODEDEPLOY_RELEASE_RESOURCE_TYPE } from '../../contract/codedeploy-release';
import { BlueGreenService, BlueGreenServiceProps, DeploymentEngine, TrafficShifting } from '../../lib';
import { mockCluster, testImage } from '../util';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function templateWith(logLevel: string, props: Partial<BlueGreenServiceProps>): { resources: Resources; ids: Record<string, string> } {
  const app = new App();
  const stack = new Stack(app, 'Releases', { env: { account: '111122223333', region: 'eu-west-1' } });
  const { cluster } = mockCluster(stack);
  const service = new BlueGreenService(stack, 'Api', {
    cluster, image: testImage, serviceName: 'api', environment: { LOG_LEVEL: logLevel },
    trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)), terminationWait: Duration.minutes(10), ...props,
  });
  const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);
  return {
    resources: Template.fromStack(stack).toJSON().Resources as Resources,
    ids: { taskDefinition: id(service.taskDefinition), service: id(service.service) },
  };
}

function environmentOf(resources: Resources, taskDefinitionId: string): unknown {
  const containers = resources[taskDefinitionId].Properties.ContainerDefinitions as Array<{ Environment?: unknown }>;
  return containers[0].Environment;
}

describe('a changed environment variable', () => {
  test('on the Amazon ECS engine, updates the service, whose update is the blue/green release', () => {
    const before = templateWith('info', { engine: DeploymentEngine.ecs() });
    const after = templateWith('debug', { engine: DeploymentEngine.ecs() });
    const { taskDefinition, service } = before.ids;
    // A new task definition (CloudFormation replaces it: a new ARN), which the ECS-controlled service references.
    expect(environmentOf(before.resources, taskDefinition)).toEqual([{ Name: 'LOG_LEVEL', Value: 'info' }]);
    expect(environmentOf(after.resources, taskDefinition)).toEqual([{ Name: 'LOG_LEVEL', Value: 'debug' }]);
    expect(after.resources[service].Properties.TaskDefinition).toEqual({ Ref: taskDefinition });
    expect(after.resources[service].Properties.DeploymentController).toEqual({ Type: 'ECS' });
    // With its deployment alarms rolling back, and the stack update failing when ECS rolls back.
    expect(after.resources[service].Properties.DeploymentConfiguration).toMatchObject({ Strategy: 'CANARY', Alarms: { Enable: true, Rollback: true } });
  });

  test('on the CodeDeploy engine with deployOnStackUpdate, updates the release resource, which deploys it through CodeDeploy', () => {
    const before = templateWith('info', { deployOnStackUpdate: true });
    const after = templateWith('debug', { deployOnStackUpdate: true });
    const { taskDefinition } = before.ids;
    const release = (resources: Resources) => Object.values(resources).find((r) => r.Type === CODEDEPLOY_RELEASE_RESOURCE_TYPE)!;
    expect(environmentOf(after.resources, taskDefinition)).toEqual([{ Name: 'LOG_LEVEL', Value: 'debug' }]);
    // The resource names the task definition: its new ARN is a changed property, so CloudFormation updates the resource.
    expect(release(after.resources).Properties.TaskDefinitionArn).toEqual({ Ref: taskDefinition });
    expect(JSON.stringify(release(after.resources).Properties.AppSpecContent)).toContain(taskDefinition);
  });

  test('on the CodeDeploy engine without it, only registers the revision: no release resource', () => {
    const after = templateWith('debug', {});
    expect(Object.values(after.resources).some((r) => r.Type === CODEDEPLOY_RELEASE_RESOURCE_TYPE)).toBe(false);
    expect(after.resources[after.ids.service].Properties.DeploymentController).toEqual({ Type: 'CODE_DEPLOY' });
  });
});
