import { DisableStageTransitionCommand, EnableStageTransitionCommand } from '@aws-sdk/client-codepipeline';
import { GetDocumentCommand, PutParameterCommand, UpdateDocumentCommand, UpdateDocumentDefaultVersionCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CALLER, awsError, mocks, ordersAccount, resetMocks, run, tagAccount } from './helpers';

beforeEach(resetMocks);

const CALENDAR = [
  'BEGIN:VCALENDAR', 'PRODID:-//cdk-ecs-release//Change Calendar 1.0//EN', 'VERSION:2.0', 'X-CALENDAR-TYPE:DEFAULT_OPEN', 'X-WR-CALDESC:Release freezes',
  'BEGIN:VEVENT', 'UID:past', 'DTSTART:20261101T000000Z', 'DTEND:20261102T000000Z', 'SUMMARY:November freeze', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:now', 'DTSTART:20261202T000000Z', 'DTEND:20261205T000000Z', 'SUMMARY:Peak week\\, no releases', 'END:VEVENT',
  'BEGIN:VEVENT', 'UID:later', 'DTSTART:20261220T000000Z', 'DTEND:20270104T000000Z', 'SUMMARY:Year-end freeze', 'END:VEVENT',
  'END:VCALENDAR', '',
].join('\r\n');

function calendar(content = CALENDAR): void {
  mocks.ssm.on(GetDocumentCommand).resolves({ Name: 'orders-freeze', DocumentType: 'ChangeCalendar', Content: content });
  mocks.ssm.on(UpdateDocumentCommand).resolves({ DocumentDescription: { DocumentVersion: '4' } });
  mocks.ssm.on(UpdateDocumentDefaultVersionCommand).resolves({});
}

function written(): string {
  return mocks.ssm.commandCalls(UpdateDocumentCommand)[0].args[0].input.Content!;
}

describe('freeze and unfreeze a stage', () => {
  test('disable and enable the stage\'s inbound transition, with the reason', async () => {
    ordersAccount();
    mocks.codePipeline.on(DisableStageTransitionCommand).resolves({});
    mocks.codePipeline.on(EnableStageTransitionCommand).resolves({});
    expect(await run('freeze', '--stage', 'Production', '--reason', 'incident INC-42 (checkout)')).toEqual({ code: 0, err: '',
      out: 'froze orders-release/Production: no release enters it until unfreeze (incident INC-42 (checkout))' });
    expect(mocks.codePipeline.commandCalls(DisableStageTransitionCommand)[0].args[0].input).toEqual({
      pipelineName: 'orders-release', stageName: 'Production', transitionType: 'Inbound', reason: 'incident INC-42 (checkout)',
    });
    expect((await run('unfreeze', '--stage', 'Production')).out).toBe('unfroze orders-release/Production');
    expect(mocks.codePipeline.commandCalls(EnableStageTransitionCommand)[0].args[0].input).toEqual({
      pipelineName: 'orders-release', stageName: 'Production', transitionType: 'Inbound',
    });
  });

  test('refuses a reason CodePipeline would refuse, a period, an unknown stage and a stage two pipelines have', async () => {
    tagAccount({ services: ['a/a', 'b/b'], pipelines: { one: { Production: 'a/a' }, two: { Production: 'b/b' } } });
    expect((await run('freeze', '--stage', 'Production', '--reason', 'freeze; INC-42')).err).toBe('cdk-ecs-release: CodePipeline takes a reason of '
      + '1-300 letters, digits, spaces and ! @ ( ) . * ? -; reword --reason');
    expect((await run('freeze', '--stage', 'Production', '--reason', 'x', '--for', '2h')).code).toBe(2);
    expect(await run('freeze', '--stage', 'Live', '--reason', 'x')).toEqual({ code: 1, out: '',
      err: "cdk-ecs-release: no deploy stage 'Live' found; the deploy stages found are: one/Production, two/Production" });
    expect((await run('freeze', '--stage', 'Production', '--reason', 'x')).err)
      .toBe("cdk-ecs-release: 2 pipelines have a stage 'Production' (one, two); pass --pipeline");
    expect(mocks.codePipeline.commandCalls(DisableStageTransitionCommand)).toHaveLength(0);
  });
});

