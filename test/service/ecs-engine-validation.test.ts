import { App, Duration, LegacyStackSynthesizer, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, BlueGreenServiceProps, DeploymentEngine, ReleasePipeline, ReleaseSource, TrafficShifting, TrafficShiftingKind } from '../../lib';
import { CONNECTION_ARN, mockService, testStack as pipelineStack } from '../pipeline/util';
import { expectSynthError, synthesisMessages } from '../synth-errors';
import { serviceIn, testStack } from '../util';

/** Builds an ECS-engine service with `props` in a stack of its own. */
function ecsService(props: Partial<BlueGreenServiceProps>): { stack: Stack; build: () => BlueGreenService } {
  const stack = testStack();
  return { stack, build: () => serviceIn(stack, { engine: DeploymentEngine.ecs(), ...props }) };
}

function expectEcsServiceError(props: Partial<BlueGreenServiceProps>, message: string | RegExp): void {
  const { stack, build } = ecsService(props);
  expectSynthError(stack, build, message);
}

/** The synthesis messages of an ECS-engine service with `props`; empty when it synthesizes. */
function ecsServiceMessages(props: Partial<BlueGreenServiceProps>): string[] {
  const { stack, build } = ecsService(props);
  build();
  return synthesisMessages(stack.node.root as App);
}

describe('traffic shifting Amazon ECS refuses', () => {
  test('fails when a linear step is below ECS\'s least of 3%, naming the prop', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.linear(2, Duration.minutes(1)) },
      'TestStack/Orders: invalid trafficShifting (linear) percentage: must be an integer between 3 and 99, got 2; '
      + 'Amazon ECS shifts linear steps of 3 to 99 percent; use TrafficShifting.allAtOnce() for 100');
  });

  test('accepts a linear step of 3%, ECS\'s least', () => {
    expect(ecsServiceMessages({ trafficShifting: TrafficShifting.linear(3, Duration.minutes(1)) })).toEqual([]);
  });

  test('fails when a canary shifts 100%, which is all at once', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.canary(100, Duration.minutes(1)) },
      'TestStack/Orders: invalid trafficShifting (canary) percentage: must be an integer between 1 and 99, got 100');
  });

  test('fails when a step bakes longer than 24 hours', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.canary(10, Duration.hours(25)) },
      /TestStack\/Orders: invalid trafficShifting \(canary\) interval: must be between 0 and 1440 minutes, got 1500 minutes .*use at most Duration\.hours\(24\)/);
  });

  test('fails when a step\'s bake time is not whole minutes', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.linear(10, Duration.seconds(90)) },
      'TestStack/Orders: invalid trafficShifting (linear) interval: must be a whole number of minutes, got 1 minute 30 seconds');
  });

  test('fails when the termination wait passes ECS\'s 24 hours of bake time', () => {
    expectEcsServiceError({ terminationWait: Duration.hours(25) },
      'TestStack/Orders: invalid terminationWait: must be between 0 and 1440 minutes, got 1500 minutes; '
      + 'Amazon ECS keeps the old revision at most 24 hours after the last shift (its bake time); use at most Duration.hours(24)');
  });

  test('CodeDeploy keeps blue up to 2 days, so 25 hours and 2 days are accepted there', () => {
    for (const terminationWait of [Duration.hours(25), Duration.days(2)]) {
      const stack = testStack();
      serviceIn(stack, { terminationWait });
      Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
        BlueGreenDeploymentConfiguration: { TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE',
          TerminationWaitTimeInMinutes: terminationWait.toMinutes() } },
      });
    }
  });

  test('fails when fromDeploymentConfig gives a CodeDeploy configuration, which ECS cannot use', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.fromDeploymentConfig(codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES) },
      'TestStack/Orders: invalid trafficShifting: deployment configuration CodeDeployDefault.ECSCanary10Percent5Minutes is a CodeDeploy deployment '
      + 'configuration, which the Amazon ECS engine cannot use; give TrafficShifting.canary(), linear() or allAtOnce(), or use DeploymentEngine.codeDeploy()');
  });

  test('fails when fromDeploymentConfig gives a custom configuration said to shift linearly', () => {
    const stack = testStack();
    const config = codedeploy.EcsDeploymentConfig.fromEcsDeploymentConfigName(stack, 'Custom', 'orders-linear');
    expectSynthError(stack, () => serviceIn(stack, {
      engine: DeploymentEngine.ecs(),
      trafficShifting: TrafficShifting.fromDeploymentConfig(config, TrafficShiftingKind.LINEAR),
    }), /invalid trafficShifting: deployment configuration orders-linear is a CodeDeploy deployment configuration, which the Amazon ECS engine cannot use/);
  });

  // A CodeDeploy configuration is never silently ignored, whatever its kind.
  test('fails when fromDeploymentConfig gives CodeDeploy\'s all-at-once configuration too', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.fromDeploymentConfig(codedeploy.EcsDeploymentConfig.ALL_AT_ONCE) },
      /invalid trafficShifting: deployment configuration CodeDeployDefault.ECSAllAtOnce is a CodeDeploy deployment configuration/);
  });
});

