/** What a `JSON` forwarder POSTs for one SNS message: its severity, subject, text and, from the notifier, its facts. */
import type { ForwardedJson, Severity } from '../../contract/notification-routing';
import { NOTIFICATION_SEVERITIES, SEVERITY_ATTRIBUTE } from '../../contract/notification-routing';
import type { ForwardedNotification, SnsMessage } from './pagerduty-event';

export function jsonBodyOf(message: SnsMessage): ForwardedJson {
  const body = message.Message ?? '';
  let parsed: Partial<ForwardedNotification> | undefined;
  try {
    parsed = JSON.parse(body) as Partial<ForwardedNotification>;
  } catch {
    parsed = undefined;
  }
  const facts = parsed?.facts && typeof parsed.facts.dedupKey === 'string' ? parsed.facts : undefined;
  const attribute = message.MessageAttributes?.[SEVERITY_ATTRIBUTE]?.Value;
  const severity: Severity = facts?.severity
    ?? ((NOTIFICATION_SEVERITIES as readonly string[]).includes(attribute ?? '') ? attribute as Severity : 'WARNING');
  return {
    severity,
    subject: (facts ? parsed?.subject : undefined) ?? message.Subject ?? body.split('\n')[0]?.slice(0, 200) ?? 'release notification',
    text: facts && typeof parsed?.text === 'string' ? parsed.text : body,
    ...(facts ? { facts } : {}),
    ...(message.MessageId ? { messageId: message.MessageId } : {}),
    ...(message.Timestamp ? { timestamp: message.Timestamp } : {}),
  };
}
