/**
 * Deployment windows: a stage's entry condition holds a release until CodePipeline's
 * `DeploymentWindow` rule lets it in; bad windows fail the synthesis naming the stage and the fix.
 */
import { Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DeploymentWindow, ReleasePipeline, ReleaseSource, ReleaseStageOptions, Weekday } from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

interface Stage { Name: string; BeforeEntry?: unknown; Actions: Array<{ Name: string }> }

function pipelineWith(production: Partial<ReleaseStageOptions>) {
  const app = testApp();
  const stack = testStack(app);
  const staging = mockService(stack, 'Staging');
  const prod = mockService(stack, 'Prod');
  new ReleasePipeline(stack, 'Release', {
    source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders' }),
    stages: [{ stageName: 'Staging', service: staging }, { stageName: 'Production', service: prod, requireApproval: true, ...production }],
  });
  return { app, stack };
}

function stagesOf(production: Partial<ReleaseStageOptions>): Stage[] {
  const { stack } = pipelineWith(production);
  const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: Stage[] } };
  return pipeline.Properties.Stages;
}

function problemsOf(window: DeploymentWindow): string[] {
  return synthesisMessages(pipelineWith({ deploymentWindow: window }).app);
}

describe('DeploymentWindow.weekly', () => {
  test('renders the stage entry condition CodePipeline waits on, before the approval', () => {
    const stages = stagesOf({
      deploymentWindow: DeploymentWindow.weekly({
        days: [Weekday.THURSDAY, Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY], startHour: 9, endHour: 16, timeZone: 'Europe/Berlin',
      }),
    });
    const production = stages.find((s) => s.Name === 'Production')!;
    expect(production.BeforeEntry).toEqual({
      Conditions: [{
        Result: 'FAIL',
        Rules: [{
          Name: 'DeploymentWindow-Production',
          RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'DeploymentWindow', Version: '1' },
          // Days in CodePipeline's order; the last entry is at 15:59.
          Configuration: { Cron: '* * 9-15 ? * MON,TUE,WED,THU *', TimeZone: 'Europe/Berlin' },
        }],
      }],
    });
    expect(production.Actions[0].Name).toBe('Approve');
    // Other stages have no condition.
    expect(stages.find((s) => s.Name === 'Staging')!.BeforeEntry).toBeUndefined();
  });

  test('defaults to working days in UTC, and describes itself for people', () => {
    const window = DeploymentWindow.weekly({ startHour: 0, endHour: 24 });
    expect(window.cronExpression).toBe('* * 0-23 ? * MON,TUE,WED,THU,FRI *');
    expect(window.timeZone).toBeUndefined();
    expect(window.description).toBe('Mon, Tue, Wed, Thu, Fri 00:00-24:00 UTC');
    const production = stagesOf({ deploymentWindow: window }).find((s) => s.Name === 'Production')!;
    expect(JSON.stringify(production.BeforeEntry)).not.toContain('TimeZone');
  });

  test.each([
    [{ days: [], startHour: 9, endHour: 17 }, /the window has no days, so no release would ever enter the stage/],
    [{ days: [Weekday.MONDAY, Weekday.MONDAY], startHour: 9, endHour: 17 }, /lists Mon more than once/],
    [{ startHour: 9.5, endHour: 17 }, /startHour is 9.5; use a whole hour from 0 to 23/],
    [{ startHour: -1, endHour: 17 }, /startHour is -1/],
    [{ startHour: 9, endHour: 25 }, /endHour is 25; use a whole hour from 1 to 24/],
    [{ startHour: 22, endHour: 6 }, /closes at 6:00, before it opens at 22:00; a window over midnight needs a cron expression/],
    [{ startHour: 9, endHour: 17, timeZone: 'Mars/Olympus' }, /the time zone 'Mars\/Olympus' is not an IANA time zone name/],
    [{ startHour: Token.asNumber({ Ref: 'Start' }), endHour: 17 }, /hours are deploy-time values/],
  ])('refuses %j with the stage and the fix', (options, message) => {
    const problems = problemsOf(DeploymentWindow.weekly(options));
    expect(problems).toEqual([expect.stringMatching(/^PipelineStack\/Release: invalid stages: the deploymentWindow of stage 'Production' \(/)]);
    expect(problems[0]).toMatch(message);
  });
});

describe('DeploymentWindow.cron', () => {
  test('passes a valid expression and time zone on', () => {
    const production = stagesOf({ deploymentWindow: DeploymentWindow.cron(' * 0-59 8-11 ? * SUN-THU * ', 'America/New_York') })
      .find((s) => s.Name === 'Production')!;
    expect(JSON.stringify(production.BeforeEntry)).toContain('"Configuration":{"Cron":"* 0-59 8-11 ? * SUN-THU *","TimeZone":"America/New_York"}');
  });

  test.each([
    ['* 9-15 ? * MON-THU', /has 5 fields; CodePipeline's has 6 or 7/],
    ['0 * 9-15 ? * MON-THU *', /has '0' for seconds; CodePipeline allows only '\*' there/],
    ['* * 9-15 1 * MON *', /sets both day-of-month and day-of-week; put '\?' in one of them/],
  ])('refuses %s', (expression, message) => {
    const problems = problemsOf(DeploymentWindow.cron(expression));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test('refuses a deploy-time expression', () => {
    expect(problemsOf(DeploymentWindow.cron(Token.asString({ Ref: 'Window' })))[0]).toMatch(/the cron expression is a deploy-time value/);
  });
});

test('rule names stay unique and within 100 characters for the longest stage names', () => {
  const app = testApp();
  const stack = testStack(app);
  const long = 'P'.repeat(99);
  const window = DeploymentWindow.weekly({ startHour: 9, endHour: 17 });
  new ReleasePipeline(stack, 'Release', {
    source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders' }),
    stages: [
      { stageName: `${long}A`, service: mockService(stack, 'One'), deploymentWindow: window },
      { stageName: `${long}B`, service: mockService(stack, 'Two'), deploymentWindow: window },
    ],
  });
  const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: Stage[] } };
  const names = pipeline.Properties.Stages.flatMap((s) => (s.BeforeEntry as { Conditions: Array<{ Rules: Array<{ Name: string }> }> } | undefined)
    ?.Conditions[0].Rules.map((r) => r.Name) ?? []);
  expect(names).toHaveLength(2);
  expect(new Set(names).size).toBe(2);
  for (const name of names) {
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name).toMatch(/^[A-Za-z0-9.@_-]+$/);
  }
});
