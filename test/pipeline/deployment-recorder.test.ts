import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BlueGreenService, DeploymentEngine } from '../../lib';
import { evaluateJson } from './cfn-eval';
import { ReleasePipeline, ReleaseSource } from '../../lib';
import { DEPLOYMENT_RECORDER_CONFIG_ENV, DeploymentRecorderConfig, RECORD_TABLE_ENV } from '../../contract/deployment-record';
import { CONNECTION_ARN, mockService, testStack } from './util';

const source = ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });

function pipelineTemplate(): { template: Template; pipeline: ReleasePipeline } {
  const stack = testStack();
  const staging = mockService(stack, 'Staging');
  const production = mockService(stack, 'Production');
  const pipeline = new ReleasePipeline(stack, 'Release', {
    source,
    stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', service: production, requireApproval: true }],
  });
  return { template: Template.fromStack(stack), pipeline };
}

function recorderOf(template: Template): { id: string; properties: Record<string, any> } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Writes the deployment record') } });
  expect(Object.keys(functions)).toHaveLength(1);
  const [id, resource] = Object.entries(functions)[0];
  return { id, properties: resource.Properties };
}

describe('deployment record table', () => {
  test('is on demand, with point-in-time recovery, encrypted by its own rotated key, and retained with that key', () => {
    const { template, pipeline } = pipelineTemplate();
    const tables = template.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(1);
    const [tableId, table] = Object.entries(tables)[0];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'releaseKey', KeyType: 'HASH' }, { AttributeName: 'recordId', KeyType: 'RANGE' }],
      LocalSecondaryIndexes: [{
        IndexName: 'byStartedAt',
        KeySchema: [{ AttributeName: 'releaseKey', KeyType: 'HASH' }, { AttributeName: 'startedAt', KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'ALL' },
      }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    const keyRef = table.Properties.SSESpecification.KMSMasterKeyId['Fn::GetAtt'][0];
    const key = template.toJSON().Resources[keyRef];
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(table.Properties.Tags).toEqual(expect.arrayContaining([{ Key: 'cdk-ecs-release:record-table', Value: 'PipelineStack/Release' }]));
    expect(pipeline.recordTable.node.path).toBe('PipelineStack/Release/DeploymentRecorder/Table');
    expect(tableId).toMatch(/^ReleaseDeploymentRecorderTable/);
  });

  test('the recorder may update items of the table, read the pipeline\'s, and use its key through DynamoDB and S3, nothing more', () => {
    const { template } = pipelineTemplate();
    const recorder = recorderOf(template);
    expect(recorder.properties.Runtime).toBe('nodejs24.x');
    const roleId = recorder.properties.Role['Fn::GetAtt'][0];
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    const statements = Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
    const keyId = Object.keys(template.findResources('AWS::KMS::Key', { Properties: { Description: Match.stringLikeRegexp('deployment record table') } }))[0];
    expect(statements).toEqual(expect.arrayContaining([
      // Single items only: a deployment's pipeline execution, a service's current failure.
      { Effect: 'Allow', Action: ['dynamodb:UpdateItem', 'dynamodb:GetItem'], Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } },
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      },
    ]));
    // Besides those two: the incident report's reads and put (test/pipeline/incident-reports.test.ts), its log group and its dead-letter queue.
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((action) => action.startsWith('dynamodb:') || action.startsWith('kms:')).sort())
      .toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKey']);
    expect(actions.filter((action) => !/^(dynamodb|kms|logs):/.test(action)).sort()).toEqual([
      'cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarms', 'codedeploy:GetDeployment', 'codedeploy:GetDeployment', 'codepipeline:ListActionExecutions',
      's3:PutObject', 'sqs:SendMessage',
    ]);
    // Who decided an approval: this pipeline's action executions only.
    const pipelineId = Object.keys(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const approvals = statements.filter((s) => s.Action === 'codepipeline:ListActionExecutions');
    expect(approvals).toHaveLength(1);
    expect(JSON.stringify(approvals[0].Resource)).toMatch(new RegExp(`^\\{"Fn::Join":.*:codepipeline:.*\\{"Ref":"${pipelineId}"\\}`));
    // Whether a deployment is CodeDeploy's rollback: GetDeployment on the stages' deployment groups only.
    const lookup = statements.filter((s) => s.Action === 'codedeploy:GetDeployment');
    expect(lookup).toHaveLength(2);
    expect(lookup.map((s) => JSON.stringify(s.Resource))).toEqual([
      expect.stringMatching(/deploymentgroup:.*StagingApplication.*StagingDeploymentGroup/),
      expect.stringMatching(/deploymentgroup:.*ProductionApplication.*ProductionDeploymentGroup/),
    ]);
  });

  test('the recorder knows each stage by its deployment group and deploy action', () => {
    const { template } = pipelineTemplate();
    const env = recorderOf(template).properties.Environment.Variables;
    expect(env[RECORD_TABLE_ENV]).toEqual({ Ref: Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] });
    const joined = env[DEPLOYMENT_RECORDER_CONFIG_ENV];
    // The deployment groups' names are references: render them by their logical ids.
    const text = typeof joined === 'string' ? joined : joined['Fn::Join'][1].map((part: unknown) => (typeof part === 'string' ? part : JSON.stringify(part).replace(/"/g, "'"))).join('');
    const config = JSON.parse(text) as DeploymentRecorderConfig;
    expect(config.deployActions).toEqual([
      { stageName: 'Staging', actionName: 'Deploy', serviceName: 'staging' },
      { stageName: 'Production', actionName: 'Deploy', serviceName: 'production' },
    ]);
    expect(config.deploymentGroups.map((g) => [g.serviceName, g.stageName])).toEqual([['staging', 'Staging'], ['production', 'Production']]);
    expect(config.ecsServices).toEqual([]);
    // The build's variables the image is read from: the names the buildspec exports.
    expect(config.buildVariables).toEqual({ imageUri: 'IMAGE_URI', imageTag: 'IMAGE_TAG' });
  });

  test('every rule of the deployment record also targets the recorder, retried then kept in its dead-letter queue', () => {
    const { template } = pipelineTemplate();
    const recorder = recorderOf(template);
    const queues = template.findResources('AWS::SQS::Queue');
    const queueId = Object.keys(queues).find((id) => id.startsWith('ReleaseDeploymentRecorderDeadLetterQueue'));
    expect(queueId).toBeDefined();
    expect(recorder.properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    const rules = template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('^Records the') } });
    expect(Object.values(rules).map((rule) => rule.Properties.Description).sort()).toEqual([
      'Records the CodeDeploy deployments of PipelineStack/Release',
      'Records the executions of PipelineStack/Release',
      'Records the rollback verifications and hook results of the services PipelineStack/Release deploys',
    ]);
    for (const rule of Object.values(rules)) {
      expect(rule.Properties.Targets).toHaveLength(2);
      expect(rule.Properties.Targets[1]).toMatchObject({
        Arn: { 'Fn::GetAtt': [recorder.id, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 21600, MaximumRetryAttempts: 8 },
      });
    }
    template.resourceCountIs('AWS::Lambda::Permission', Object.keys(template.findResources('AWS::Lambda::Permission')).length);
    const permissions = template.findResources('AWS::Lambda::Permission', { Properties: { FunctionName: { 'Fn::GetAtt': [recorder.id, 'Arn'] } } });
    // Those three rules' and each stage's rollback alarms' rule.
    expect(Object.values(permissions).map((p) => p.Properties.Principal)).toEqual(Array(5).fill('events.amazonaws.com'));
  });

  test('each stage\'s rollback alarms rule gives the recorder the raw event, beside the notifier\'s input, with no rule of its own', () => {
    const { template } = pipelineTemplate();
    const recorder = recorderOf(template);
    const rules = template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('rollback alarm went into ALARM$') } });
    expect(Object.keys(rules)).toHaveLength(2);
    for (const rule of Object.values(rules)) {
      expect(rule.Properties.EventPattern).toMatchObject({ 'source': ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], 'detail': { state: { value: ['ALARM'] } } });
      expect(rule.Properties.Targets).toHaveLength(2);
      expect(rule.Properties.Targets[0].InputTransformer).toBeDefined();
      expect(rule.Properties.Targets[1]).toMatchObject({ Arn: { 'Fn::GetAtt': [recorder.id, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 8 } });
      // As EventBridge sent it, its id included.
      expect(rule.Properties.Targets[1]).not.toHaveProperty('Input');
      expect(rule.Properties.Targets[1]).not.toHaveProperty('InputTransformer');
    }
    // The recorder knows each alarm by name, with its service and stage.
    const config = evaluateJson(recorder.properties.Environment.Variables[DEPLOYMENT_RECORDER_CONFIG_ENV]) as DeploymentRecorderConfig;
    expect(new Set(config.alarms!.map((a) => `${a.serviceName}#${a.stageName}`))).toEqual(new Set(['staging#Staging', 'production#Production']));
  });

  test('a record lost to the dead-letter queue raises an alarm on the notification topic', () => {
    const { template } = pipelineTemplate();
    const queueId = Object.keys(template.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('ReleaseDeploymentRecorderDeadLetterQueue'));
    const topicId = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'Release notifications' } }))[0];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^A deployment record of PipelineStack/Release could not be written'),
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
  });

  test('a stage on the Amazon ECS engine is known by its service ARN, and has no deploy action to link', () => {
    const stack = testStack();
    const staging = mockService(stack, 'Staging');
    const canary = new BlueGreenService(stack, 'Canary', {
      vpc: new ec2.Vpc(stack, 'CanaryVpc', { maxAzs: 2, natGateways: 1 }),
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
      serviceName: 'orders-canary',
      engine: DeploymentEngine.ecs(),
    });
    new ReleasePipeline(stack, 'Release', { source, stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Canary', service: canary }] });
    const template = Template.fromStack(stack);

    const config = evaluateJson(recorderOf(template).properties.Environment.Variables[DEPLOYMENT_RECORDER_CONFIG_ENV]) as DeploymentRecorderConfig;
    expect(config.ecsServices).toEqual([{ serviceArn: expect.stringMatching(/^REF\(CanaryService/), serviceName: 'orders-canary', stageName: 'Canary' }]);
    expect(config.deployActions.map((a) => a.stageName)).toEqual(['Staging']);
    const rule = Object.values(template.findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('^Records the Amazon ECS deployments') } }))[0];
    expect(rule.Properties.Targets[1].Arn).toEqual({ 'Fn::GetAtt': [recorderOf(template).id, 'Arn'] });
  });
});
