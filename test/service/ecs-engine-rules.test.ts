import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  BlueGreenServiceProps, CustomHook, DeploymentEngine, LifecycleEvent, MetricGateHook, MigrationHook, PreflightHook, SmokeCheck, SmokeTestHook,
  TrafficShifting,
} from '../../lib';
import { enableBuiltinValidation } from '../builtin-validation';
import { serviceIn, testStack } from '../util';

// The strict validation below runs the built-in CloudFormation validator; the other syntheses of
// this file turn it off in their apps (testStack).
enableBuiltinValidation();

// The context a user gets from cdk.json, including the strict validation flag.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };

type Resources = Record<string, { Type: string; Properties?: unknown; DependsOn?: unknown }>;

/** The resources of `types` in a template, by logical id. */
function resourcesOfTypes(resources: Resources, types: string[]): Resources {
  return Object.fromEntries(Object.entries(resources).filter(([, resource]) => types.includes(resource.Type)));
}

/** What ECS shifts traffic on, and what CloudFormation must therefore never write again after the first deployment. */
const ROUTING_TYPES = [
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
];

/**
 * The template of one release of an ECS-engine service: `release` 2 changes everything a release
 * changes (image, environment, size, task count, traffic shifting, termination wait, approval
 * wait), adds a rollback alarm and a hook, as the next commit of an application does.
 */
function releaseTemplate(release: 1 | 2): Resources {
  const stack = testStack('OrdersStack');
  const second = release === 2;
  const props: Partial<BlueGreenServiceProps> = second ? {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:mainline'),
    environment: { LOG_LEVEL: 'debug', FEATURE_CHECKOUT: 'on' },
    cpu: 1024,
    memoryLimitMiB: 2048,
    desiredCount: 4,
    trafficShifting: TrafficShifting.linear(20, Duration.minutes(2)),
    terminationWait: Duration.minutes(15),
    approvalWait: Duration.hours(4),
  } : {
    environment: { LOG_LEVEL: 'info' },
  };
  const service = serviceIn(stack, { engine: DeploymentEngine.ecs(), ...props });
  new PreflightHook(stack, 'Preflight', { service });
  if (second) {
    service.addRollbackAlarm(new cloudwatch.Alarm(stack, 'CheckoutErrors', {
      alarmName: 'orders-api: checkout errors',
      metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: 'CheckoutErrors' }),
      threshold: 1,
      evaluationPeriods: 1,
    }));
    new SmokeTestHook(stack, 'SmokeTests', { service, checks: [SmokeCheck.get('/health')] });
  }
  return Template.fromStack(stack).toJSON().Resources;
}

describe('a stack update never rewrites the traffic ECS has shifted (aws-cdk #36649)', () => {
  /**
   * Amazon ECS shifts production traffic by rewriting the weights of the listener rules: after a
   * deployment the production rule sends 100 to the target group the template calls green and 0 to
   * blue. The template still says blue 100, green 0, and CloudFormation writes a resource's
   * properties again whenever they differ from the last template's: if any release changed a rule
   * (or its listener, or a target group), the next `cdk deploy` would send all production traffic
   * back to the target group ECS has just emptied. So between two releases that change everything a
   * release changes, the rules, listeners and target groups, logical ids and properties alike, must
   * be byte-identical, while the service itself changes.
   */
  let first: Resources;
  let second: Resources;
  beforeAll(() => {
    first = releaseTemplate(1);
    second = releaseTemplate(2);
  });

  test('the listener rules, the listeners and the target groups are byte-identical between the two releases', () => {
    const before = resourcesOfTypes(first, ROUTING_TYPES);
    const after = resourcesOfTypes(second, ROUTING_TYPES);
    expect(Object.keys(before).sort()).toEqual(Object.keys(after).sort());
    for (const [type, count] of [['AWS::ElasticLoadBalancingV2::ListenerRule', 2], ['AWS::ElasticLoadBalancingV2::Listener', 2],
      ['AWS::ElasticLoadBalancingV2::TargetGroup', 2]] as const) {
      expect(Object.values(before).filter((resource) => resource.Type === type)).toHaveLength(count);
    }
    for (const id of Object.keys(before)) {
      expect({ id, resource: JSON.stringify(after[id]) }).toEqual({ id, resource: JSON.stringify(before[id]) });
    }
  });

  test('while the release itself changed the service and its task definition', () => {
    const changed = (type: string) => {
      const [before] = Object.values(resourcesOfTypes(first, [type]));
      const [after] = Object.values(resourcesOfTypes(second, [type]));
      return JSON.stringify(before.Properties) !== JSON.stringify(after.Properties);
    };
    expect(changed('AWS::ECS::Service')).toBe(true);
    expect(changed('AWS::ECS::TaskDefinition')).toBe(true);
    const hooksOf = (resources: Resources) => Object.values(resourcesOfTypes(resources, ['AWS::ECS::Service']))
      .map((service) => (service.Properties as { DeploymentConfiguration: { LifecycleHooks: unknown[] } }).DeploymentConfiguration.LifecycleHooks.length);
    // The pre-flight hook; then the approval wait's pause, the pre-flight hook and the smoke test.
    expect([hooksOf(first), hooksOf(second)]).toEqual([[1], [3]]);
  });
});

