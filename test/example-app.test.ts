import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ExampleReleaseStack } from '../bin/example-stack';
import { ReleasePipeline, ReleaseSource } from '../lib';
import { CONNECTION_ARN, mockService } from './pipeline/util';
import { enableBuiltinValidation } from './builtin-validation';

enableBuiltinValidation();

// The context a user gets from cdk.json, including the strict validation flag.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json') as { context: Record<string, unknown> };

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

  test('synthesizes with the built-in CloudFormation validation in strict mode and cdk-nag as a plugin', () => {
    expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);
    const template = assembly.getStackByName(stack.stackName).template;
    expect(Object.keys(template.Resources).length).toBeGreaterThan(30);
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
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
});
