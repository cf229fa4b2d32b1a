import type { NotificationForwarderConfig, NotificationFacts } from '../../../contract/notification-routing';
import type { SnsEvent } from '../../../lambda/notification-forwarder';

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:release/pagerduty-routing-key-AbCdEf';
export const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

// Long enough for the first request of a loaded machine (fetch loads on first use); the timeout test sets its own.
export function forwarderConfig(endpointUrl: string, requestTimeoutMs = 10_000): NotificationForwarderConfig {
  return { routingKeySecret: SECRET_ARN, endpointUrl, source: 'Release/Pipeline', requestTimeoutMs };
}

export const UNVERIFIED_FACTS: NotificationFacts = {
  severity: 'CRITICAL',
  eventType: 'RollbackUnverified',
  serviceName: 'orders-api',
  stageName: 'Production',
  version: 'a1b2c3d',
  dedupKey: 'orders-api/Production/d-ABC123',
  why: 'smoke check health answered 503',
  consoleUrl: 'https://eu-west-1.console.aws.amazon.com/codesuite/codedeploy/deployments/d-ABC123?region=eu-west-1',
};

/** One SNS record, as Lambda receives it from a topic. */
export function snsEvent(message: string, fields: { subject?: string; severity?: string; messageId?: string } = {}): SnsEvent {
  return {
    Records: [{
      Sns: {
        MessageId: fields.messageId ?? 'sns-message-1',
        TopicArn: 'arn:aws:sns:eu-west-1:111122223333:release-critical',
        Subject: fields.subject ?? null,
        Message: message,
        Timestamp: '2026-12-03T07:00:00.000Z',
        MessageAttributes: fields.severity ? { severity: { Type: 'String', Value: fields.severity } } : {},
      },
    }],
  };
}

/** What the notifier publishes for Lambda subscribers. */
export function notifierMessage(facts: NotificationFacts, subject = 'orders-api Production: rollback of d-ABC123 UNVERIFIED'): SnsEvent {
  return snsEvent(JSON.stringify({ facts, subject, text: `${subject}.\n\nWhy: ${facts.why}` }), { subject, severity: facts.severity });
}
