import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ReleasePipeline, ReleasePipelineProps, ReleaseSource, ReleaseStageOptions } from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { CONNECTION_ARN, mockService, testStack } from './util';


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
      'PipelineStack/Release: invalid stages: the pipeline deploys 6 services on the CodeDeploy engine, at most 5 fit: its build writes the '
      + 'deployment files of each as an output artifact, and a CodeBuild action has at most 5; deploy the other environments (from \'S6\' on) from a '
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