describe('an ECS-engine service under cdk-nag and the strict built-in CloudFormation validation', () => {
  /** cdk-nag's findings in `stack`, each as `<rule>: <construct path within the stack>`. */
  function findings(report: ReturnType<AwsSolutionsChecks['validateScope']>, stack: Stack): string[] {
    return report.violations.flatMap((violation) => violation.violatingResources
      .filter((resource) => resource.constructPath?.startsWith(`${stack.node.path}/`))
      .map((resource) => `${violation.ruleName}: ${resource.constructPath!.slice(stack.node.path.length + 1)}`)).sort();
  }

  test('reports nothing a default CodeDeploy-engine service does not report as well', () => {
    const app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: true });
    const stackOf = (id: string, props: Partial<BlueGreenServiceProps>) => {
      const stack = new Stack(app, id, { env: { region: 'eu-west-1' } });
      // Access logs keep AwsSolutions-ELB2 out of both reports.
      const accessLogsBucket = s3.Bucket.fromBucketName(stack, 'AccessLogs', 'orders-access-logs');
      return { stack, service: serviceIn(stack, { accessLogsBucket, ...props }) };
    };
    const codeDeploy = stackOf('CodeDeployStack', {});
    const onEcs = stackOf('EcsStack', {
      engine: DeploymentEngine.ecs(),
      trafficShifting: TrafficShifting.linear(20, Duration.minutes(2)),
      terminationWait: Duration.minutes(10),
      approvalWait: Duration.hours(2),
    });
    new PreflightHook(onEcs.stack, 'Preflight', { service: onEcs.service });
    new MigrationHook(onEcs.stack, 'Migrate', { service: onEcs.service, command: ['npm', 'run', 'migrate'] });
    new SmokeTestHook(onEcs.stack, 'SmokeTests', { service: onEcs.service, checks: [SmokeCheck.get('/health')] });
    new MetricGateHook(onEcs.stack, 'MetricGate', { service: onEcs.service });
    // An imported function: the user's own function and its role are theirs to review.
    const warmCaches = lambda.Function.fromFunctionArn(onEcs.stack, 'WarmCachesFunction', 'arn:aws:lambda:eu-west-1:111111111111:function:warm-caches');
    new CustomHook(onEcs.stack, 'WarmCaches', { service: onEcs.service, function: warmCaches, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC });
    expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);

    // The strict validator fails the synthesis on any template CloudFormation would reject.
    const assembly = app.synth();
    const reportFile = path.join(assembly.directory, 'validation-report.json');
    if (fs.existsSync(reportFile)) {
      expect(JSON.parse(fs.readFileSync(reportFile, 'utf8')).pluginReports).toEqual([]);
    }
    const ecsTemplate = assembly.getStackByName('EcsStack').template;
    expect(Object.values(ecsTemplate.Resources as Resources).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule')).toHaveLength(2);

    const report = new AwsSolutionsChecks(app).validateScope(app);
    const baseline = findings(report, codeDeploy.stack);
    // cdk-nag ran: the test cluster and VPC of both stacks have findings of their own.
    expect(baseline).toEqual(expect.arrayContaining(['AwsSolutions-ECS4: Cluster/Resource']));
    expect(findings(report, onEcs.stack).filter((finding) => !baseline.includes(finding))).toEqual([]);
  });
});