describe('freeze and unfreeze a Change Calendar', () => {
  test('freeze adds a CLOSED event from now, in a new default version of the calendar found by its tag', async () => {
    ordersAccount();
    calendar();
    const result = await run('freeze', '--reason', 'Incident INC-42; hold releases', '--for', '2h');
    expect(result).toEqual({ code: 0, err: '',
      out: 'froze orders-freeze from 2026-12-03T10:00:00.000Z to 2026-12-03T12:00:00.000Z (Incident INC-42; hold releases); calendar version 4' });
    const lines = written().split('\r\n');
    expect(lines.slice(-10)).toEqual([
      'END:VEVENT',
      'BEGIN:VEVENT', 'UID:cdk-ecs-release-1796292000000', 'DTSTAMP:20261203T100000Z', 'DTSTART:20261203T100000Z', 'DTEND:20261203T120000Z',
      'SUMMARY:Incident INC-42\\; hold releases', 'END:VEVENT', 'END:VCALENDAR', '',
    ]);
    expect(written().startsWith(CALENDAR.replace('END:VCALENDAR\r\n', ''))).toBe(true);
    expect(mocks.ssm.commandCalls(UpdateDocumentCommand)[0].args[0].input).toMatchObject({ Name: 'orders-freeze', DocumentFormat: 'TEXT', DocumentVersion: '$LATEST' });
    expect(mocks.ssm.commandCalls(UpdateDocumentDefaultVersionCommand)[0].args[0].input).toEqual({ Name: 'orders-freeze', DocumentVersion: '4' });
  });

  test('unfreeze ends the events running now, and leaves past and later ones', async () => {
    calendar();
    const result = await run('unfreeze', '--calendar', 'orders-freeze');
    expect(result.out).toBe("ended 'Peak week, no releases' in orders-freeze at 2026-12-03T10:00:00.000Z; calendar version 4");
    expect(written()).toBe(CALENDAR.replace('DTEND:20261205T000000Z', 'DTEND:20261203T100000Z'));
    expect(mocks.tagging.send.called).toBe(false);
  });

  test('unfreeze fails when nothing is frozen now, and says what it did not change', async () => {
    calendar(CALENDAR.replace('DTEND:20261205T000000Z', 'DTEND:20261203T090000Z')
      .replace('END:VCALENDAR', 'BEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Europe/Paris:20261203T080000\r\nDTEND;TZID=Europe/Paris:20261203T180000\r\nSUMMARY:Paris\r\nEND:VEVENT\r\nEND:VCALENDAR'));
    expect(await run('unfreeze', '--calendar', 'orders-freeze')).toEqual({ code: 1, out: '', err: 'cdk-ecs-release: nothing frozen now in orders-freeze: no event '
      + 'of the calendar runs at 2026-12-03T10:00:00.000Z; events in a local time zone or repeating are not changed here (Paris): end them in the Change Calendar console' });
    expect(mocks.ssm.commandCalls(UpdateDocumentCommand)).toHaveLength(0);
  });

  test('freeze needs an end in the future, and one calendar', async () => {
    tagAccount({ calendars: ['a', 'b'] });
    expect((await run('freeze', '--calendar', 'orders-freeze', '--reason', 'x')).err)
      .toBe('cdk-ecs-release: a calendar freeze needs an end: pass --until <ISO time> or --for <duration>, e.g. --for 2h');
    expect((await run('freeze', '--calendar', 'c', '--reason', 'x', '--until', '2026-12-01T00:00:00Z')).err)
      .toBe('cdk-ecs-release: --until 2026-12-01T00:00:00Z is in the past; give a later time');
    expect((await run('freeze', '--calendar', 'c', '--reason', 'x', '--for', 'two hours')).code).toBe(2);
    expect((await run('freeze', '--reason', 'x', '--for', '2h')).err).toBe('cdk-ecs-release: 2 Change Calendars found (a, b); pass --calendar');
    expect((await run('freeze', '--calendar', 'c', '--stage', 'Production', '--reason', 'x')).err).toBe('cdk-ecs-release: freeze takes --stage or --calendar, not both');
  });

  test('refuses a document that is not a Change Calendar, and reports a denied update', async () => {
    mocks.ssm.on(GetDocumentCommand).resolves({ Name: 'runbook', DocumentType: 'Automation', Content: '{}' });
    expect((await run('freeze', '--calendar', 'runbook', '--reason', 'x', '--for', '1h')).err).toBe('cdk-ecs-release: runbook is not a Change Calendar: its document type is Automation');
    calendar();
    mocks.ssm.on(UpdateDocumentCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized'));
    expect((await run('freeze', '--calendar', 'orders-freeze', '--reason', 'x', '--for', '1h')).err).toMatch(/^cdk-ecs-release: access denied: ssm:UpdateDocument on document orders-freeze/);
  });
});

describe('override', () => {
  test('writes the service\'s freeze override, who approved and until when, and says who wrote it', async () => {
    ordersAccount();
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 3 });
    const result = await run('override', '--service', 'production/orders-api', '--reason', 'hotfix for INC-42', '--approved-by', 'bob (on-call lead)',
      '--for', '90m', '--version', '1.4.2-hotfix');
    expect(result).toEqual({ code: 0, err: '', out: 'releases of orders-api at version 1.4.2-hotfix may start during a freeze until 2026-12-03T11:30:00.000Z '
      + `(/cdk-ecs-release/freeze-override/orders-api, version 3, written by ${CALLER})` });
    const input = mocks.ssm.commandCalls(PutParameterCommand)[0].args[0].input;
    expect(input).toMatchObject({ Name: '/cdk-ecs-release/freeze-override/orders-api', Type: 'String', Overwrite: true });
    expect(JSON.parse(input.Value!)).toEqual({ reason: 'hotfix for INC-42', approvedBy: 'bob (on-call lead)', expiresAt: '2026-12-03T11:30:00.000Z', version: '1.4.2-hotfix' });
    expect(mocks.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
  });

  test('lasts an hour by default, at most 24 hours, and needs a reason, an approver and a known service', async () => {
    ordersAccount();
    mocks.ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const json = JSON.parse((await run('override', '--service', 'staging/orders-api', '--reason', 'r', '--approved-by', 'bob', '--json')).out);
    expect(json.override).toEqual({ reason: 'r', approvedBy: 'bob', expiresAt: '2026-12-03T11:00:00.000Z' });
    expect((await run('override', '--service', 'staging/orders-api', '--reason', 'r', '--approved-by', 'bob', '--for', '2d')).err)
      .toMatch(/^cdk-ecs-release: an override lasts at most 24h \(a hotfix, not a way to lift a freeze\), got --for 2d/);
    expect((await run('override', '--service', 'staging/orders-api', '--reason', 'r')).err)
      .toBe('cdk-ecs-release: override needs --approved-by, e.g. --approved-by "alice (on-call lead)"');
    expect((await run('override', '--service', 'checkout', '--reason', 'r', '--approved-by', 'bob')).code).toBe(1);
    expect(mocks.ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
  });
});
