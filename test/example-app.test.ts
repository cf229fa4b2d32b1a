import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { parse } from 'yaml';
import { ExampleReleaseStack } from '../bin/example-stack';
import { ReleasePipeline, ReleaseSource } from '../lib';
import { mockService as mockAlarmedService } from './alarms/mock-service';
import { alarmsOn } from './alarms/rollback-alarms-fixtures';
import { hookConfigOf, serviceWithEveryHook } from './hooks/util';
import { CONNECTION_ARN, mockService } from './pipeline/util';
import { enableBuiltinValidation } from './builtin-validation';
import { describeStrictSample } from './property/strict-sample';

enableBuiltinValidation();

// The context a user gets from cdk.json, including the strict validation flag.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json') as { context: Record<string, unknown> };

/**
 * Users have deployed the example's stacks: a changed logical id makes CloudFormation replace the
 * resource (a load balancer, a service, a database migration's task role). This list is the
 * example template's ids as deployed; a change to it must be deliberate and explained in its commit.
 * Regenerate it with `UPDATE_LOGICAL_IDS=1 npx jest test/example-app.test.ts`.
 */
const LOGICAL_IDS = path.join(__dirname, 'example-app.logical-ids.txt');

function exampleApp(): { app: App; stack: ExampleReleaseStack } {
  const app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: true });
  const stack = new ExampleReleaseStack(app, 'OrdersApiRelease', { env: { region: 'eu-west-1' } });
  return { app, stack };
}

function acknowledgements(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node.findAll().flatMap((c) => c.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    .map(([id, reason]) => ({ path: c.node.path, id, reason })));
}

