/**
 * What one SNS message of the release notifications becomes in PagerDuty's Events API v2: the
 * notifier's own messages carry their facts (severity, service, stage, dedup key); a CloudWatch
 * alarm's and anything else published to the topic are forwarded by what they say.
 */
import type { NotificationFacts, Severity } from '../../contract/notification-routing';
import { NOTIFICATION_SEVERITIES, SEVERITY_ATTRIBUTE } from '../../contract/notification-routing';

/** One record of the SNS event Lambda receives. */
export interface SnsMessage {
  readonly MessageId?: string;
  readonly TopicArn?: string;
  readonly Subject?: string | null;
  readonly Message?: string;
  readonly Timestamp?: string;
  readonly MessageAttributes?: Record<string, { readonly Type?: string; readonly Value?: string }>;
}

/** What the notifier publishes for Lambda subscribers (the `lambda` text of its message). */
export interface ForwardedNotification {
  readonly facts: NotificationFacts;
  readonly subject: string;
  readonly text: string;
}

/** PagerDuty's Events API v2 event (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'resolve';
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: 'critical' | 'warning' | 'info';
    readonly timestamp?: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details?: Record<string, unknown>;
  };
  readonly links?: { readonly href: string; readonly text: string }[];
}

/** PagerDuty caps a summary at 1024 characters and a dedup key at 255. */
const MAX_SUMMARY = 1024;
const MAX_DEDUP_KEY = 255;

/** The event to send for `message`, without the routing key. */
export function pagerDutyEventOf(message: SnsMessage, source: string): Omit<PagerDutyEvent, 'routing_key'> {
  const body = message.Message ?? '';
  const parsed = parseJson(body);
  const forwarded = asForwarded(parsed);
  if (forwarded) {
    return fromFacts(forwarded, source, message.Timestamp);
  }
  const alarm = asAlarm(parsed);
  if (alarm) {
    const dedupKey = cut(`alarm:${alarm.AlarmName}`, MAX_DEDUP_KEY);
    if (alarm.NewStateValue === 'OK') {
      return { event_action: 'resolve', dedup_key: dedupKey };
    }
    return {
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: {
        summary: cut(`${alarm.AlarmName} is ${alarm.NewStateValue}: ${alarm.NewStateReason ?? ''}`.trim(), MAX_SUMMARY),
        source,
        severity: pagerDutySeverity(severityAttribute(message) ?? 'WARNING'),
        ...(message.Timestamp ? { timestamp: message.Timestamp } : {}),
        class: 'alarm',
        custom_details: { alarm: alarm.AlarmName, description: alarm.AlarmDescription, reason: alarm.NewStateReason },
      },
    };
  }
  // Any other message: one incident per SNS message, so a redelivery does not page twice.
  const firstLine = codeStarSummary(parsed) ?? body.split('\n').find((line) => line.trim() !== '') ?? 'release notification';
  return {
    event_action: 'trigger',
    dedup_key: cut(`sns:${message.MessageId ?? firstLine}`, MAX_DEDUP_KEY),
    payload: {
      summary: cut(message.Subject || firstLine, MAX_SUMMARY),
      source,
      severity: pagerDutySeverity(severityAttribute(message) ?? 'WARNING'),
      ...(message.Timestamp ? { timestamp: message.Timestamp } : {}),
      custom_details: { message: cut(body, 8000) },
    },
  };
}

function fromFacts(forwarded: ForwardedNotification, source: string, timestamp: string | undefined): Omit<PagerDutyEvent, 'routing_key'> {
  const { facts } = forwarded;
  const dedupKey = cut(facts.dedupKey, MAX_DEDUP_KEY);
  if (facts.resolves) {
    return { event_action: 'resolve', dedup_key: dedupKey };
  }
  return {
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: cut(forwarded.subject, MAX_SUMMARY),
      source,
      severity: pagerDutySeverity(facts.severity),
      ...(timestamp ? { timestamp } : {}),
      ...(facts.serviceName ? { component: facts.serviceName } : {}),
      ...(facts.stageName ? { group: facts.stageName } : {}),
      class: facts.eventType,
      custom_details: {
        service: facts.serviceName, stage: facts.stageName, version: facts.version, why: facts.why, text: cut(forwarded.text, 8000),
      },
    },
    ...(facts.consoleUrl ? { links: [{ href: facts.consoleUrl, text: 'Open in the AWS console' }] } : {}),
  };
}

/** A CodeStar Notifications message (a pipeline failed, an approval is needed) in one line. */
function codeStarSummary(value: unknown): string | undefined {
  const candidate = value as { detailType?: unknown; detail?: { pipeline?: unknown; state?: unknown; stage?: unknown; action?: unknown } } | undefined;
  if (typeof candidate?.detailType !== 'string' || typeof candidate.detail !== 'object' || candidate.detail === null) {
    return undefined;
  }
  const { pipeline, state, stage, action } = candidate.detail;
  return [candidate.detailType, ...[pipeline, stage, action, state].filter((part): part is string => typeof part === 'string')].join(': ');
}

function pagerDutySeverity(severity: Severity): 'critical' | 'warning' | 'info' {
  return severity === 'CRITICAL' ? 'critical' : severity === 'WARNING' ? 'warning' : 'info';
}

function severityAttribute(message: SnsMessage): Severity | undefined {
  const value = message.MessageAttributes?.[SEVERITY_ATTRIBUTE]?.Value;
  return (NOTIFICATION_SEVERITIES as readonly string[]).includes(value ?? '') ? value as Severity : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asForwarded(value: unknown): ForwardedNotification | undefined {
  const candidate = value as Partial<ForwardedNotification> | undefined;
  const facts = candidate?.facts;
  return typeof candidate?.subject === 'string' && typeof facts === 'object' && facts !== null && typeof facts.dedupKey === 'string'
    && (NOTIFICATION_SEVERITIES as readonly string[]).includes(facts.severity as string)
    ? candidate as ForwardedNotification : undefined;
}

interface AlarmMessage {
  readonly AlarmName: string;
  readonly AlarmDescription?: string;
  readonly NewStateValue: string;
  readonly NewStateReason?: string;
}

function asAlarm(value: unknown): AlarmMessage | undefined {
  const candidate = value as Partial<AlarmMessage> | undefined;
  return typeof candidate?.AlarmName === 'string' && typeof candidate.NewStateValue === 'string' ? candidate as AlarmMessage : undefined;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
