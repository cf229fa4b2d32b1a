import { App, CfnParameter, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  BlueGreenService, BlueGreenServiceProps, FailedTaskSetGuard, MetricGateHook, MigrationHook, PreflightHook, RollbackAlarms, SmokeCheck,
  SmokeTestHook,
} from '../../lib';
import { AlarmNaming } from '../../lib/alarms/private/naming';
import { awsLimitViolations } from '../aws-limits';
import { synthErrors } from '../synth-errors';
import { mockCluster, testImage, testStack } from '../util';

function service(scope: Construct, id: string, props: Partial<BlueGreenServiceProps> = {}): BlueGreenService {
  const stack = Stack.of(scope);
  const vpc = (stack.node.tryFindChild('Vpc') as ec2.Vpc | undefined) ?? mockCluster(stack).vpc;
  return new BlueGreenService(scope, id, { vpc, image: testImage, ...props });
}

/** A service with every library hook, as a release uses it. */
function serviceWithHooks(scope: Construct, id: string, props: Partial<BlueGreenServiceProps> = {}): BlueGreenService {
  const svc = service(scope, id, props);
  new PreflightHook(scope, `${id}Preflight`, { service: svc });
  new MigrationHook(scope, `${id}Migration`, { service: svc, command: ['npm', 'run', 'migrate'] });
  new SmokeTestHook(scope, `${id}Smoke`, { service: svc, checks: [SmokeCheck.get('/health')] });
  new MetricGateHook(scope, `${id}Gate`, { service: svc, production: true });
  return svc;
}

function errorsOf(stack: Stack): string[] {
  return synthErrors(stack.node.root as App);
}

const RULE = /1-64 letters, digits, '\.', '_' or '-', starting with a letter or digit/;

