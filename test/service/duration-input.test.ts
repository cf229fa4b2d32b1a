import { CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BlueGreenService, BlueGreenServiceProps, TrafficShifting } from '../../lib';
import { expectSynthError } from '../synth-errors';
import { mockCluster, testImage, testStack } from '../util';

/** A service named Orders built with the props `props` gives for its stack (where parameters live). */
function build(props: (stack: Stack) => Partial<BlueGreenServiceProps>): { stack: Stack; create: () => BlueGreenService } {
  const stack = testStack();
  const { cluster } = mockCluster(stack);
  return { stack, create: () => new BlueGreenService(stack, 'Orders', { cluster, image: testImage, ...props(stack) }) };
}

function numberParam(stack: Stack, id = 'Param'): number {
  return new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
}

/** Asserts the synthesis fails naming the service and the prop, and that no aws-cdk-lib conversion error leaks. */
function failsWith(props: (stack: Stack) => Partial<BlueGreenServiceProps>, prop: string, detail: RegExp): void {
  const { stack, create } = build(props);
  expectSynthError(stack, create, new RegExp(`TestStack/Orders: invalid ${escape(prop)}: ${detail.source}`));
}

function escape(text: string): string {
  return text.replace(/[()]/g, '\\$&');
}

const NOT_A_LITERAL = /must be a literal (duration|number), not a deploy-time value \(token\): .*this\.node\.tryGetContext/;

describe('BlueGreenService durations given as deploy-time values (tokens)', () => {
  test('deregistrationDelay: Duration.seconds(<parameter>) is written to the string attribute as the parameter', () => {
    const { stack, create } = build((s) => ({ deregistrationDelay: Duration.seconds(numberParam(s)) }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: { Ref: 'Param' } }]),
    });
  });

  test('deregistrationDelay: Duration.seconds(Lazy.number(0)) becomes the string "0", which CfnTargetGroup takes', () => {
    const { stack, create } = build(() => ({ deregistrationDelay: Duration.seconds(Lazy.number({ produce: () => 0 })) }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }]),
    });
  });

  test('fails when deregistrationDelay is Duration.minutes(<parameter>), which cannot be converted to seconds', () => {
    failsWith((s) => ({ deregistrationDelay: Duration.minutes(numberParam(s)) }), 'deregistrationDelay',
      /is a deploy-time value \(token\) in minutes, which cannot be converted to the seconds .*Duration\.seconds\(value\)/);
  });

  test('healthCheckInterval: Duration.seconds(<parameter>) goes to HealthCheckIntervalSeconds as the parameter', () => {
    const { stack, create } = build((s) => ({ healthCheckInterval: Duration.seconds(numberParam(s)) }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckIntervalSeconds: { Ref: 'Param' } });
  });

  test('fails when healthCheckInterval is Duration.minutes(<parameter>)', () => {
    failsWith((s) => ({ healthCheckInterval: Duration.minutes(numberParam(s)) }), 'healthCheckInterval',
      /is a deploy-time value \(token\) in minutes, which cannot be converted/);
  });

  test('terminationWait and approvalWait: Duration.minutes(<parameter>) go to the deployment group as the parameters', () => {
    const { stack, create } = build((s) => ({
      terminationWait: Duration.minutes(numberParam(s, 'Termination')), approvalWait: Duration.minutes(numberParam(s, 'Approval')),
    }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      BlueGreenDeploymentConfiguration: {
        DeploymentReadyOption: { ActionOnTimeout: 'STOP_DEPLOYMENT', WaitTimeInMinutes: { Ref: 'Approval' } },
        TerminateBlueInstancesOnDeploymentSuccess: { Action: 'TERMINATE', TerminationWaitTimeInMinutes: { Ref: 'Termination' } },
      },
    });
  });

  test('fails when approvalWait is Duration.seconds(<Lazy>), which cannot be converted to minutes', () => {
    failsWith(() => ({ approvalWait: Duration.seconds(Lazy.number({ produce: () => 600 })) }), 'approvalWait',
      /is a deploy-time value \(token\) in seconds, which cannot be converted to the minutes/);
  });

  test('fails when terminationWait is Duration.hours(<parameter>)', () => {
    failsWith((s) => ({ terminationWait: Duration.hours(numberParam(s)) }), 'terminationWait', /is a deploy-time value \(token\) in hours/);
  });

  test('desiredCount: a parameter goes to the service as it is', () => {
    const { stack, create } = build((s) => ({ desiredCount: numberParam(s) }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::Service', { DesiredCount: { Ref: 'Param' } });
  });

  test.each(['containerPort', 'listenerPort', 'testListenerPort', 'cpu', 'memoryLimitMiB'] as const)(
    'fails when %s is a deploy-time value: the library needs it at synthesis', (prop) => {
      failsWith((s) => ({ [prop]: numberParam(s) }), prop, NOT_A_LITERAL);
    });
});

