import { Template } from 'aws-cdk-lib/assertions';
import { ChangeCalendar, PreflightHook } from '../../lib';
import { expectSynthError } from '../synth-errors';
import { hookConfigOf, mockService, statementsOf, testStack } from './util';

describe('ChangeCalendar', () => {
  test('is an open-by-default Change Calendar with one event per freeze, read by the pre-flight hook', () => {
    const stack = testStack();
    const service = mockService(stack);
    const calendar = new ChangeCalendar(stack, 'Freeze', {
      calendarName: 'orders-production-freeze',
      freezes: [{ start: new Date('2026-12-20T00:00:00Z'), end: new Date('2027-01-04T08:00:00Z'), reason: 'Year-end freeze; no releases, please' }],
    });
    const hook = new PreflightHook(stack, 'Preflight', { service, changeCalendars: [calendar.calendarName] });
    const template = Template.fromStack(stack);

    const documents = Object.values(template.findResources('AWS::SSM::Document')) as Array<{ Properties: Record<string, string> }>;
    expect(documents).toHaveLength(1);
    const { Content: content, ...rest } = documents[0].Properties;
    expect(rest).toEqual({
      DocumentType: 'ChangeCalendar', DocumentFormat: 'TEXT', Name: 'orders-production-freeze', UpdateMethod: 'NewVersion',
      Tags: [{ Key: 'cdk-ecs-release:change-calendar', Value: 'TestStack/Freeze' }],
    });
    expect(content.split('\r\n')).toEqual([
      'BEGIN:VCALENDAR', 'PRODID:-//cdk-ecs-release//Change Calendar 1.0//EN', 'VERSION:2.0', 'X-CALENDAR-TYPE:DEFAULT_OPEN', 'X-WR-CALDESC:Release freezes',
      'BEGIN:VEVENT', expect.stringMatching(/^UID:TestStackFreeze[0-9A-F]{8}-0$/), 'DTSTAMP:20261220T000000Z', 'DTSTART:20261220T000000Z', 'DTEND:20270104T080000Z',
      'SUMMARY:Year-end freeze\\; no releases\\, please', 'END:VEVENT',
      'END:VCALENDAR', '',
    ]);
    const calendarId = stack.getLogicalId(calendar.node.defaultChild as never);
    expect(hookConfigOf(stack, template, service, 'preflight').changeCalendars).toEqual([`<${calendarId}>`]);
    const read = statementsOf(stack, template, hook.function).find((s) => s.Action === 'ssm:GetCalendarState')!;
    expect(JSON.stringify(read.Resource)).toContain(`:document/","Ref":"${calendarId}"`.replace('","Ref', '",{"Ref'));
  });

  test('refuses freezes that end before they start, bad reasons and bad names', () => {
    const stack = testStack();
    expectSynthError(stack, () => new ChangeCalendar(stack, 'Freeze', {
      calendarName: 'a b',
      freezes: [
        { start: new Date('2027-01-04T00:00:00Z'), end: new Date('2026-12-20T00:00:00Z'), reason: 'Year end' },
        { start: new Date('2027-01-04T00:00:00Z'), end: new Date('2027-01-05T00:00:00Z'), reason: 'two\nlines' },
        { start: new Date('not a date'), end: new Date('2027-01-05T00:00:00Z'), reason: 'x' },
      ],
    }), /TestStack\/Freeze: invalid freezes\[0\]: the freeze 'Year end' ends \(2026-12-20T00:00:00.000Z\) before it starts[\s\S]*invalid freezes\[1\]: the reason must be one line[\s\S]*invalid freezes\[2\]: start and end must be valid dates[\s\S]*invalid calendarName: 'a b' is not an SSM document name/);
  });
});
