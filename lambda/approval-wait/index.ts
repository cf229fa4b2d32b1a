/**
 * The approval wait of a service released by Amazon ECS's own blue/green strategy: at
 * POST_TEST_TRAFFIC_SHIFT, holds the deployment until a person approves or rejects it in the
 * service's approval parameter, or the wait runs out. Under CodeDeploy the deployment group's
 * own Ready state does this, so there is no CodeDeploy handler.
 */
import { APPROVAL_WAIT_CONFIG_ENV, MAX_APPROVAL_POLL_SECONDS, MAX_APPROVAL_WAIT_SECONDS } from '../../contract/approval-wait';
import { HOOK_NAME_ENV } from '../../contract/hook';
import { ecsNativeHook, withHookConfiguration } from '../shared';
import { ApprovalWaitState, approvalWaitBody } from './approval-wait';

export type { EcsNativeHookEvent as ApprovalWaitHookEvent, EcsNativeHookResult as ApprovalWaitHookResult } from '../shared';
export type { ApprovalWaitState } from './approval-wait';
export { parseApprovalValue } from './decision';
export type { ApprovalDecision, ServiceDeployment } from './decision';

const hookName = process.env[HOOK_NAME_ENV] ?? 'approval-wait';

/**
 * The runtime's bound on the hook's total time, above the longest wait and its last poll: the
 * body ends the wait at its own configured deadline, so the runtime's general hook limit (55
 * minutes unless set) must not end it first.
 */
const TOTAL_TIMEOUT_MS = (MAX_APPROVAL_WAIT_SECONDS + MAX_APPROVAL_POLL_SECONDS + 300) * 1000;

/** The body reads its configuration on each run; a shared function's comes from `hookDetails.configuration`. */
const body = withHookConfiguration<ApprovalWaitState>(APPROVAL_WAIT_CONFIG_ENV, approvalWaitBody);

/** Handler for an Amazon ECS native blue/green hook (POST_TEST_TRAFFIC_SHIFT). */
export const ecsHandler = ecsNativeHook<ApprovalWaitState>(body, { hookName, totalTimeoutMs: TOTAL_TIMEOUT_MS });