describe('CloudFormation\'s 33-hour estimate of a canary or linear update', () => {
  // CloudFormation: linear, bake time + step bake time x steps, with floor(100 / step) steps when
  // the step does not divide 100 (33 for 3%); canary, bake time + canary bake time.
  test('fails when a linear deployment is estimated above 33 hours, naming the estimate and the props', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.linear(3, Duration.hours(1)), terminationWait: Duration.minutes(60) },
      'TestStack/Orders: invalid trafficShifting: linear 3% every 1 hour with a terminationWait of 1 hour is estimated at 34 hours, and '
      + 'CloudFormation refuses an Amazon ECS linear deployment estimated above 33 hours (bake time + step bake time x steps); '
      + 'shorten the interval or the terminationWait, or shift in larger steps');
  });

  test('accepts a linear deployment estimated at exactly 33 hours', () => {
    expect(ecsServiceMessages({ trafficShifting: TrafficShifting.linear(3, Duration.hours(1)), terminationWait: Duration.minutes(0) })).toEqual([]);
  });

  test('a step that divides 100 has one step fewer: linear(10, 3 hours 40 minutes) with a 0 bake time is 33 hours, accepted', () => {
    // 9 steps of 220 minutes: 1,980 minutes; with one more it would be refused.
    expect(ecsServiceMessages({ trafficShifting: TrafficShifting.linear(10, Duration.minutes(220)), terminationWait: Duration.minutes(0) })).toEqual([]);
    expect(ecsServiceMessages({ trafficShifting: TrafficShifting.linear(10, Duration.minutes(220)), terminationWait: Duration.minutes(1) }))
      .toEqual([expect.stringContaining('is estimated at 33 hours 1 minute')]);
  });

  test('fails when a canary bake of 24 hours and a termination wait of 10 hours pass 33 hours', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.canary(10, Duration.hours(24)), terminationWait: Duration.hours(10) },
      'TestStack/Orders: invalid trafficShifting: canary 10% then the rest after 1 day with a terminationWait of 10 hours is estimated at 34 hours, '
      + 'and CloudFormation refuses an Amazon ECS canary deployment estimated above 33 hours (bake time + canary bake time)');
  });

  test('accepts a canary estimated at 33 hours, and an all-at-once deployment with the longest bake time', () => {
    expect(ecsServiceMessages({ trafficShifting: TrafficShifting.canary(10, Duration.hours(24)), terminationWait: Duration.hours(9) })).toEqual([]);
    expect(ecsServiceMessages({ trafficShifting: TrafficShifting.allAtOnce(), terminationWait: Duration.hours(24) })).toEqual([]);
  });
});

describe('releases on the Amazon ECS engine', () => {
  test('every stack update releases: releasesOnStackUpdate is true, and deployOnStackUpdate false is refused', () => {
    const { stack, build } = ecsService({});
    expect(build().releasesOnStackUpdate).toBe(true);
    Template.fromStack(stack);
    expectEcsServiceError({ deployOnStackUpdate: false },
      'TestStack/Orders: invalid deployOnStackUpdate: cannot be false on the Amazon ECS engine, where every stack update of the service is a '
      + 'release; remove it, or use DeploymentEngine.codeDeploy() to release through ReleasePipeline only');
  });
});

describe('ReleasePipeline and the Amazon ECS engine', () => {
  test.each([
    ['a nested stack', (stack: Stack) => new NestedStack(stack, 'Services'),
      'PipelineStack/Release: invalid stages: stage \'Staging\' releases PipelineStack/Services/Staging by updating its stack, but the service '
      + 'is in the nested stack PipelineStack/Services, which only its parent\'s update changes; define the service in a top-level stack'],
    ['a stack without the bootstrap roles', (stack: Stack) => new Stack(stack.node.root as App, 'Legacy', { synthesizer: new LegacyStackSynthesizer() }),
      'PipelineStack/Release: invalid stages: stage \'Staging\' releases Legacy/Staging by updating its stack, but the service is in stack '
      + 'Legacy, synthesized by LegacyStackSynthesizer: the stage updates the stack through the CloudFormation execution role of the CDK '
      + 'bootstrap, which only DefaultStackSynthesizer (the default) names; use it for this stack'],
  ])('fails when a stage releases a service on the Amazon ECS engine in %s, naming the stage and the fix', (_, scopeOf, message) => {
    const stack = pipelineStack();
    const scope = scopeOf(stack);
    const ecsEngine = new BlueGreenService(scope, 'Staging', {
      vpc: new ec2.Vpc(scope, 'StagingVpc', { maxAzs: 2, natGateways: 1 }),
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      serviceName: 'staging',
      engine: DeploymentEngine.ecs(),
    });
    new ReleasePipeline(stack, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
      stages: [
        { stageName: 'Staging', service: ecsEngine },
        { stageName: 'Production', service: mockService(stack, 'Production') },
      ],
    });
    expect(synthesisMessages(stack.node.root as App)).toEqual([message]);
  });
});

describe('the approval wait within CloudFormation\'s 36-hour stack operation', () => {
  // The stack update waits for the deployment, pause included.
  test('fails when the pause takes a canary deployment past 33 hours, naming approvalWait', () => {
    expectEcsServiceError({
      trafficShifting: TrafficShifting.canary(10, Duration.hours(10)),
      terminationWait: Duration.hours(10),
      approvalWait: Duration.hours(14),
    }, /invalid approvalWait: canary 10% then the rest after 10 hours with a terminationWait of 10 hours and an approvalWait of 14 hours is estimated at 34 hours, .*shorten the interval, the approvalWait or the terminationWait/);
  });

  test('fails when the pause of an all-at-once deployment passes 33 hours', () => {
    expectEcsServiceError({ trafficShifting: TrafficShifting.allAtOnce(), terminationWait: Duration.hours(1), approvalWait: Duration.days(2) },
      /invalid approvalWait: all at once with a terminationWait of 1 hour and an approvalWait of 2 days is estimated at 49 hours, but CloudFormation times a stack update out after 36 hours/);
  });

  test('accepts a pause that fits', () => {
    expect(ecsServiceMessages({ trafficShifting: TrafficShifting.allAtOnce(), terminationWait: Duration.hours(1), approvalWait: Duration.hours(24) })).toEqual([]);
  });
});
