import { CfnParameter, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ReleaseDashboard, ReleasePipeline, ReleasePipelineProps, ReleaseSource } from '../../lib';
import { expectSynthError } from '../synth-errors';
import { CONNECTION_ARN, mockService, testStack } from './util';

const source = () => ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });

function pipelineOn(stack: Stack, props: Partial<ReleasePipelineProps>): ReleasePipeline {
  const pipeline = new ReleasePipeline(stack, 'Release', { source: source(), ...props });
  pipeline.addStage({ stageName: 'Staging', service: mockService(stack, 'Staging') });
  return pipeline;
}

function numberParam(stack: Stack): number {
  return new CfnParameter(stack, 'Param', { type: 'Number' }).valueAsNumber;
}

describe('ReleasePipeline buildTimeout', () => {
  test('Duration.minutes(<parameter>) goes to TimeoutInMinutes as the parameter', () => {
    const stack = testStack();
    pipelineOn(stack, { buildTimeout: Duration.minutes(numberParam(stack)) });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', { TimeoutInMinutes: { Ref: 'Param' } });
  });

  test('a whole number of minutes given in seconds is accepted', () => {
    const stack = testStack();
    pipelineOn(stack, { buildTimeout: Duration.seconds(600) });
    Template.fromStack(stack).hasResourceProperties('AWS::CodeBuild::Project', { TimeoutInMinutes: 10 });
  });

  // The build project is made with the timeout; one CodeBuild cannot take fails the construction, naming the prop.
  test.each([
    ['Duration.hours(<parameter>)', (s: Stack) => Duration.hours(numberParam(s)), /is a deploy-time value \(token\) in hours, which cannot be converted/],
    ['Duration.seconds(<Lazy>)', () => Duration.seconds(Lazy.number({ produce: () => 600 })), /is a deploy-time value \(token\) in seconds/],
    ['a fraction of a minute', () => Duration.seconds(330), /must be a whole number of minutes, got 5 minutes 30 seconds/],
    ['NaN', () => Duration.minutes(NaN), /must be between 5 and 2160 minutes, got Duration\.minutes\(NaN\)/],
    ['Infinity', () => Duration.minutes(Infinity), /must be between 5 and 2160 minutes, got Duration\.minutes\(Infinity\)/],
    ['1e308 hours', () => Duration.hours(1e308), /must be between 5 and 2160 minutes, got Duration\.hours\(1e\+308\)/],
    ['5e-324 hours', () => Duration.hours(5e-324), /must be between 5 and 2160 minutes, got Duration\.hours\(5e-324\)/],
  ])('fails when it is %s', (_, timeout, message) => {
    const stack = testStack();
    expect(() => pipelineOn(stack, { buildTimeout: timeout(stack) })).toThrow(new RegExp(`PipelineStack/Release: invalid buildTimeout: ${message.source}`));
  });

  test('fails when it is out of CodeBuild\'s range in whole minutes, recorded', () => {
    const stack = testStack();
    expectSynthError(stack, () => pipelineOn(stack, { buildTimeout: Duration.minutes(4) }),
      /PipelineStack\/Release: invalid buildTimeout: must be between 5 and 2160 minutes, got 4 minutes/);
  });
});

describe('ReleaseDashboard durations', () => {
  function dashboardOn(stack: Stack, props: { period?: Duration; defaultInterval?: Duration }): ReleaseDashboard {
    return new ReleaseDashboard(stack, 'Dashboard', { services: [mockService(stack, 'Orders')], ...props });
  }

  test.each([
    Duration.seconds(NaN), Duration.minutes(Infinity), Duration.hours(1e308), Duration.hours(5e-324), Duration.minutes(1.5),
  ])('fails when period is %s', (period) => {
    const stack = testStack();
    expectSynthError(stack, () => dashboardOn(stack, { period }),
      /PipelineStack\/Dashboard: invalid period: must be a whole number of minutes up to 1 day, got (Duration\.|1 minute 30 seconds)/);
  });

  test.each([
    [Duration.seconds(NaN), /must be between 1 and 655200 minutes, got Duration\.seconds\(NaN\)/],
    [Duration.hours(5e-324), /must be between 1 and 655200 minutes, got Duration\.hours\(5e-324\)/],
    [Duration.days(1e308), /must be between 1 and 655200 minutes, got Duration\.days\(1e\+308\)/],
    [Duration.seconds(90), /must be a whole number of minutes, got 1 minute 30 seconds/],
  ])('fails when defaultInterval is %s', (defaultInterval, message) => {
    const stack = testStack();
    expectSynthError(stack, () => dashboardOn(stack, { defaultInterval }), new RegExp(`PipelineStack/Dashboard: invalid defaultInterval: ${message.source}`));
  });

  test('fails when period is a deploy-time value: the graphs are built with it', () => {
    const stack = testStack();
    expectSynthError(stack, () => dashboardOn(stack, { period: Duration.minutes(numberParam(stack)) }),
      /PipelineStack\/Dashboard: invalid period: must be a literal duration, not a deploy-time value \(token\): the graphs .*tryGetContext/);
  });

  test('fails when defaultInterval is a deploy-time value: the dashboard body is written at synthesis', () => {
    const stack = testStack();
    expectSynthError(stack, () => dashboardOn(stack, { defaultInterval: Duration.hours(numberParam(stack)) }),
      /PipelineStack\/Dashboard: invalid defaultInterval: must be a literal duration, not a deploy-time value \(token\): .*tryGetContext/);
  });

  test('defaultInterval given in seconds opens the dashboard on that range', () => {
    const stack = testStack();
    dashboardOn(stack, { defaultInterval: Duration.seconds(7200) });
    const body = JSON.stringify(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain('\\"start\\":\\"-PT2H\\"');
  });
});
