import { Names, Token } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { tagResource, tagValue } from '../private/release-tags';
import { recordPropProblem } from '../private/validation';
import { CALENDAR_NAME } from '../private/calendar-names';
import { CHANGE_CALENDAR_TAG } from '../../contract/release-tags';

/** A change freeze written in code: a period in which the calendar is CLOSED. */
export interface FreezePeriod {
  /** When the freeze starts. */
  readonly start: Date;
  /** When it ends; after `start`. */
  readonly end: Date;
  /** Why, for the people a refused deployment tells, e.g. `Year-end freeze`. */
  readonly reason: string;
}

/** Properties of a {@link ChangeCalendar}. */
export interface ChangeCalendarProps {
  /**
   * The calendar's name, as the Change Calendar console and the pre-flight hook's messages show it.
   * @default - a name CloudFormation generates
   */
  readonly calendarName?: string;

  /**
   * Freezes known when the code is written. Each `cdk deploy` that changes this list writes a
   * new version of the calendar, which replaces events added in the console since: keep the
   * freezes either here or in the console.
   * @default - none: the calendar is OPEN until someone adds an event in the console
   */
  readonly freezes?: FreezePeriod[];
}

/**
 * An AWS Systems Manager Change Calendar, open by default, that freezes releases while one of
 * its events runs: give its `calendarName` to a {@link PreflightHook}'s `changeCalendars`.
 * People add a freeze in the Change Calendar console, without a code change; for a hotfix they
 * end it there, and the console's version history records who did.
 *
 * @exampleMetadata fixture=lib
 * @example
 * const freeze = new ChangeCalendar(this, 'ProductionFreeze', { calendarName: 'orders-production-freeze' });
 * new PreflightHook(this, 'Preflight', { service, changeCalendars: [freeze.calendarName] });
 */
export class ChangeCalendar extends Construct {
  /** The calendar's name (the SSM document's name). */
  public readonly calendarName: string;

  constructor(scope: Construct, id: string, props: ChangeCalendarProps = {}) {
    super(scope, id);
    const freezes = props.freezes ?? [];
    // Only valid freezes are rendered: an invalid date has no iCalendar form, and fails the synthesis anyway.
    const valid = freezes.filter((freeze, index) => {
      const problem = freezeProblem(freeze);
      if (problem) {
        recordPropProblem(this, `freezes[${index}]`, problem);
      }
      return problem === undefined;
    });
    if (props.calendarName !== undefined && !Token.isUnresolved(props.calendarName) && !CALENDAR_NAME.test(props.calendarName)) {
      recordPropProblem(this, 'calendarName', `'${props.calendarName}' is not an SSM document name; use 3-128 letters, digits, '_', '-' or '.'`);
    }
    const document = new ssm.CfnDocument(this, 'Resource', {
      documentType: 'ChangeCalendar',
      documentFormat: 'TEXT',
      content: {},
      name: props.calendarName,
      updateMethod: 'NewVersion',
    });
    // A TEXT document's content is its text, which the L1's JSON-typed property does not take.
    document.addPropertyOverride('Content', calendarContent(Names.uniqueId(this), valid));
    // The release CLI's `freeze` and `unfreeze` find the calendar by this tag, whatever its name.
    tagResource(document, CHANGE_CALENDAR_TAG, tagValue(this.node.path));
    this.calendarName = document.ref;
  }
}

function freezeProblem(freeze: FreezePeriod): string | undefined {
  if (Number.isNaN(freeze.start.getTime()) || Number.isNaN(freeze.end.getTime())) {
    return 'start and end must be valid dates, e.g. new Date(\'2026-12-20T00:00:00Z\')';
  }
  if (freeze.end.getTime() <= freeze.start.getTime()) {
    return `the freeze '${freeze.reason}' ends (${freeze.end.toISOString()}) before it starts (${freeze.start.toISOString()}); swap them`;
  }
  if (freeze.reason.trim() === '' || /[\r\n]/.test(freeze.reason) || freeze.reason.length > 200) {
    return 'the reason must be one line of 1-200 characters, e.g. \'Year-end freeze\'';
  }
  return undefined;
}

/** iCalendar time: `20261220T000000Z`. */
function icsTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The calendar in Change Calendar's iCalendar form, open by default, one event per freeze. */
function calendarContent(uid: string, freezes: readonly FreezePeriod[]): string {
  const events = freezes.flatMap((freeze, index) => [
    'BEGIN:VEVENT',
    `UID:${uid}-${index}`,
    `DTSTAMP:${icsTime(freeze.start)}`,
    `DTSTART:${icsTime(freeze.start)}`,
    `DTEND:${icsTime(freeze.end)}`,
    `SUMMARY:${freeze.reason.replace(/[\\;,]/g, (c) => `\\${c}`)}`,
    'END:VEVENT',
  ]);
  return [
    'BEGIN:VCALENDAR',
    'PRODID:-//cdk-ecs-release//Change Calendar 1.0//EN',
    'VERSION:2.0',
    'X-CALENDAR-TYPE:DEFAULT_OPEN',
    'X-WR-CALDESC:Release freezes',
    ...events,
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
