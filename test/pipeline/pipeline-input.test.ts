import { App, CfnParameter, Stack, StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ReleasePipeline, ReleasePipelineProps, ReleaseSource, ReleaseStageOptions } from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

const ACCOUNT = '123456789012';
const HERE = { account: ACCOUNT, region: 'eu-west-1' };

function gitSource(): ReleaseSource {
  return ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });
}

function pipelineIn(stack: Stack, props: Partial<ReleasePipelineProps> = {}): ReleasePipeline {
  return new ReleasePipeline(stack, 'Release', { source: gitSource(), ...props });
}

describe('pipelineName', () => {
  test.each([
    ['', "got ''"],
    ['orders release', "got 'orders release'"],
    ['café', "got 'café'"],
    ['a'.repeat(101), `got '${'a'.repeat(101)}' (101 characters)`],
  ])('fails for %j with the library\'s message alone, naming the value', (name, got) => {
    const stack = testStack();
    pipelineIn(stack, { pipelineName: name, stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging') }] });

    expect(synthesisMessages(stack.node.root as App)).toEqual([
      "PipelineStack/Release: invalid pipelineName: must be 1-100 letters, digits, '.', '@', '_' or '-', "
      + `${got}; CodePipeline refuses other names, e.g. use 'orders-api-release', or leave it unset for a generated name`,
    ]);
  });

  test('a name of 100 of the allowed characters, and a deploy-time value, name the pipeline', () => {
    const name = `orders.api@release_${'x'.repeat(80)}-`;
    const stack = testStack();
    pipelineIn(stack, { pipelineName: name, stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging') }] });
    Template.fromStack(stack).hasResourceProperties('AWS::CodePipeline::Pipeline', { Name: name });

    const other = testStack();
    const parameter = new CfnParameter(other, 'PipelineName');
    pipelineIn(other, { pipelineName: parameter.valueAsString, stages: [{ stageName: 'Staging', service: mockService(other, 'Staging') }] });
    Template.fromStack(other).hasResourceProperties('AWS::CodePipeline::Pipeline', { Name: { Ref: 'PipelineName' } });
  });
});

describe('notificationEmails that are not addresses', () => {
  test.each([[''], ['   '], ['team'], ['team @example.com']])('fails for %j as an invalid address, not on a construct id', (email) => {
    const stack = testStack();
    pipelineIn(stack, { notificationEmails: [email], stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging') }] });

    expect(synthesisMessages(stack.node.root as App)).toEqual([
      `PipelineStack/Release: invalid notificationEmails: '${email}' is not an e-mail address; pass addresses like 'team@example.com'`,
    ]);
  });

  test('an address subscribes with the address as its id, and a deploy-time address by its place in the list', () => {
    const stack = testStack();
    const parameter = new CfnParameter(stack, 'OnCall');
    pipelineIn(stack, {
      notificationEmails: ['team@example.com', parameter.valueAsString],
      stages: [{ stageName: 'Staging', service: mockService(stack, 'Staging') }],
    });
    const subscriptions = Template.fromStack(stack).findResources('AWS::SNS::Subscription', { Properties: { Protocol: 'email' } });

    expect(Object.keys(subscriptions).sort()).toEqual([
      expect.stringMatching(/^ReleaseNotificationsTopicEmail1[0-9A-F]{8}$/),
      expect.stringMatching(/^ReleaseNotificationsTopicteamexamplecom[0-9A-F]{8}$/),
    ]);
    expect(Object.values(subscriptions).map((s) => s.Properties.Endpoint)).toEqual(expect.arrayContaining(['team@example.com', { Ref: 'OnCall' }]));
  });
});

describe('a refused stage fails the synthesis with the library\'s message alone', () => {
  test.each<[string, (services: ReturnType<typeof mockService>[]) => ReleaseStageOptions[], string]>([
    ['two stages of one name', ([a, b]) => [{ stageName: 'A', service: a }, { stageName: 'A', service: b }],
      "PipelineStack/Release: invalid stages: two stages are named 'A'; stage names must be unique, rename one (e.g. 'A2')"],
    ['a too long approval comment after a built stage', ([a, b]) => [
      { stageName: 'Staging', service: a },
      { stageName: 'Production', service: b, requireApproval: true, approvalComment: 'A'.repeat(211) }],
    "PipelineStack/Release: invalid stages: the approvalComment of 'Production' has 211 characters, at most 200 fit in the approval request; shorten it"],
    ['a reserved name after a built stage', ([a, b]) => [{ stageName: 'Staging', service: a }, { stageName: 'Build', service: b }],
      "PipelineStack/Release: invalid stages: stage 1 is named 'Build', which the pipeline uses for its own stage; pick another name, e.g. 'Staging'"],
  ])('%s', (_, stages, message) => {
    const stack = testStack();
    const services = [mockService(stack, 'First'), mockService(stack, 'Second')];
    pipelineIn(stack, { stages: stages(services) });

    expect(synthesisMessages(stack.node.root as App)).toEqual([message]);
  });

  test('a sixth stage, beyond the five output artifacts of the build', () => {
    const five = testStack();
    pipelineIn(five, { stages: [1, 2, 3, 4, 5].map((i) => ({ stageName: `S${i}`, service: mockService(five, `Service${i}`) })) });
    expect(synthesisMessages(five.node.root as App)).toEqual([]);

    const stack = testStack();
    const pipeline = pipelineIn(stack, { stages: [1, 2, 3, 4, 5].map((i) => ({ stageName: `S${i}`, service: mockService(stack, `Service${i}`) })) });
    pipeline.addStage({ stageName: 'S6', service: mockService(stack, 'Service6') });

    expect(synthesisMessages(stack.node.root as App)).toEqual([
      'PipelineStack/Release: invalid stages: the pipeline has 6 stages on the CodeDeploy engine, at most 5 fit: its build writes each one\'s '
      + 'deployment files as an output artifact, and a CodeBuild action has at most 5; deploy the other environments (from \'S6\' on) from a '
      + 'second ReleasePipeline, or put some on the Amazon ECS engine, whose stages need no files',
    ]);
  });

  test('a name repeated with addStage', () => {
    const stack = testStack();
    const pipeline = pipelineIn(stack, { stages: [{ stageName: 'A', service: mockService(stack, 'First') }] });
    pipeline.addStage({ stageName: 'A', service: mockService(stack, 'Second') });

    expect(synthesisMessages(stack.node.root as App)).toEqual([
      "PipelineStack/Release: invalid stages: two stages are named 'A'; stage names must be unique, rename one (e.g. 'A2')",
    ]);
  });
});

describe('a stage whose service is in another environment', () => {
  function crossEnvironment(pipelineEnv: StackProps['env'], serviceEnv: StackProps['env'], props: Partial<ReleasePipelineProps> = {}) {
    const app = testApp();
    const pipelineStack = testStack(app, 'Pipeline', { env: pipelineEnv });
    const serviceStack = testStack(app, 'Other', { env: serviceEnv });
    pipelineIn(pipelineStack, {
      ...props,
      stages: [{ stageName: 'Staging', service: mockService(pipelineStack, 'Staging') }, { stageName: 'Prod', service: mockService(serviceStack, 'Service') }],
    });
    return synthesisMessages(app);
  }

  const fix = 'the pipeline deploys only to its own account and region: define the service in a stack of the pipeline\'s account and region, '
    + 'or deploy that environment from its own ReleasePipeline in a stack there';

  test.each([
    ['an env-agnostic service stack, an explicit pipeline stack', HERE, undefined,
      'stack Other (env-agnostic)', `stack Pipeline (account ${ACCOUNT}, region eu-west-1)`],
    ['an explicit service stack, an env-agnostic pipeline stack', undefined, HERE,
      `stack Other (account ${ACCOUNT}, region eu-west-1)`, 'stack Pipeline (env-agnostic)'],
    ['another region', HERE, { account: ACCOUNT, region: 'us-east-1' },
      `stack Other (account ${ACCOUNT}, region us-east-1)`, `stack Pipeline (account ${ACCOUNT}, region eu-west-1)`],
    ['another account', HERE, { account: '210987654321', region: 'eu-west-1' },
      'stack Other (account 210987654321, region eu-west-1)', `stack Pipeline (account ${ACCOUNT}, region eu-west-1)`],
    ['a region only on the service stack', { account: ACCOUNT }, HERE,
      `stack Other (account ${ACCOUNT}, region eu-west-1)`, `stack Pipeline (account ${ACCOUNT}, region env-agnostic)`],
  ])('fails with %s as invalid stages, naming both environments and the fix', (_, pipelineEnv, serviceEnv, serviceDescription, pipelineDescription) => {
    expect(crossEnvironment(pipelineEnv, serviceEnv)).toEqual([
      `Pipeline/Release: invalid stages: stage 'Prod' deploys Other/Service, which is in ${serviceDescription}, but the pipeline is in ${pipelineDescription}; ${fix}`,
    ]);
  });

  test('fails on crossRegionReplicationBuckets too, with no dependency cycle', () => {
    const app = testApp();
    const replication = testStack(app, 'Replication', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const bucket = new s3.Bucket(replication, 'ReplicationBucket', { encryptionKey: new kms.Key(replication, 'Key') });
    const pipelineStack = testStack(app, 'Pipeline', { env: HERE });
    const serviceStack = testStack(app, 'Other', { env: { account: ACCOUNT, region: 'us-east-1' } });
    pipelineIn(pipelineStack, {
      crossRegionReplicationBuckets: { 'us-east-1': bucket },
      stages: [{ stageName: 'Prod', service: mockService(serviceStack, 'Service') }],
    });

    expect(synthesisMessages(app)).toEqual([
      "Pipeline/Release: invalid crossRegionReplicationBuckets: is given (for 'us-east-1'), but the pipeline deploys only to services in its own "
      + 'account and region, so no stage would use a replication bucket; remove it, and deploy each other region from its own ReleasePipeline in a stack there',
      `Pipeline/Release: invalid stages: stage 'Prod' deploys Other/Service, which is in stack Other (account ${ACCOUNT}, region us-east-1), `
      + `but the pipeline is in stack Pipeline (account ${ACCOUNT}, region eu-west-1); ${fix}`,
    ]);
  });

  test('a service in another stack of the same environment, explicit or env-agnostic, is deployed as before', () => {
    for (const env of [HERE, undefined]) {
      const app = testApp();
      const serviceStack = testStack(app, 'Services', { env });
      const pipelineStack = testStack(app, 'Pipeline', { env });
      pipelineIn(pipelineStack, { stages: [{ stageName: 'Prod', service: mockService(serviceStack, 'Service') }] });

      expect(synthesisMessages(app)).toEqual([]);
      const deploy = Template.fromStack(pipelineStack).findResources('AWS::CodePipeline::Pipeline');
      const stages = Object.values(deploy)[0].Properties.Stages as { Name: string }[];
      expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'Prod']);
    }
  });
});
