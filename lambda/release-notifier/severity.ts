/**
 * How urgent each message is, and the facts a forwarder pages by. One incident per service and
 * stage: a redelivered message does not page twice, and the next success of that stage, or a
 * verified rollback, resolves it.
 *
 * | Message                                                        | Severity |
 * | -------------------------------------------------------------- | -------- |
 * | deployment started, deployment succeeded                       | INFO     |
 * | deployment failed, stopped or rolled back; rollback verified   | WARNING  |
 * | deployment waits for approval (CodeDeploy READY)               | WARNING  |
 * | rollback unverified                                            | CRITICAL |
 * | rollback alarm in ALARM outside a deployment, approval stage   | CRITICAL |
 * | rollback alarm in ALARM outside a deployment, other stage      | WARNING  |
 */
import type { NotificationFacts, Severity } from '../../contract/notification-routing';

/** The severity of a CodeDeploy deployment state. */
export function codeDeploySeverity(state: string): Severity {
  return state === 'SUCCESS' || state === 'START' ? 'INFO' : 'WARNING';
}

/** The incident a message belongs to: its service and stage. */
export function dedupKeyOf(serviceName: string, stageName: string): string {
  return `release:${serviceName}/${stageName}`;
}

export function factsOf(fields: {
  readonly severity: Severity;
  readonly eventType: string;
  readonly serviceName: string;
  readonly stageName: string;
  readonly version?: string;
  readonly why?: string;
  readonly consoleUrl?: string;
  readonly resolves?: boolean;
}): NotificationFacts {
  return {
    severity: fields.severity,
    eventType: fields.eventType,
    serviceName: fields.serviceName,
    stageName: fields.stageName,
    dedupKey: dedupKeyOf(fields.serviceName, fields.stageName),
    ...(fields.version ? { version: fields.version } : {}),
    ...(fields.why ? { why: fields.why } : {}),
    ...(fields.consoleUrl ? { consoleUrl: fields.consoleUrl } : {}),
    ...(fields.resolves ? { resolves: true } : {}),
  };
}
