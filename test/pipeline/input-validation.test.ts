import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ReleasePipeline, ReleaseSource } from '../../lib';
import { expectSynthError, synthErrors } from '../synth-errors';
import { CONNECTION_ARN, mockService, testStack } from './util';

const gitSource = (): ReleaseSource => ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });

describe('ReleasePipeline input checks', () => {
  test('fails when one service is deployed by two stages', () => {
    const stack = testStack();
    const service = mockService(stack, 'Orders');
    new ReleasePipeline(stack, 'Release', {
      source: gitSource(),
      stages: [{ stageName: 'Staging', service }, { stageName: 'Production', service, requireApproval: true }],
    });
    expect(() => Template.fromStack(stack)).toThrow("PipelineStack/Release: invalid stages: stages 'Staging' and 'Production' both deploy "
      + 'PipelineStack/Orders; a stage after the first would deploy the release the service already runs');
  });

  test('fails when the S3 source bucket defined in the app is not versioned', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Sources');
    expectSynthError(stack, () => new ReleasePipeline(stack, 'Release', {
      source: ReleaseSource.s3({ bucket, bucketKey: 'orders-api/source.zip' }),
      stages: [{ stageName: 'Staging', service: mockService(stack, 'Orders') }],
    }), "PipelineStack/Release: invalid source: s3 bucket: PipelineStack/Sources is not versioned (versioning unset), and CodePipeline's "
      + 'S3 source needs object versions; create it with versioned: true');
  });

  test('a versioned bucket and an imported one, whose versioning cannot be seen, synthesize', () => {
    for (const bucketOf of [
      (stack: ReturnType<typeof testStack>) => new s3.Bucket(stack, 'Sources', { versioned: true }),
      (stack: ReturnType<typeof testStack>) => s3.Bucket.fromBucketName(stack, 'Sources', 'my-sources'),
    ]) {
      const stack = testStack();
      new ReleasePipeline(stack, 'Release', {
        source: ReleaseSource.s3({ bucket: bucketOf(stack), bucketKey: 'orders-api/source.zip' }),
        stages: [{ stageName: 'Staging', service: mockService(stack, 'Orders') }],
      });
      expect(() => Template.fromStack(stack)).not.toThrow();
    }
  });

  test('one synthesis reports every invalid prop and stage of a pipeline together', () => {
    const stack = testStack();
    const orders = mockService(stack, 'Orders');
    new ReleasePipeline(stack, 'Release', {
      source: gitSource(),
      notificationEmails: ['team'],
      preCheckCommands: [' '],
      stages: [{ stageName: 'Staging EU', service: orders }],
    });
    const errors = synthErrors(stack.node.root as App);
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringContaining('PipelineStack/Release: invalid preCheckCommands: entry 0 is empty'),
      expect.stringContaining("PipelineStack/Release: invalid notificationEmails: 'team' is not an e-mail address"),
      expect.stringContaining("PipelineStack/Release: invalid stages: stage 0 has the name 'Staging EU'"),
    ]));
    expect(errors).toHaveLength(3);
  });

  test('under the CLI, the stage problems become error annotations and the synthesis completes for the CLI to report them', () => {
    const app = new App({ builtinCloudFormationValidation: false, context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
    const stack = testStack(app);
    new ReleasePipeline(stack, 'Release', { source: gitSource() });
    expect(() => app.synth()).not.toThrow();
    Annotations.fromStack(stack).hasError('/PipelineStack/Release', Match.stringLikeRegexp('invalid stages: the pipeline has no stages'));
  });
});
