import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReleasePipeline, ReleaseSource } from '../../lib';
import { CONNECTION_ARN, mockService } from './util';

// The context a user gets from cdk.json, including the strict validation flag.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../../cdk.json') as { context: Record<string, unknown> };

function releaseStack(app: App, source?: (stack: Stack) => ReleaseSource): { stack: Stack; pipeline: ReleasePipeline } {
  const stack = new Stack(app, 'Release', { env: { account: '123456789012', region: 'eu-west-1' } });
  const staging = mockService(stack, 'Staging');
  const production = mockService(stack, 'Production');
  const pipeline = new ReleasePipeline(stack, 'Pipeline', {
    source: source?.(stack) ?? ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
    preCheckCommands: ['npm ci', 'npm test'],
    stages: [
      { stageName: 'Staging', service: staging },
      { stageName: 'Production', service: production, requireApproval: true },
    ],
    notificationEmails: ['team@example.com'],
    slackWorkspaceId: 'T0123ABCD',
    slackChannelId: 'C0123ABCD',
  });
  return { stack, pipeline };
}

function findingsUnder(app: App, scope: ReleasePipeline): string[] {
  const prefix = `${scope.node.path}/`;
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((violation) => violation.violatingResources
    .filter((resource) => resource.constructPath?.startsWith(prefix))
    .map((resource) => `${violation.ruleName}: ${resource.constructPath}`));
}

// CloudFormation's schema validation of this pipeline runs in test/example-app.test.ts, which holds
// the syntheses under the built-in validation: its validator takes seconds to start in each file.
describe('ReleasePipeline under validation', () => {
  test('cdk-nag AwsSolutions reports nothing in the pipeline, whose every wildcard is acknowledged with a reason', () => {
    const app = new App({ context: cdkJson.context, builtinCloudFormationValidation: false });
    const { pipeline } = releaseStack(app);
    app.synth();

    expect(findingsUnder(app, pipeline)).toEqual([]);
  });

  test('cdk-nag AwsSolutions reports nothing with an S3 source either', () => {
    const app = new App({ context: cdkJson.context, builtinCloudFormationValidation: false });
    const { pipeline } = releaseStack(app, (stack) => ReleaseSource.s3({
      bucket: s3.Bucket.fromBucketName(stack, 'Sources', 'orders-sources'),
      bucketKey: 'orders-api/source.zip',
    }));
    app.synth();

    expect(findingsUnder(app, pipeline)).toEqual([]);
  });
});