describe('serviceName: the rule', () => {
  test.each([
    ['x~y', 'a character outside the security-group description set'],
    ['ordersĀ', 'a letter outside Latin-1, which IAM refuses in a role description'],
    ['orders-😀', 'an emoji'],
    ['orders api', 'a space'],
    ['orders-api ', 'a trailing space, which the alarm names would lose and share with orders-api'],
    ['-orders', 'a leading hyphen'],
    ['', 'nothing'],
    ['a'.repeat(65), 'more than 64 characters'],
  ])('fails for %j (%s), naming the prop and the value', (name) => {
    const stack = testStack();
    service(stack, 'Orders', { serviceName: name });
    const errors = errorsOf(stack);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`TestStack/Orders: invalid serviceName: must have 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. 'orders-api', got '${name}'`);
  });

  test('a name of 64 characters with every hook gives a template within every limit AWS puts on the names and descriptions', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    // The longest stack name CloudFormation takes, so the alarm names are as long as they get.
    const stack = new Stack(app, 'S'.repeat(128));
    serviceWithHooks(stack, 'Orders', { serviceName: `orders.api_${'x'.repeat(53)}` });
    expect(errorsOf(stack)).toEqual([]);
    expect(awsLimitViolations(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  test('two services whose names differ only in a trailing space no longer share the fatal-log metric: the spaced one is refused', () => {
    const stack = testStack();
    service(stack, 'Orders', { serviceName: 'orders-api' });
    service(stack, 'Orders2', { serviceName: 'orders-api ' });
    expect(errorsOf(stack)).toEqual([expect.stringContaining('TestStack/Orders2: invalid serviceName:')]);
  });

  test('two services with the same name in one stack still fail, on the later one', () => {
    const stack = testStack();
    service(stack, 'Orders', { serviceName: 'orders-api' });
    service(stack, 'Orders2', { serviceName: 'orders-api' });
    expect(errorsOf(stack)).toEqual([expect.stringMatching(
      /TestStack\/Orders2\/RollbackAlarms: invalid serviceName: 'orders-api' is already used by TestStack\/Orders\/RollbackAlarms in the same stack/)]);
  });

  test('an invalid name is reported once: the stand-in of each service is its own, so no duplicate-name problem follows', () => {
    const stack = testStack();
    service(stack, 'Orders', { serviceName: 'orders api' });
    service(stack, 'Payments', { serviceName: 'orders api' });
    const errors = errorsOf(stack);
    expect(errors).toHaveLength(2);
    expect(errors.every((e) => /invalid serviceName: must have/.test(e))).toBe(true);
  });
});

describe('serviceName: tokens', () => {
  test('fails for a CfnParameter, saying why and where a per-environment name comes from', () => {
    const stack = testStack();
    service(stack, 'Orders', { serviceName: new CfnParameter(stack, 'Name').valueAsString });
    expect(errorsOf(stack)).toEqual([expect.stringMatching(new RegExp('TestStack/Orders: invalid serviceName: is a deploy-time value \\(a token\\), '
      + 'but it must be known at synthesis: .*CloudFormation needs as literal text. Pass a literal string; for a name per environment, '
      + 'read it from context'))]);
  });

  test('fails for a Lazy.string, and no token text reaches the metric name or the log stream prefix', () => {
    const stack = testStack();
    const svc = service(stack, 'Orders', { serviceName: Lazy.string({ produce: () => 'orders-api' }) });
    expect(errorsOf(stack)).toEqual([expect.stringContaining('TestStack/Orders: invalid serviceName: is a deploy-time value (a token)')]);
    expect(svc.logStreamPrefix).not.toContain('Token');
    expect(svc.rollbackAlarms!.metricFatalLogLines().metricName).not.toContain('Token');
  });
});

describe('serviceName: the default', () => {
  test('fails when the construct id it defaults to breaks the rule, and says to pass serviceName', () => {
    const stack = testStack();
    service(stack, 'Orders API');
    expect(errorsOf(stack)).toEqual([
      '[TestStack/Orders API] TestStack/Orders API: invalid serviceName: is not given, so it defaults to the construct id \'Orders API\', which is '
      + 'not a valid service name: a service name has 1-64 letters, digits, \'.\', \'_\' or \'-\', starting with a letter or digit, e.g. \'orders-api\'. '
      + 'Pass serviceName',
    ]);
  });

  test('a valid construct id is the name', () => {
    const stack = testStack();
    expect(service(stack, 'OrdersApi').serviceName).toBe('OrdersApi');
    expect(errorsOf(stack)).toEqual([]);
  });
});

describe('serviceName of RollbackAlarms, FailedTaskSetGuard and imported services', () => {
  function deploymentGroupOf(stack: Stack): codedeploy.IEcsDeploymentGroup {
    return codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(stack, 'Group', {
      application: codedeploy.EcsApplication.fromEcsApplicationName(stack, 'App', 'orders'),
      deploymentGroupName: 'orders',
    });
  }

  test('RollbackAlarms fails for an invalid serviceName', () => {
    const stack = testStack();
    new RollbackAlarms(stack, 'Alarms', { serviceName: 'orders~api', targetGroups: [], enableErrorRateAlarm: false, enableLatencyAlarm: false,
      enableUnhealthyTargetsAlarm: false, logGroup: new logs.LogGroup(stack, 'Logs') });
    expect(errorsOf(stack)).toEqual([expect.stringMatching(RegExp(`TestStack/Alarms: invalid serviceName: must have ${RULE.source}`))]);
  });

  test('RollbackAlarms fails when the id of its parent, its default, breaks the rule', () => {
    const stack = testStack();
    const parent = new Construct(stack, 'Orders API');
    new RollbackAlarms(parent, 'Alarms', { targetGroups: [], enableErrorRateAlarm: false, enableLatencyAlarm: false,
      enableUnhealthyTargetsAlarm: false, logGroup: new logs.LogGroup(stack, 'Logs') });
    expect(errorsOf(stack)).toEqual([expect.stringContaining(
      'TestStack/Orders API/Alarms: invalid serviceName: is not given, so it defaults to the id of its parent \'Orders API\'')]);
  });

  test('FailedTaskSetGuard fails for an invalid serviceName', () => {
    const stack = testStack();
    const svc = service(stack, 'Orders');
    new FailedTaskSetGuard(stack, 'Guard', { deploymentGroup: deploymentGroupOf(stack), service: svc.service, serviceName: 'Ā'.repeat(3) });
    expect(errorsOf(stack)).toEqual([expect.stringContaining('TestStack/Guard: invalid serviceName: must have 1-64 letters')]);
  });

  test('an imported service fails for an invalid serviceName attribute, and for an invalid id it defaults to', () => {
    const stack = testStack();
    const defined = service(stack, 'Orders', { serviceName: 'orders-api' });
    const attrs = {
      service: defined.service, deploymentGroup: defined.deploymentGroup!, loadBalancer: defined.loadBalancer,
      productionListener: defined.productionListener, testListener: defined.testListener, testListenerPort: defined.testListenerPort,
      blueTargetGroup: defined.blueTargetGroup, greenTargetGroup: defined.greenTargetGroup, taskDefinition: defined.taskDefinition,
    };
    BlueGreenService.fromBlueGreenServiceAttributes(stack, 'Imported', { ...attrs, serviceName: 'orders api' });
    BlueGreenService.fromBlueGreenServiceAttributes(stack, 'Imported Orders', attrs);
    expect(errorsOf(stack)).toEqual([
      expect.stringContaining('TestStack/Imported: invalid serviceName: must have 1-64 letters'),
      expect.stringContaining('TestStack/Imported Orders: invalid serviceName: is not given, so it defaults to the construct id \'Imported Orders\''),
    ]);
  });
});

describe('descriptions built from construct paths', () => {
  test('security-group descriptions aws-cdk-lib builds from a long path of any characters are made acceptable to EC2', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'S'.repeat(128));
    const scope = new Construct(stack, 'Ā~😀'.repeat(60));
    serviceWithHooks(scope, 'Orders', { serviceName: 'orders-api' });
    expect(errorsOf(stack)).toEqual([]);
    expect(awsLimitViolations(Template.fromStack(stack).toJSON())).toEqual([]);
  });

  test('security-group descriptions EC2 accepts are kept as they are, so no group is replaced', () => {
    const stack = testStack();
    service(stack, 'Orders', { serviceName: 'orders-api' });
    const groups = Template.fromStack(stack).findResources('AWS::EC2::SecurityGroup');
    expect(Object.values(groups).map((g) => g.Properties.GroupDescription).sort()).toEqual([
      'Automatically created Security Group for ELB TestStackOrdersLoadBalancer49157008',
      'TestStack/Orders/Service/SecurityGroup',
    ]);
  });

  test('a description given to allowTestListenerFrom is made acceptable to EC2', () => {
    const stack = testStack();
    const svc = service(stack, 'Orders', { serviceName: 'orders-api' });
    const peer = new ec2.SecurityGroup(stack, 'Peer', { vpc: svc.vpc });
    svc.allowTestListenerFrom(peer, 'tests of orders~api ✓');
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      Description: 'tests of orders-api -', FromPort: 8080,
    });
  });
});