describe('TrafficShifting given deploy-time values (tokens)', () => {
  test('linear(<parameter>, Duration.minutes(<parameter>)) builds a custom configuration carrying both', () => {
    const { stack, create } = build((s) => ({
      trafficShifting: TrafficShifting.linear(numberParam(s, 'Percent'), Duration.minutes(numberParam(s, 'Minutes'))),
    }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      TrafficRoutingConfig: { Type: 'TimeBasedLinear', TimeBasedLinear: { LinearInterval: { Ref: 'Minutes' }, LinearPercentage: { Ref: 'Percent' } } },
    });
  });

  test('fails when linear(1, Duration.seconds(<Lazy 60>)): CodeDeploy counts minutes and a token cannot be converted', () => {
    failsWith(() => ({ trafficShifting: TrafficShifting.linear(1, Duration.seconds(Lazy.number({ produce: () => 60 }))) }),
      'trafficShifting (linear) interval', /is a deploy-time value \(token\) in seconds, which cannot be converted to the minutes/);
  });

  test('fails when canary interval is Duration.hours(<parameter>)', () => {
    failsWith((s) => ({ trafficShifting: TrafficShifting.canary(10, Duration.hours(numberParam(s))) }),
      'trafficShifting (canary) interval', /is a deploy-time value \(token\) in hours/);
  });
});

describe('BlueGreenService durations and numbers at the extremes', () => {
  const durationProps = [
    ['healthCheckInterval', 'seconds'],
    ['deregistrationDelay', 'seconds'],
    ['terminationWait', 'minutes'],
    ['approvalWait', 'minutes'],
  ] as const;
  const extremes: Array<[string, Duration]> = [
    ['NaN seconds', Duration.seconds(NaN)],
    ['Infinity minutes', Duration.minutes(Infinity)],
    ['1e308 hours', Duration.hours(1e308)],
    ['5e-324 hours', Duration.hours(5e-324)],
  ];
  for (const [prop, unit] of durationProps) {
    test.each(extremes)(`fails when ${prop} is %s, naming the prop and the value`, (_, value) => {
      failsWith(() => ({ [prop]: value }), prop, new RegExp(`must be (between .* ${unit}|a whole number of ${unit}), got Duration\\.`));
    });
  }

  test('fails when healthCheckInterval is a fraction of a second: Duration.seconds(16.001)', () => {
    failsWith(() => ({ healthCheckInterval: Duration.seconds(16.001) }), 'healthCheckInterval',
      /must be a whole number of seconds, got Duration\.seconds\(16\.001\)/);
  });

  test('fails when approvalWait is a fraction of a minute: Duration.seconds(90)', () => {
    failsWith(() => ({ approvalWait: Duration.seconds(90) }), 'approvalWait', /must be a whole number of minutes, got 1 minute 30 seconds/);
  });

  test('a whole number of seconds given in another unit is accepted and rendered in seconds', () => {
    const { stack, create } = build(() => ({ deregistrationDelay: Duration.millis(45_000), healthCheckInterval: Duration.minutes(0.5) }));
    create();
    Template.fromStack(stack).hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckIntervalSeconds: 30,
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '45' }]),
    });
  });

  test.each([
    ['linear', NaN], ['linear', Infinity], ['canary', 1e308], ['canary', 5e-324], ['canary', 10.5], ['linear', 0], ['canary', 100],
  ] as const)('fails when %s percentage is %s', (kind, percentage) => {
    failsWith(() => ({ trafficShifting: TrafficShifting[kind](percentage, Duration.minutes(5)) }),
      `trafficShifting (${kind}) percentage`, /must be an integer between 1 and 99, got /);
  });

  test.each([
    Duration.minutes(NaN), Duration.minutes(Infinity), Duration.hours(1e308), Duration.hours(5e-324), Duration.seconds(61), Duration.days(3),
  ])('fails when the linear interval is %s', (interval) => {
    failsWith(() => ({ trafficShifting: TrafficShifting.linear(10, interval) }), 'trafficShifting (linear) interval',
      /must be (between 1 and 2880 minutes|a whole number of minutes), got /);
  });

  test.each([
    ['containerPort', NaN], ['containerPort', 5e-324], ['listenerPort', Infinity], ['testListenerPort', 1e308], ['desiredCount', -1],
    ['desiredCount', 2.5], ['cpu', NaN], ['memoryLimitMiB', Infinity],
  ] as const)('fails when %s is %s', (prop, value) => {
    failsWith(() => ({ [prop]: value }), prop, /(.* )?(must be an integer between|is not a size Fargate accepts|must be one of)/);
  });
});

