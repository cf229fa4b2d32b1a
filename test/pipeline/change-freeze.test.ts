/**
 * Change freezes at a stage's entry: a `Commands` rule reads the stage's Change Calendars and,
 * while one is CLOSED, each service's hotfix override; the pipeline's role may read exactly those.
 * The commands themselves run here in a real shell, against a stand-in `aws` that answers as SSM would.
 */
import { execFileSync } from 'child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { DeploymentWindow, PreflightHook, ReleasePipeline, ReleaseSource, ReleaseStageOptions, Weekday } from '../../lib';
import { freezeCommands } from '../../lib/pipeline/private/freeze-condition';
import { synthesisMessages } from '../synth-errors';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

interface Rule { Name: string; RuleTypeId: { Provider: string }; Commands?: string[]; Configuration?: unknown }
interface Stage { Name: string; BeforeEntry?: { Conditions: Array<{ Result: string; Rules: Rule[] }> } }
interface Statement { Action: string | string[]; Resource: unknown }

function pipelineWith(production: Partial<ReleaseStageOptions>, twoServices = false, preflight?: Partial<ConstructorParameters<typeof PreflightHook>[2]>) {
  const app = testApp();
  const stack = testStack(app, 'PipelineStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const staging = mockService(stack, 'Staging');
  const prod = mockService(stack, 'Prod');
  const payments = twoServices ? mockService(stack, 'Payments') : undefined;
  if (preflight) {
    new PreflightHook(stack, 'ProdPreflight', { service: prod, ...preflight });
  }
  const release = new ReleasePipeline(stack, 'Release', {
    source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders' }),
    stages: [
      { stageName: 'Staging', service: staging },
      { stageName: 'Production', ...(payments ? { services: [prod, payments] } : { service: prod }), requireApproval: true, ...production },
    ],
  });
  return { app, stack, release };
}

function productionOf(stack: Stack): Stage {
  const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: Stage[] } };
  return pipeline.Properties.Stages.find((s) => s.Name === 'Production')!;
}

function statementsOf(stack: Stack): Statement[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
}

function withAction(stack: Stack, action: string): Statement[] {
  return statementsOf(stack).filter((st) => ([] as string[]).concat(st.Action).includes(action));
}

