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
