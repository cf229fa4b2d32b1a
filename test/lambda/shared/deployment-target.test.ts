import { CodeDeployClient, ECSTarget, GetDeploymentTargetCommand, ListDeploymentTargetsCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { ecsDeploymentTarget } from '../../../lambda/shared';
import { awsError, callScope, stubDeploymentTarget } from '../helpers';

const codeDeploy = mockClient(CodeDeployClient);
const ECS_TARGET: ECSTarget = {
  targetId: 'prod:web',
  taskSetsInfo: [
    { identifer: 'ecs-svc/blue', taskSetLabel: 'Blue', targetGroup: { name: 'web-a' } },
    { identifer: 'ecs-svc/green', taskSetLabel: 'Green', targetGroup: { name: 'web-b' } },
  ],
};

beforeEach(() => {
  codeDeploy.reset();
  stubDeploymentTarget(codeDeploy, ECS_TARGET);
});

test('reads the deployment\'s one target and returns its ECS target', async () => {
  await expect(ecsDeploymentTarget(callScope().scope, 'd-ABCDEF123')).resolves.toEqual(ECS_TARGET);

  expect(codeDeploy.commandCalls(ListDeploymentTargetsCommand)[0].args[0].input).toEqual({ deploymentId: 'd-ABCDEF123' });
  expect(codeDeploy.commandCalls(GetDeploymentTargetCommand)[0].args[0].input).toEqual({ deploymentId: 'd-ABCDEF123', targetId: 'prod:web' });
});

test('a throttled lookup is retried', async () => {
  codeDeploy.on(GetDeploymentTargetCommand)
    .rejectsOnce(awsError('ThrottlingException'))
    .resolves({ deploymentTarget: { ecsTarget: ECS_TARGET } });

  await expect(ecsDeploymentTarget(callScope().scope, 'd-ABCDEF123')).resolves.toEqual(ECS_TARGET);
  expect(codeDeploy.commandCalls(GetDeploymentTargetCommand)).toHaveLength(2);
});

test('fails when the deployment has no target', async () => {
  codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: [] });

  await expect(ecsDeploymentTarget(callScope().scope, 'd-ABCDEF123')).rejects.toThrow('deployment d-ABCDEF123 has no targets');
  expect(codeDeploy.commandCalls(GetDeploymentTargetCommand)).toHaveLength(0);
});

test('fails when the target is not an ECS target', async () => {
  codeDeploy.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { deploymentTargetType: 'InstanceTarget' } });

  await expect(ecsDeploymentTarget(callScope().scope, 'd-ABCDEF123')).rejects.toThrow('deployment d-ABCDEF123 target prod:web is not an ECS target');
});
