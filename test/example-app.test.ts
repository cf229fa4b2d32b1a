import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ExampleReleaseStack } from '../bin/example-stack';

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
  test('cdk-nag AwsSolutions finds nothing unacknowledged, and every acknowledgement gives a reason', () => {
    const { app } = exampleApp();
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

  test('synthesizes with the built-in CloudFormation validation in strict mode and cdk-nag as a plugin', () => {
    const { app, stack } = exampleApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(app.node.tryGetContext('@aws-cdk/core:validateAgainstDefaultRules')).toBe(true);
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template;
    expect(Object.keys(template.Resources).length).toBeGreaterThan(30);
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
  });

  // The two gates above only mean something if they can fail: these show they do.
  test('the gate fails on a cdk-nag finding nobody acknowledged', () => {
    const { app, stack } = exampleApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    new s3.Bucket(stack, 'UnreviewedBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });

  test('the gate fails on a template CloudFormation would reject', () => {
    const { app, stack } = exampleApp();
    new CfnResource(stack, 'Broken', { type: 'AWS::SNS::Topic', properties: { TopicNme: 'typo' } });
    let error: Error | undefined;
    try {
      app.synth();
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.name).toBe('ValidationFailed');
    expect(error?.message).toContain("'TopicNme' was unexpected");
  });
});
