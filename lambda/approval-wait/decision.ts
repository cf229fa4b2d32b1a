/**
 * Reads a person's decision from the approval parameter's value, kept free of AWS calls.
 *
 * The protocol is one line a person writes with the AWS CLI: `approve <id>` or
 * `reject <id> [reason]`, where `<id>` names the service deployment (the last segment of its
 * ARN, or the whole ARN). A value that names another deployment is no decision, so an approval
 * left in the parameter from an earlier release never releases the next one.
 */
import { APPROVE_VERB, REJECT_VERB } from '../../contract/approval-wait';

/** The service deployment waiting for a decision. */
export interface ServiceDeployment {
  /** `arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>`. */
  readonly arn: string;
  /** The last segment of {@link arn}. */
  readonly id: string;
}

/** The deployment may go on. */
export interface Approved {
  readonly kind: 'approved';
  /** Anything written after the id, kept for the log. */
  readonly note?: string;
}

/** The deployment must roll back. */
export interface Rejected {
  readonly kind: 'rejected';
  /** What was written after the id. */
  readonly reason?: string;
}

/** The value decides nothing for this deployment: keep waiting. */
export interface NoDecision {
  readonly kind: 'none';
  /** Why, for the log: empty, unreadable, or about another deployment. */
  readonly why: string;
  /** Set when the value is a well-formed decision about another deployment. */
  readonly otherDeployment?: string;
}

export type ApprovalDecision = Approved | Rejected | NoDecision;

/** `<verb> <id>[ <text>]`; the text may span lines. */
const DECISION = /^(\S+)(?:\s+(\S+))?(?:\s+([\s\S]*))?$/;

/**
 * The decision `value` makes about `deployment`. The verb is read without regard to case and
 * the id exactly, as ECS writes it; surrounding whitespace, and one pair of quotes a shell left
 * around the whole value, do not count.
 */
export function parseApprovalValue(value: string, deployment: ServiceDeployment): ApprovalDecision {
  const text = unquoted(value.trim());
  if (text === '') {
    return { kind: 'none', why: 'the parameter holds no decision' };
  }
  const match = DECISION.exec(text);
  const verb = match?.[1].toLowerCase();
  if (!match || (verb !== APPROVE_VERB && verb !== REJECT_VERB)) {
    return { kind: 'none', why: `the value is neither "${APPROVE_VERB} <id>" nor "${REJECT_VERB} <id> [reason]"` };
  }
  const named = match[2];
  if (named === undefined) {
    return { kind: 'none', why: `"${verb}" names no deployment; write "${verb} ${deployment.id}"` };
  }
  if (!namesDeployment(named, deployment)) {
    return { kind: 'none', why: `the ${verb} names deployment ${named}, not ${deployment.id}`, otherDeployment: named };
  }
  const rest = match[3]?.trim() || undefined;
  if (verb === APPROVE_VERB) {
    return rest === undefined ? { kind: 'approved' } : { kind: 'approved', note: rest };
  }
  return rest === undefined ? { kind: 'rejected' } : { kind: 'rejected', reason: rest };
}

/** An ARN must be the deployment's own; a bare id, its last segment. */
function namesDeployment(named: string, deployment: ServiceDeployment): boolean {
  return named.startsWith('arn:') ? named === deployment.arn : named === deployment.id;
}

function unquoted(text: string): string {
  const first = text[0];
  if (text.length >= 2 && (first === '"' || first === '\'') && text.endsWith(first)) {
    return text.slice(1, -1).trim();
  }
  return text;
}
