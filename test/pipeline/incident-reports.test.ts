import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DEPLOYMENT_RECORDER_CONFIG_ENV, DeploymentRecorderConfig, INCIDENT_BUCKET_ENV } from '../../contract/deployment-record';
import { RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../contract/release-notifier';
import { BlueGreenService, DeploymentEngine, ReleasePipeline, ReleaseSource } from '../../lib';
import { evaluateJson } from './cfn-eval';
import { CONNECTION_ARN, mockService, testStack } from './util';

const source = ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function synth(withEcs = false): { template: Template; pipeline: ReleasePipeline } {
  const stack = testStack();
  const production = mockService(stack, 'Production');
  const stages: { stageName: string; service: BlueGreenService }[] = [{ stageName: 'Production', service: production }];
  if (withEcs) {
    stages.push({ stageName: 'Canary', service: new BlueGreenService(stack, 'Canary', {
      vpc: new ec2.Vpc(stack, 'CanaryVpc', { maxAzs: 2, natGateways: 1 }),
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      serviceName: 'orders-canary',
      engine: DeploymentEngine.ecs(),
    }) });
  }
  const pipeline = new ReleasePipeline(stack, 'Release', { source, stages });
  return { template: Template.fromStack(stack), pipeline };
}

function bucketOf(template: Template): [string, { Properties: Record<string, any>; DeletionPolicy?: string }] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const buckets = Object.entries(template.findResources('AWS::S3::Bucket')).filter(([id]) => id.startsWith('ReleaseDeploymentRecorderIncidentReports'));
  expect(buckets).toHaveLength(1);
  return buckets[0] as [string, { Properties: Record<string, any>; DeletionPolicy?: string }]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function recorder(template: Template): { variables: Record<string, unknown>; statements: Statement[] } {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Writes the deployment record') } }));
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
  return {
    variables: fn.Properties.Environment.Variables,
    statements: Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement) as Statement[],
  };
}

function withAction(statements: Statement[], action: string): Statement[] {
  return statements.filter((s) => [s.Action].flat().includes(action));
}

describe('incident reports', () => {
  test('live in a private, SSL-only, versioned, retained bucket encrypted with the record table\'s key', () => {
    const { template, pipeline } = synth();
    const [bucketId, bucket] = bucketOf(template);
    const tableKey = Object.keys(template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('deployment record table') } }))[0];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [tableKey, 'Arn'] } }, BucketKeyEnabled: true,
      }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(pipeline.incidentReportBucket.node.path).toBe('PipelineStack/Release/DeploymentRecorder/IncidentReports/Bucket');
  });

  test('the recorder may put objects under incidents/ alone, with the key through S3 alone', () => {
    const { template } = synth();
    const [bucketId] = bucketOf(template);
    const { variables, statements } = recorder(template);
    expect(variables[INCIDENT_BUCKET_ENV]).toEqual({ Ref: bucketId });
    const puts = withAction(statements, 's3:PutObject');
    expect(puts).toEqual([{ Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/incidents/*']] } }]);
    expect(statements.flatMap((s) => [s.Action].flat()).filter((action) => action.startsWith('s3:'))).toEqual(['s3:PutObject']);
    const viaS3 = statements.filter((s) => JSON.stringify(s.Condition ?? {}).includes('"s3."'));
    expect(viaS3).toEqual([expect.objectContaining({ Action: 'kms:GenerateDataKey' })]);
  });

  test('the recorder reads single items of its own table and the stages\' rollback alarms by ARN, never every alarm', () => {
    const { template } = synth();
    const { statements } = recorder(template);
    const pipelineId = Object.keys(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const reads = withAction(statements, 'dynamodb:GetItem');
    expect(reads).toHaveLength(1);
    const alarms = withAction(statements, 'cloudwatch:DescribeAlarms');
    expect(alarms).toHaveLength(1);
    const resources = [alarms[0].Resource].flat();
    expect(resources.length).toBeGreaterThan(0);
    expect(resources).not.toContain('*');
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    for (const resource of resources) {
      expect(alarmIds).toContain((resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
    }
    const config = evaluateJson(recorder(template).variables[DEPLOYMENT_RECORDER_CONFIG_ENV]) as DeploymentRecorderConfig;
    expect(config.pipelineName).toBe(`REF(${pipelineId})`);
  });

  test('a stage on Amazon ECS lets the recorder read its service\'s deployments, to tell a rollback', () => {
    const { template } = synth(true);
    const [describe] = withAction(recorder(template).statements, 'ecs:DescribeServiceDeployments');
    expect(JSON.stringify(describe.Resource)).toMatch(/service-deployment\/.*CanaryCluster.*\/\*"\]\]\}$/);
  });

  test('the notifier is configured with the bucket and the stages it has reports of, to link each rollback\'s report', () => {
    const { template } = synth();
    const [bucketId] = bucketOf(template);
    const [notifier] = Object.values(template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { [RELEASE_NOTIFIER_CONFIG_ENV]: Match.anyValue() } } },
    }));
    const config = evaluateJson(notifier.Properties.Environment.Variables[RELEASE_NOTIFIER_CONFIG_ENV]) as ReleaseNotifierConfig;
    // The stages the recorder writes reports of, not a notified service it does not record.
    expect(config.incidentReports).toEqual({ bucket: `REF(${bucketId})`, releaseKeys: ['production#Production'] });
  });
});