describe('stage changeCalendars', () => {
  test('adds a Commands rule to the stage entry that reads the calendars, then the override of each service, and no rule to other stages', () => {
    const { stack } = pipelineWith({ changeCalendars: ['orders-production-freeze'] }, true);
    const production = productionOf(stack);

    expect(production.BeforeEntry!.Conditions).toHaveLength(1);
    const [rule] = production.BeforeEntry!.Conditions[0].Rules;
    expect(production.BeforeEntry!.Conditions[0].Result).toBe('FAIL');
    expect(rule.Name).toBe('ChangeFreeze-Production');
    expect(rule.RuleTypeId).toEqual({ Category: 'Rule', Owner: 'AWS', Provider: 'Commands', Version: '1' });
    expect(rule.Commands).toHaveLength(6);
    expect(rule.Commands![0]).toContain("aws ssm get-calendar-state --calendar-names 'orders-production-freeze'");
    expect(rule.Commands![2]).toContain("P='/cdk-ecs-release/freeze-override/prod'");
    expect(rule.Commands![4]).toContain("P='/cdk-ecs-release/freeze-override/payments'");
    const pipeline = Object.values(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: { Stages: Stage[] } };
    expect(pipeline.Properties.Stages.find((s) => s.Name === 'Staging')!.BeforeEntry).toBeUndefined();
  });

  test('shares the one entry condition with the deployment window, both rules to pass', () => {
    const { stack } = pipelineWith({
      changeCalendars: ['orders-production-freeze'],
      deploymentWindow: DeploymentWindow.weekly({ days: [Weekday.MONDAY], startHour: 9, endHour: 16 }),
    });
    const conditions = productionOf(stack).BeforeEntry!.Conditions;

    expect(conditions).toHaveLength(1);
    expect(conditions[0].Rules.map((r) => r.RuleTypeId.Provider)).toEqual(['DeploymentWindow', 'Commands']);
  });

  test('lets the pipeline role read exactly the calendars and the overrides of the stage, and log to its own log group', () => {
    const { stack } = pipelineWith({ changeCalendars: ['orders-production-freeze', 'arn:aws:ssm:eu-west-1:111111111111:document/payments-freeze'] });

    const calendars = withAction(stack, 'ssm:GetCalendarState');
    expect(calendars).toHaveLength(1);
    expect(stack.resolve(calendars[0].Resource)).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:document/orders-production-freeze']] },
      'arn:aws:ssm:eu-west-1:111111111111:document/payments-freeze',
    ]);
    const overrides = withAction(stack, 'ssm:GetParameter').filter((st) => JSON.stringify(st.Resource).includes('freeze-override'));
    expect(overrides).toHaveLength(1);
    expect(overrides[0].Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter/cdk-ecs-release/freeze-override/prod']],
    });
    const logs = withAction(stack, 'logs:PutLogEvents').filter((st) => JSON.stringify(st.Resource).includes('/aws/codepipeline/'));
    expect(logs).toHaveLength(1);
    expect(logs[0].Action).toEqual(['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);
    // The policy is the pipeline role's.
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .find((p) => JSON.stringify(p).includes('/aws/codepipeline/')) as { Properties: { Roles: unknown[] } };
    expect(JSON.stringify(policy.Properties.Roles)).toContain('ReleasePipelineRole');
  });

  test('allowFreezeOverride: false reads no override, neither in the commands nor in the role', () => {
    const { stack } = pipelineWith({ changeCalendars: ['orders-production-freeze'], allowFreezeOverride: false });
    const [rule] = productionOf(stack).BeforeEntry!.Conditions[0].Rules;

    expect(rule.Commands).toHaveLength(3);
    expect(rule.Commands!.join('\n')).not.toContain('get-parameter');
    expect(JSON.stringify(statementsOf(stack))).not.toContain('freeze-override');
  });

  test('warns when a service\'s pre-flight hook does not check the stage\'s calendars, or reads the version elsewhere', () => {
    const warnings = (preflight?: Partial<ConstructorParameters<typeof PreflightHook>[2]>) =>
      Annotations.fromStack(pipelineWith({ changeCalendars: ['orders-production-freeze'] }, false, preflight).stack)
        .findWarning('/PipelineStack/Release', Match.stringLikeRegexp('change calendars|freeze override')).map((w) => String(w.entry.data));

    expect(warnings()).toEqual([expect.stringContaining("stage 'Production': PipelineStack/Prod has no PreflightHook to check the stage's change "
      + 'calendars orders-production-freeze, so a release that does not enter the stage (cdk deploy, a redeploy from the console) passes the freeze')]);
    expect(warnings({ changeCalendars: ['other-freeze'] })).toEqual([expect.stringContaining('has a PreflightHook that does not check')]);
    expect(warnings({ changeCalendars: ['orders-production-freeze'] })).toEqual([]);
    expect(warnings({ changeCalendars: ['orders-production-freeze'], releaseVersionVariable: 'APP_VERSION' }))
      .toEqual([expect.stringContaining("reads a freeze override's version from APP_VERSION, but this pipeline writes the release version to RELEASE_VERSION")]);
  });

  test('fails when a calendar name is invalid or listed twice, or an override is allowed with no calendar', () => {
    expect(synthesisMessages(pipelineWith({ changeCalendars: ['year end', 'ok-name', 'ok-name'] }).app).join('\n')).toMatch(
      /PipelineStack\/Release: invalid stages: the changeCalendars of stage 'Production': 'year end' is neither a Change Calendar name[\s\S]*'ok-name' is listed twice/);
    expect(synthesisMessages(pipelineWith({ allowFreezeOverride: true }).app).join('\n')).toContain(
      "the changeCalendars of stage 'Production': allowFreezeOverride is true, but there are no changeCalendars");
  });

  test('fails when the stage\'s service is in another account, whose calendars and overrides the check does not read', () => {
    const app = testApp();
    const tooling = testStack(app, 'Tooling', { env: { account: '111111111111', region: 'eu-west-1' } });
    const remote = mockService(testStack(app, 'Production', { env: { account: '333333333333', region: 'eu-west-1' } }), 'Prod');
    new ReleasePipeline(tooling, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders' }),
      stages: [{ stageName: 'Production', service: remote, changeCalendars: ['orders-production-freeze'] }],
    });
    expect(synthesisMessages(app).join('\n')).toContain("the changeCalendars of stage 'Production': Production/Prod is in another account or region, "
      + 'whose calendars and freeze override the pipeline\'s check does not read');
  });

  test('fails when the check would not fit in one command CodePipeline accepts', () => {
    const calendars = Array.from({ length: 6 }, (_, i) => `freeze-${i}-${'x'.repeat(100)}`);
    expect(synthesisMessages(pipelineWith({ changeCalendars: calendars }).app).join('\n'))
      .toMatch(/the stage's freeze check would be a command of \d+ characters, and CodePipeline takes at most 1000/);
  });
});

