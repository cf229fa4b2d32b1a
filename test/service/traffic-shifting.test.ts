import { Duration, Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { Construct } from 'constructs';
import { TrafficShifting, TrafficShiftingKind } from '../../lib';
import { expectSynthError } from '../synth-errors';

describe('TrafficShifting.fromDeploymentConfig', () => {
  const imported = (stack: Stack, name: string) => codedeploy.EcsDeploymentConfig.fromEcsDeploymentConfigName(stack, 'Imported', name);

  test('reads the kind of CodeDeploy\'s predefined configurations', () => {
    expect(TrafficShifting.fromDeploymentConfig(codedeploy.EcsDeploymentConfig.ALL_AT_ONCE).kind).toBe(TrafficShiftingKind.ALL_AT_ONCE);
    expect(TrafficShifting.fromDeploymentConfig(codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_15MINUTES).kind).toBe(TrafficShiftingKind.CANARY);
    expect(TrafficShifting.fromDeploymentConfig(codedeploy.EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES).kind).toBe(TrafficShiftingKind.LINEAR);
  });

  test('does not guess the kind from a name the user chose', () => {
    const stack = new Stack();
    expect(TrafficShifting.fromDeploymentConfig(imported(stack, 'release-canary')).kind).toBe(TrafficShiftingKind.CUSTOM);
  });

  test('does not guess the kind of a configuration defined in the app', () => {
    const stack = new Stack();
    const config = new codedeploy.EcsDeploymentConfig(stack, 'Custom', {
      trafficRouting: codedeploy.TrafficRouting.timeBasedLinear({ percentage: 5, interval: Duration.minutes(2) }),
    });
    const shifting = TrafficShifting.fromDeploymentConfig(config);
    expect(shifting.kind).toBe(TrafficShiftingKind.CUSTOM);
    expect(shifting.describe()).toBe('a deployment configuration defined in this app');
  });

  test('takes the kind it is given', () => {
    const stack = new Stack();
    const shifting = TrafficShifting.fromDeploymentConfig(imported(stack, 'release-steps'), TrafficShiftingKind.LINEAR);
    expect(shifting.kind).toBe(TrafficShiftingKind.LINEAR);
    expect(shifting.bind(new Construct(stack, 'Service')).deploymentConfigName).toBe('release-steps');
  });

  test('fails when the kind given contradicts a predefined configuration', () => {
    const stack = new Stack();
    const shifting = TrafficShifting.fromDeploymentConfig(codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES, TrafficShiftingKind.LINEAR);
    expectSynthError(stack, () => shifting.bind(new Construct(stack, 'Service')), 'Default/Service: invalid trafficShifting: fromDeploymentConfig was given '
      + 'kind LINEAR, but CodeDeployDefault.ECSCanary10Percent5Minutes shifts CANARY; leave the kind out for CodeDeploy\'s predefined configurations');
  });
});


describe('a custom traffic shifting', () => {
  const configOf = (shifting: TrafficShifting) => {
    const stack = new Stack();
    const config = shifting.bind(new Construct(stack, 'Service')) as codedeploy.EcsDeploymentConfig;
    return { stack, config };
  };

  test('keeps its construct id when its values change, so the configuration is updated rather than replaced', () => {
    const first = configOf(TrafficShifting.canary(20, Duration.minutes(7)));
    const second = configOf(TrafficShifting.linear(15, Duration.minutes(4)));
    expect(first.config.node.path).toBe('Default/Service/DeploymentConfig');
    expect(second.config.node.path).toBe('Default/Service/DeploymentConfig');
    expect(first.stack.resolve(first.config.deploymentConfigName)).toEqual(second.stack.resolve(second.config.deploymentConfigName));
  });

  test('a predefined one creates no configuration', () => {
    const { stack, config } = configOf(TrafficShifting.canary(10, Duration.minutes(5)));
    expect(config.deploymentConfigName).toBe('CodeDeployDefault.ECSCanary10Percent5Minutes');
    expect(stack.node.tryFindChild('Service')?.node.tryFindChild('DeploymentConfig')).toBeUndefined();
  });
});