describe('example app', () => {
  // One synthesis of the example app, validated and checked by cdk-nag, serves every assertion on
  // it: the validator's start-up and the synthesis of the whole app each take seconds.
  let app: App;
  let stack: ExampleReleaseStack;
  let assembly: CloudAssembly;
  beforeAll(() => {
    ({ app, stack } = exampleApp());
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    assembly = app.synth();
  }, 120_000);

  test('writes a runbook per environment into the cloud assembly, next to the template', () => {
    const files = ['orders-api-preview', 'orders-api-staging', 'orders-api'].map((name) => `${stack.artifactId}.${name}.runbook.md`);
    for (const file of files) {
      const runbook = fs.readFileSync(path.join(assembly.directory, file), 'utf8');
      expect(runbook).toContain('## Rollback criteria');
      expect(runbook).toContain('npx cdk-ecs-release abort --service ');
      expect(runbook).not.toMatch(/\$\{Token\[/);
    }
    const production = fs.readFileSync(path.join(assembly.directory, files[2]), 'utf8');
    expect(production).toContain('### Production');
    expect(production).toContain('- Manual approval: yes, before the deployment');
    expect(production).toContain('orders-oncall@example.com (e-mail) (WARNING and above)');
    expect(production).toContain('npx cdk-ecs-release rollback --service orders-api --stage Production');
  });

  describe('the release preview in the cloud assembly', () => {
    const previewFile = (file: string) => fs.readFileSync(path.join(assembly.directory, stack.pipeline.previewDirectory!, file), 'utf8');

    test('has every stage and service, with no token left in any file', () => {
      const root = path.join(assembly.directory, stack.pipeline.previewDirectory!);
      expect(stack.pipeline.previewDirectory).toBe('OrdersApiRelease.Release.release-preview');
      const files = fs.readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile())
        .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name))).sort();
      expect(files).toEqual([
        'Preview/orders-api-preview/ecs-deployment.json',
        'Production/orders-api/appspec.yaml', 'Production/orders-api/taskdef.json',
        'Staging/orders-api-staging/appspec.yaml', 'Staging/orders-api-staging/taskdef.json',
        'preview.md',
      ]);
      for (const file of files) {
        expect(previewFile(file)).not.toContain('${Token[');
        expect(previewFile(file)).not.toContain('resolved at deploy');
      }
      const stages = previewFile('preview.md').split('\n').filter((line) => /^\| (Preview|Staging|Production) \|/.test(line))
        .map((line) => line.split(' | ').slice(0, 5).join(' | '));
      expect(stages).toEqual([
        '| Preview | orders-api-preview | Amazon ECS | linear 25% every 2 minutes | none',
        '| Staging | orders-api-staging | CodeDeploy | all at once | none',
        '| Production | orders-api | CodeDeploy | canary 10% then the rest after 5 minutes | manual approval first',
      ]);
    });

    test('the appspec of each CodeDeploy stage lists its hooks in order, by function', () => {
      for (const file of ['Staging/orders-api-staging/appspec.yaml', 'Production/orders-api/appspec.yaml']) {
        const appSpec = parse(previewFile(file));
        expect(appSpec.Hooks.map((hook: Record<string, string>) => Object.entries(hook)[0])).toEqual([
          ['BeforeInstall', '<CdkEcsReleasePreflightHook>'],
          ['AfterInstall', '<CdkEcsReleaseMigrationHook>'],
          ['AfterAllowTestTraffic', '<CdkEcsReleaseSmokeTestHook>'],
          ['AfterAllowTraffic', '<CdkEcsReleaseMetricGateHook>'],
        ]);
        expect(appSpec.Resources[0].TargetService.Properties.TaskDefinition).toBe('<TASK_DEFINITION>');
      }
    });

    test('the taskdef has the container, its port, the image placeholder and the release version placeholder', () => {
      const taskDefinition = JSON.parse(previewFile('Production/orders-api/taskdef.json'));
      expect(taskDefinition.taskRoleArn).toBe('<Production/TaskDefinition/TaskRole.Arn>');
      expect(taskDefinition.containerDefinitions).toEqual([expect.objectContaining({
        name: 'web', image: '<IMAGE1_NAME>', portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        environment: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'RELEASE_VERSION', value: '<release version>' }],
      })]);
    });

    test('the Amazon ECS stage has its strategy, bake time, steps, approval pause, hooks with their stages and alarms', () => {
      const deployment = JSON.parse(previewFile('Preview/orders-api-preview/ecs-deployment.json'));
      const configuration = deployment.DeploymentConfiguration;
      expect(configuration).toMatchObject({ Strategy: 'LINEAR', BakeTimeInMinutes: 10, LinearConfiguration: { StepPercent: 25, StepBakeTimeInMinutes: 2 } });
      expect(configuration.Alarms.AlarmNames).toContain('orders-api-preview: 5xx rate > 1% for 2 min (OrdersApiRelease)');
      expect(configuration.LifecycleHooks.map((hook: { HookTargetArn?: string; TargetType?: string; LifecycleStages: string[] }) =>
        `${hook.HookTargetArn ?? hook.TargetType} ${hook.LifecycleStages.join(',')}`)).toEqual([
        'PAUSE POST_TEST_TRAFFIC_SHIFT',
        '<CdkEcsReleasePreflightEcsHook.Arn> PRE_SCALE_UP',
        '<CdkEcsReleaseMigrationEcsHook.Arn> POST_SCALE_UP',
        '<CdkEcsReleaseSmokeTestEcsHook.Arn> POST_TEST_TRAFFIC_SHIFT',
        '<CdkEcsReleaseMetricGateEcsHook.Arn> POST_PRODUCTION_TRAFFIC_SHIFT',
      ]);
      expect(previewFile('preview.md')).toContain('- Approval wait: up to 4 hours for a person before production traffic shifts, then it rolls back');
    });
  });

  test('synthesizes with the built-in CloudFormation validation in strict mode and cdk-nag as a plugin', () => {
    expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);
    const template = assembly.getStackByName(stack.stackName).template;
    expect(Object.keys(template.Resources).length).toBeGreaterThan(30);
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });

  test('production releases only in its deployment window and outside its freezes, which the strict validation accepts', () => {
    const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const pipeline = Object.values(resources).find((r) => r.Type === 'AWS::CodePipeline::Pipeline')!;
    const stages = pipeline.Properties.Stages as Array<{ Name: string; BeforeEntry?: { Conditions: Array<{ Rules: Array<{ Configuration: unknown }> }> } }>;
    expect(stages.filter((s) => s.BeforeEntry).map((s) => [s.Name, s.BeforeEntry!.Conditions[0].Rules[0].Configuration]))
      .toEqual([['Production', { Cron: '* * 9-15 ? * MON,TUE,WED,THU *', TimeZone: 'Europe/Dublin' }]]);
    // The pre-flight hook keeps the same window for production alone, whoever starts the deployment.
    const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
    expect(hookConfigOf(stack, template, stack.production, 'preflight').deploymentWindow)
      .toEqual({ days: ['MON', 'TUE', 'WED', 'THU'], startHour: 9, endHour: 16, timeZone: 'Europe/Dublin', description: 'Mon, Tue, Wed, Thu 09:00-16:00 Europe/Dublin' });
    expect(hookConfigOf(stack, template, stack.staging, 'preflight').deploymentWindow).toBeUndefined();
    // And production's change freezes, from the calendar the stack creates.
    expect(hookConfigOf(stack, template, stack.production, 'preflight').changeCalendars).toEqual(['<ProductionFreezeAE0B2A40>']);
    expect(hookConfigOf(stack, template, stack.staging, 'preflight').changeCalendars).toBeUndefined();
    // The same calendar holds production at its entry, with the service's hotfix override.
    const rules = stages.find((s) => s.Name === 'Production')!.BeforeEntry!.Conditions[0].Rules as unknown as Array<{ Name: string; Commands?: unknown }>;
    expect(rules.map((rule) => rule.Name)).toEqual(['DeploymentWindow-Production', 'ChangeFreeze-Production']);
    const commands = JSON.stringify(rules[1].Commands);
    expect(commands).toContain('{"Ref":"ProductionFreezeAE0B2A40"}');
    expect(commands).toContain("P='/cdk-ecs-release/freeze-override/orders-api'");
    expect(hookConfigOf(stack, template, stack.production, 'preflight').freezeOverride)
      .toMatchObject({ parameterName: '/cdk-ecs-release/freeze-override/orders-api' });
  });

  test('the example template keeps the logical ids of its resources', () => {
    const resources = assembly.getStackByName(stack.stackName).template.Resources as Record<string, { Type: string }>;
    const actual = Object.entries(resources).map(([id, resource]) => `${id} ${resource.Type}`).sort();
    if (process.env.UPDATE_LOGICAL_IDS === '1') {
      fs.writeFileSync(LOGICAL_IDS, `${actual.join('\n')}\n`);
    }
    const expected = fs.readFileSync(LOGICAL_IDS, 'utf8').split('\n').filter((line) => line.length > 0);
    const removed = expected.filter((line) => !actual.includes(line));
    const added = actual.filter((line) => !expected.includes(line));
    // Reported apart: a removed id replaces a deployed resource, an added one only creates one.
    expect({ removed, added }).toEqual({ removed: [], added: [] });
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged, and every acknowledgement gives a reason', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.templatePath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);

    const acks = acknowledgements(app).filter((ack) => ack.id.includes('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      // A reason a reviewer accepts says what and why, not just "ok".
      expect(ack.reason.length).toBeGreaterThan(60);
    }
  });

  // The two gates above only mean something if they can fail: these show they do.
  test('the gate fails on a cdk-nag finding nobody acknowledged', () => {
    const unreviewed = exampleApp();
    Validations.of(unreviewed.app).addPlugins(new AwsSolutionsChecks(unreviewed.app));
    new s3.Bucket(unreviewed.stack, 'UnreviewedBucket');
    expect(() => unreviewed.app.synth()).toThrow(/AwsSolutions-S10/);
  });

  test('the gate fails on a template CloudFormation would reject', () => {
    const broken = exampleApp();
    new CfnResource(broken.stack, 'Broken', { type: 'AWS::SNS::Topic', properties: { TopicNme: 'typo' } });
    let error: Error | undefined;
    try {
      broken.app.synth();
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.name).toBe('ValidationFailed');
    expect(error?.message).toContain("'TopicNme' was unexpected");
  });
});

