/**
 * What the approval wait of a service released by Amazon ECS's own blue/green strategy passes to
 * its handler, the approval protocol people follow, and the events the handler publishes.
 *
 * Under CodeDeploy a deployment waits in its Ready state until someone continues it; Amazon ECS
 * has no such state, so the wait is a Lambda lifecycle hook at POST_TEST_TRAFFIC_SHIFT (green
 * serves test traffic, production is still on blue) that answers IN_PROGRESS until a person
 * decides or the wait runs out.
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variable holding `JSON.stringify(ApprovalWaitHookConfig)`. */
export const APPROVAL_WAIT_CONFIG_ENV = 'CDK_ECS_RELEASE_APPROVAL_WAIT_CONFIG';

/** The lifecycle stage the wait runs at: green has test traffic, production is still on blue. */
export const APPROVAL_WAIT_LIFECYCLE_STAGE = 'POST_TEST_TRAFFIC_SHIFT';

/** The longest wait: two days, long enough to span a weekend's night without a release lingering. */
export const MAX_APPROVAL_WAIT_SECONDS = 172_800;

/** The longest time between two reads of the approval parameter. */
export const MAX_APPROVAL_POLL_SECONDS = 900;

/** Defaults applied by the handler when a field is left out. */
export const APPROVAL_WAIT_DEFAULTS = {
  pollSeconds: 30,
  eventSource: 'cdk-ecs-release',
  eventBusName: 'default',
} as const;

export interface ApprovalWaitHookConfig {
  /** The ECS service's name, in events and log lines. */
  readonly serviceName: string;
  /**
   * The SSM String parameter a person writes the decision to (see {@link approvalCommand}); the
   * function needs `ssm:GetParameter` on it, and only that.
   */
  readonly approvalParameterName: string;
  /** How long to wait for a decision, in whole seconds from the hook's first run; 1 to {@link MAX_APPROVAL_WAIT_SECONDS}. */
  readonly waitSeconds: number;
  /** Seconds between two reads of the parameter, whole, 1 to {@link MAX_APPROVAL_POLL_SECONDS}. Default 30. */
  readonly pollSeconds?: number;
  /** `Source` of the events published. Default `cdk-ecs-release`. */
  readonly eventSource?: string;
  /** Name or ARN of the EventBridge bus the events go to. Default `default`. */
  readonly eventBusName?: string;
}

/**
 * The value the construct writes to the parameter when it creates it: SSM refuses an empty
 * String, and any value that is neither `approve …` nor `reject …` counts as no decision.
 */
export const APPROVAL_PARAMETER_INITIAL_VALUE = 'waiting';

/** Verbs of the approval protocol: the parameter's value is `<verb> <deployment id>[ <reason>]`. */
export const APPROVE_VERB = 'approve';
export const REJECT_VERB = 'reject';

/**
 * The command a person runs to decide, e.g.
 * `aws ssm put-parameter --name /orders/approval --value "approve Sa0hTvq7sLwDmm3fCKlgk" --overwrite`.
 * `deploymentId` is the last segment of the service deployment's ARN (the full ARN is accepted
 * too); a value naming another deployment counts as no decision, so an old approval never
 * releases a new deployment.
 */
export function approvalCommand(parameterName: string, verb: typeof APPROVE_VERB | typeof REJECT_VERB, deploymentId: string): string {
  return `aws ssm put-parameter --name ${parameterName} --value "${verb} ${deploymentId}" --overwrite`;
}

/** `DetailType` of the event published once per deployment when the wait starts. */
export const APPROVAL_WAITING_DETAIL_TYPE = 'ECS Release Waiting For Approval';
/** `DetailType` of the event published when the parameter approves the deployment. */
export const APPROVAL_APPROVED_DETAIL_TYPE = 'ECS Release Approved';
/** `DetailType` of the event published when the parameter rejects the deployment. */
export const APPROVAL_REJECTED_DETAIL_TYPE = 'ECS Release Rejected';
/** `DetailType` of the event published when the wait ran out with no decision. */
export const APPROVAL_EXPIRED_DETAIL_TYPE = 'ECS Release Approval Expired';

/** What every approval event's `detail` holds. */
export interface ApprovalEventDetail {
  readonly serviceName: string;
  /** The service deployment's ARN. */
  readonly deploymentArn: string;
  /** The last segment of {@link deploymentArn}, as the approval names it. */
  readonly deploymentId: string;
  /** e.g. `POST_TEST_TRAFFIC_SHIFT`. */
  readonly lifecycleStage: string;
  readonly approvalParameterName: string;
  /** ISO 8601 time of the hook's first run. */
  readonly waitingSince: string;
  /** ISO 8601 time at which the wait runs out and the deployment rolls back. */
  readonly deadline: string;
}

/** The `detail` of {@link APPROVAL_WAITING_DETAIL_TYPE}. */
export interface ApprovalWaitingDetail extends ApprovalEventDetail {
  /** The exact command that approves this deployment. */
  readonly approveCommand: string;
  /** The command that rejects it; a reason may follow the id inside the quotes. */
  readonly rejectCommand: string;
}

/** The `detail` of the approved, rejected and expired events. */
export interface ApprovalDecisionDetail extends ApprovalEventDetail {
  /** ISO 8601 time at which the hook read the decision, or found the wait over. */
  readonly decidedAt: string;
  /** The rejection's reason as written, or why the wait ended. Absent for an approval. */
  readonly reason?: string;
}

/**
 * Minutes to give the hook's `timeoutConfiguration.timeoutInMinutes`: Amazon ECS ends a hook
 * after 24 hours by default, before the longest wait; this leaves the hook one last read of the
 * parameter and its answer after the wait, so the hook decides rather than ECS's timeout action.
 */
export function approvalWaitHookTimeoutMinutes(waitSeconds: number, pollSeconds: number = APPROVAL_WAIT_DEFAULTS.pollSeconds): number {
  return Math.ceil((waitSeconds + pollSeconds + 300) / 60);
}