describe('BlueGreenService.fromBlueGreenServiceAttributes ports', () => {
  function importWith(ports: (stack: Stack) => { containerPort?: number; testListenerPort?: number }): () => unknown {
    const stack = testStack();
    const { cluster } = mockCluster(stack);
    const defined = new BlueGreenService(stack, 'Defined', { cluster, image: testImage });
    return () => BlueGreenService.fromBlueGreenServiceAttributes(stack, 'Orders', {
      service: defined.service, deploymentGroup: defined.deploymentGroup!, loadBalancer: defined.loadBalancer,
      productionListener: defined.productionListener, testListener: defined.testListener, testListenerPort: defined.testListenerPort,
      blueTargetGroup: defined.blueTargetGroup, greenTargetGroup: defined.greenTargetGroup, taskDefinition: defined.taskDefinition,
      containerName: defined.containerName, ...ports(stack),
    });
  }

  test('fails when containerPort is a deploy-time value: the AppSpec file names it', () => {
    expect(importWith((s) => ({ containerPort: numberParam(s) }))).toThrow(new RegExp(`TestStack/Orders: invalid containerPort: ${NOT_A_LITERAL.source}`));
  });

  test.each([
    ['containerPort', NaN], ['containerPort', 5e-324], ['testListenerPort', Infinity], ['testListenerPort', 1e308], ['testListenerPort', 0],
  ] as const)('fails when %s is %s', (prop, value) => {
    expect(importWith(() => ({ [prop]: value }))).toThrow(new RegExp(`TestStack/Orders: invalid ${prop}: must be an integer between 1 and 65535, got `));
  });

  test('a deploy-time testListenerPort goes into the test URL', () => {
    const stack = testStack();
    const port = numberParam(stack);
    const { cluster } = mockCluster(stack);
    const defined = new BlueGreenService(stack, 'Defined', { cluster, image: testImage });
    const imported = BlueGreenService.fromBlueGreenServiceAttributes(stack, 'Orders', {
      service: defined.service, deploymentGroup: defined.deploymentGroup!, loadBalancer: defined.loadBalancer,
      productionListener: defined.productionListener, testListener: defined.testListener, testListenerPort: port,
      blueTargetGroup: defined.blueTargetGroup, greenTargetGroup: defined.greenTargetGroup, taskDefinition: defined.taskDefinition,
      containerName: defined.containerName,
    });
    expect(JSON.stringify(stack.resolve(imported.testUrl))).toContain('{"Ref":"Param"}');
  });
});