// The built-in validator takes seconds to start in each test file that runs it, so this file also
// holds the syntheses under it of what the example app leaves out.
describe('under the built-in CloudFormation validation in strict mode', () => {
  test('a release pipeline that notifies a Slack channel synthesizes', () => {
    const app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: true });
    const stack = new Stack(app, 'Release', { env: { account: '123456789012', region: 'eu-west-1' } });
    new ReleasePipeline(stack, 'Pipeline', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
      preCheckCommands: ['npm ci', 'npm test'],
      stages: [
        { stageName: 'Staging', service: mockService(stack, 'Staging') },
        { stageName: 'Production', service: mockService(stack, 'Production'), requireApproval: true },
      ],
      notificationEmails: ['team@example.com'],
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
    });
    expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);

    expect(() => app.synth()).not.toThrow();
  });

  test('a service with every hook, one of them traced, synthesizes', () => {
    const app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: true });
    serviceWithEveryHook(app);
    expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);
    const assembly = app.synth();
    const reportFile = path.join(assembly.directory, 'validation-report.json');
    if (fs.existsSync(reportFile)) {
      expect(JSON.parse(fs.readFileSync(reportFile, 'utf8')).pluginReports).toEqual([]);
    }
  });

  // The alarms, metric filters, composite alarm and deployment group settings must be what
  // CloudFormation takes.
  test('rollback alarms of every kind and a composite alarm synthesize', () => {
    const app = new App({
      context: {
        '@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup': true,
        '@aws-cdk/core:validateAgainstDefaultRules': true,
      },
    });
    const stack = new Stack(app, 'OrdersStack');
    const svc = mockAlarmedService(stack);
    const alarms = alarmsOn(stack, svc, { service: svc.service });
    for (let i = 1; i <= 8; i++) {
      alarms.addAlarm(new cloudwatch.Alarm(stack, `User${i}`, {
        metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: `Metric${i}` }),
        threshold: 1,
        evaluationPeriods: 1,
      }));
    }
    expect(() => app.synth()).not.toThrow();
  });
});

describeStrictSample();