/** Runs the rule's commands in one shell, as CodePipeline does, with `aws` answering as given. */
function runRule(commands: string[], answers: { calendar: string; calendarFails?: boolean; parameter?: string }, shells: 'one' | 'each' = 'one') {
  const dir = mkdtempSync(join(tmpdir(), 'freeze-rule-'));
  try {
    const aws = join(dir, 'aws');
    writeFileSync(aws, [
      '#!/bin/sh',
      'case "$2" in',
      `  get-calendar-state) ${answers.calendarFails ? 'echo "AccessDeniedException" >&2; exit 254' : 'printf \'%s\\n\' "$CALENDAR"'} ;;`,
      '  get-parameter) if [ -z "$PARAMETER" ]; then echo "An error occurred (ParameterNotFound)" >&2; exit 254; fi; printf \'%s\\n\' "$PARAMETER" ;;',
      'esac',
    ].join('\n'));
    chmodSync(aws, 0o755);
    const env = { PATH: `${dir}:${process.env.PATH}`, CALENDAR: answers.calendar, PARAMETER: answers.parameter ?? '' };
    try {
      const scripts = shells === 'one' ? [commands.join('\n')] : commands;
      const out = scripts.map((script) => execFileSync('sh', ['-c', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).join('');
      return { passed: true, out };
    } catch (error) {
      return { passed: false, out: String((error as { stdout?: string }).stdout) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the freeze rule\'s commands', () => {
  const commands = freezeCommands(['orders-freeze'], ['/cdk-ecs-release/freeze-override/orders-api']);
  const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const written = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3600_000).toISOString().replace('Z', '+00:00');
  const override = (fields: Record<string, string>, writtenHoursAgo = 1) => `${written(writtenHoursAgo)}\t${JSON.stringify(fields)}`;

  test('pass while the calendar is OPEN, reading no override', () => {
    const run = runRule(commands, { calendar: 'OPEN\t2026-12-20T00:00:00Z' });
    expect(run).toEqual({ passed: true, out: 'change calendars orders-freeze: OPEN (next change: 2026-12-20T00:00:00Z)\n' });
  });

  test('fail while it is CLOSED without an override, saying which calendar and until when', () => {
    const run = runRule(commands, { calendar: 'CLOSED\t2027-01-04T08:00:00Z' });
    expect(run.passed).toBe(false);
    expect(run.out).toContain('frozen by the change calendars orders-freeze (one is CLOSED) until 2027-01-04T08:00:00Z, and no readable freeze override '
      + '/cdk-ecs-release/freeze-override/orders-api');
  });

  test('pass through a freeze with an unexpired override, saying who approved it', () => {
    const run = runRule(commands, {
      calendar: 'CLOSED\t2027-01-04T08:00:00Z',
      parameter: override({ reason: 'hotfix INC-123', expiresAt: hoursFromNow(4), approvedBy: 'oncall-lead' }),
    });
    expect(run.passed).toBe(true);
    expect(run.out).toContain('overridden by /cdk-ecs-release/freeze-override/orders-api, approved by oncall-lead, until');
  });

  test.each([
    ['expired', { reason: 'r', expiresAt: hoursFromNow(-1), approvedBy: 'lead' }, 3],
    ['longer than 24 hours from its write', { reason: 'r', expiresAt: hoursFromNow(20), approvedBy: 'lead' }, 5],
    ['without approvedBy', { reason: 'r', expiresAt: hoursFromNow(2) }, 1],
    ['with an expiresAt that is no time', { reason: 'r', expiresAt: 'tomorrow-ish', approvedBy: 'lead' }, 1],
  ])('fail through a freeze with an override %s', (_, fields, writtenHoursAgo) => {
    const run = runRule(commands, { calendar: 'CLOSED\t2027-01-04T08:00:00Z', parameter: override(fields as Record<string, string>, writtenHoursAgo) });
    expect(run.passed).toBe(false);
    expect(run.out).toContain('the freeze override /cdk-ecs-release/freeze-override/orders-api is not honoured');
  });

  test('read an override written as JSON over several lines', () => {
    const fields = { reason: 'hotfix INC-123', expiresAt: hoursFromNow(2), approvedBy: 'oncall-lead' };
    const run = runRule(commands, { calendar: 'CLOSED\tNone', parameter: `${written(1)}\t${JSON.stringify(fields, undefined, 2)}` });
    expect(run.passed).toBe(true);
    expect(run.out).toContain('approved by oncall-lead');
  });

  test('fail when the calendars cannot be read', () => {
    const run = runRule(commands, { calendar: '', calendarFails: true });
    expect(run.passed).toBe(false);
    expect(run.out).toContain('cannot read the change calendars orders-freeze: a freeze may be in force');
  });

  test('fail closed, even while OPEN, in a shell that keeps nothing from one command to the next', () => {
    expect(runRule(commands, { calendar: 'OPEN\tNone' }, 'each').passed).toBe(false);
  });

  test('fail while CLOSED when no override is allowed', () => {
    const run = runRule(freezeCommands(['orders-freeze'], []), { calendar: 'CLOSED\tNone' });
    expect(run.passed).toBe(false);
    expect(run.out).toContain('frozen by the change calendars orders-freeze (one is CLOSED) until None; release once they open');
  });
});