describe('alarm names', () => {
  function naming(serviceName: string, stackName: string): AlarmNaming {
    const stack = testStack();
    return new AlarmNaming({ scope: stack, serviceName, stackName, attached: true, period: { toSeconds: () => 60 } as never,
      evaluationPeriods: 2, minRequestCount: 20 });
  }

  test('a name too long for 255 characters keeps its criterion and stack, and two names that start alike stay distinct', () => {
    const criterion = 'p99 latency > 750 ms (3x 250 ms) for 2 min';
    const a = naming(`${'a'.repeat(150)}-one`, 'S'.repeat(128)).alarmName(criterion);
    const b = naming(`${'a'.repeat(150)}-two`, 'S'.repeat(128)).alarmName(criterion);
    expect(a).toHaveLength(255);
    expect(b).toHaveLength(255);
    expect(a).not.toEqual(b);
    expect(a.endsWith(`: ${criterion} (${'S'.repeat(128)})`)).toBe(true);
  });

  test('a name that fits is as it was', () => {
    expect(naming('orders-api', 'OrdersProd').alarmName('FATAL log line')).toBe('orders-api: FATAL log line (OrdersProd)');
  });
});

// Ensures the template assertions above look at real security groups.
test('the limits check finds what EC2 refuses', () => {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
  new ec2.SecurityGroup(stack, 'Sg', { vpc, description: 'x~y' });
  expect(awsLimitViolations(Template.fromStack(stack).toJSON())).toEqual([expect.stringMatching(/GroupDescription: outside EC2's charset/)]);
});
