import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** SSM document names, which a Change Calendar's is: 3-128 letters, digits, `_`, `-` or `.`. */
export const CALENDAR_NAME = /^[A-Za-z0-9_.-]{3,128}$/;
/** A Change Calendar's ARN, `arn:aws:ssm:<region>:<account>:document/<name>`. */
export const CALENDAR_ARN = /^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:document\/[A-Za-z0-9_.-]{3,128}$/;

/** The calendar's ARN: as given, or a document of this stack's account and region. */
export function calendarArn(scope: IConstruct, calendar: string): string {
  if (!Token.isUnresolved(calendar) && calendar.startsWith('arn:')) {
    return calendar;
  }
  return Stack.of(scope).formatArn({ service: 'ssm', resource: 'document', resourceName: calendar });
}

/**
 * What is wrong with a list of Change Calendars (names or ARNs), one sentence each: a name SSM
 * would refuse, or a calendar listed twice. Tokens are passed on.
 */
export function calendarProblems(calendars: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const calendar of calendars) {
    if (Token.isUnresolved(calendar)) {
      continue;
    }
    if (!CALENDAR_NAME.test(calendar) && !CALENDAR_ARN.test(calendar)) {
      problems.push(`'${calendar}' is neither a Change Calendar name (3-128 letters, digits, '_', '-' or '.') `
        + 'nor its ARN (arn:aws:ssm:<region>:<account>:document/<name>); give the calendar\'s name as the Change Calendar console shows it');
    }
    if (seen.has(calendar)) {
      problems.push(`'${calendar}' is listed twice; list each calendar once`);
    }
    seen.add(calendar);
  }
  return problems;
}
