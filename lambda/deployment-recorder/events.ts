/**
 * What each event says about a record: the item it concerns and the update it makes. Pure: no
 * AWS call, so every event type is tested from its recorded shape alone.
 */
import { HOOK_RESULT_DETAIL_TYPE, RELEASE_EVENT_SOURCE, ROLLBACK_VERIFICATION_DETAIL_TYPE } from '../../contract/release-events';
import type { ReleaseRecordKind, ReleaseRecordStatus } from '../../contract/deployment-record';
import type { RecorderSettings } from './config';
import { hookResult } from './hook-results';

/** An EventBridge event as the rules deliver it. */
export interface RecordedEvent {
  readonly 'id'?: string;
  readonly 'source'?: string;
  readonly 'detail-type'?: string;
  readonly 'time'?: string;
  readonly 'region'?: string;
  readonly 'resources'?: readonly string[];
  readonly 'detail'?: Record<string, unknown>;
  readonly [field: string]: unknown;
}

export type AttributeValue = string | number | string[];

/** One item's update for one event. */
export interface RecordUpdate {
  readonly releaseKey: string;
  readonly recordId: string;
  /** Set when the item has none yet: who it is, and the first time of a kind (a start). */
  readonly setOnce: Record<string, string>;
  /** Set by every event that carries them. */
  readonly set?: Record<string, AttributeValue>;
  /** The status with the fields that go with it, applied only when no later event set the status. */
  readonly status?: { readonly status: ReleaseRecordStatus; readonly fields?: Record<string, string> };
  /** Added to string sets. */
  readonly add?: Record<string, string[]>;
  /** Appended to `notes`. */
  readonly note?: string;
}

/** The updates of one event, or why it is not recorded. */
export type EventMapping = { readonly updates: RecordUpdate[] } | { readonly ignored: string };

/** At one event time, the graver status wins: an end over a start, a rollback over a failure. */
export const STATUS_RANK: Record<ReleaseRecordStatus, number> = { in_progress: 0, success: 1, failed: 2, rolled_back: 3 };

/** `<time>#<rank>`: ISO times of one format sort as strings. */
export function statusOrder(time: string, status: ReleaseRecordStatus): string {
  return `${time}#${STATUS_RANK[status]}`;
}

export function mapEvent(event: RecordedEvent, settings: RecorderSettings): EventMapping {
  const detailType = event['detail-type'];
  const detail = event.detail ?? {};
  const time = text(event.time);
  if (!time) {
    return { ignored: 'the event has no time' };
  }
  if (event.source === 'aws.codedeploy' && detailType === 'CodeDeploy Deployment State-change Notification') {
    return codeDeployDeployment(detail, time, text(event.region), settings);
  }
  if (event.source === 'aws.ecs' && detailType === 'ECS Deployment State Change') {
    return ecsDeployment(event, detail, time, settings);
  }
  if (event.source === RELEASE_EVENT_SOURCE && detailType === ROLLBACK_VERIFICATION_DETAIL_TYPE) {
    return rollbackVerification(detail, settings);
  }
  if (event.source === RELEASE_EVENT_SOURCE && detailType === HOOK_RESULT_DETAIL_TYPE) {
    return hookResult(detail, settings);
  }
  if (event.source === 'aws.codepipeline' && detailType === 'CodePipeline Stage Execution State Change') {
    return pipelineStage(detail, time, settings);
  }
  if (event.source === 'aws.codepipeline' && detailType === 'CodePipeline Pipeline Execution State Change') {
    return pipelineExecution(detail, time);
  }
  if (event.source === 'aws.codepipeline' && detailType === 'CodePipeline Action Execution State Change') {
    return pipelineAction(detail, time, settings);
  }
  return { ignored: `${String(detailType)} from ${String(event.source)} is not recorded` };
}

function codeDeployDeployment(detail: Record<string, unknown>, time: string, region: string | undefined, settings: RecorderSettings): EventMapping {
  const application = text(detail.application);
  const deploymentGroup = text(detail.deploymentGroup);
  const deploymentId = text(detail.deploymentId);
  const group = settings.deploymentGroups.find((g) => g.applicationName === application && g.deploymentGroupName === deploymentGroup);
  if (!group || !deploymentId) {
    return { ignored: deploymentId ? `deployment group ${application}/${deploymentGroup} is not one of the pipeline's stages` : 'the event names no deployment' };
  }
  const state = text(detail.state);
  const where = text(detail.region) ?? region;
  const base = {
    releaseKey: `${group.serviceName}#${group.stageName}`,
    recordId: deploymentId,
    setOnce: {
      ...identity('deployment', group.stageName, { serviceName: group.serviceName, engine: 'CODE_DEPLOY', deploymentId }),
      ...(where ? { url: `https://${where}.console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${where}` } : {}),
    },
  };
  switch (state) {
    case 'START':
      return { updates: [{ ...base, setOnce: { ...base.setOnce, startedAt: time }, status: { status: 'in_progress' } }] };
    case 'READY':
      return { updates: [{ ...base, note: `${time} waiting for traffic to be rerouted` }] };
    case 'SUCCESS':
      return { updates: [{ ...base, status: { status: 'success', fields: { completedAt: time } } }] };
    case 'FAILURE':
    case 'STOP':
      return { updates: [{ ...base, status: { status: 'failed', fields: { completedAt: time } },
        note: `${time} deployment ${state === 'STOP' ? 'stopped' : 'failed'}` }] };
    default:
      return { ignored: `CodeDeploy state ${String(state)} is not recorded` };
  }
}

function ecsDeployment(event: RecordedEvent, detail: Record<string, unknown>, time: string, settings: RecorderSettings): EventMapping {
  const serviceArn = event.resources?.find((resource) => typeof resource === 'string' && resource.includes(':service/'));
  const service = settings.ecsServices.find((s) => s.serviceArn === serviceArn);
  // The service deployment's ARN when the event carries it: the rollback verification names it so.
  const deploymentId = [text(detail.serviceDeploymentArn), text(detail.deploymentId)].find((id) => id?.includes(':service-deployment/'))
    ?? text(detail.deploymentId);
  if (!service || !deploymentId) {
    return { ignored: deploymentId ? `service ${String(serviceArn)} is not one of the pipeline's stages` : 'the event names no deployment' };
  }
  const eventName = text(detail.eventName) ?? '';
  const reason = text(detail.reason);
  const base = {
    releaseKey: `${service.serviceName}#${service.stageName}`,
    recordId: deploymentId,
    setOnce: identity('deployment', service.stageName, { serviceName: service.serviceName, engine: 'ECS', deploymentId }),
  };
  if (eventName === 'SERVICE_DEPLOYMENT_IN_PROGRESS') {
    return { updates: [{ ...base, setOnce: { ...base.setOnce, startedAt: time }, status: { status: 'in_progress' } }] };
  }
  if (eventName === 'SERVICE_DEPLOYMENT_COMPLETED') {
    return { updates: [{ ...base, status: { status: 'success', fields: { completedAt: time } } }] };
  }
  if (eventName === 'SERVICE_DEPLOYMENT_FAILED') {
    return { updates: [{ ...base, status: { status: 'failed', fields: { completedAt: time } }, note: `${time} ${reason ?? 'deployment failed'}` }] };
  }
  return { ignored: `Amazon ECS event ${eventName || 'without a name'} is not recorded` };
}

function rollbackVerification(detail: Record<string, unknown>, settings: RecorderSettings): EventMapping {
  const deploymentId = text(detail.deploymentId);
  const stage = detail.engine === 'ECS'
    ? settings.ecsServices.find((s) => s.serviceArn === text(detail.serviceArn))
    : settings.deploymentGroups.find((g) => g.applicationName === text(detail.applicationName) && g.deploymentGroupName === text(detail.deploymentGroupName));
  if (!stage || !deploymentId) {
    return { ignored: deploymentId ? `the verified service ${String(detail.serviceName)} is not one of the pipeline's stages` : 'the event names no deployment' };
  }
  const outcome = detail.outcome === 'VERIFIED' ? 'VERIFIED' : 'UNVERIFIED';
  // The verification's end: the rollback is known complete (or known not verified) then.
  const time = text(detail.completedAt);
  if (!time) {
    return { ignored: 'the verification has no completion time' };
  }
  const checks = Array.isArray(detail.checks) ? detail.checks as { name?: unknown; passed?: unknown; detail?: unknown }[] : [];
  const reason = text(detail.reason);
  return {
    updates: [{
      releaseKey: `${stage.serviceName}#${stage.stageName}`,
      recordId: deploymentId,
      setOnce: identity('deployment', stage.stageName, { serviceName: stage.serviceName, engine: detail.engine === 'ECS' ? 'ECS' : 'CODE_DEPLOY', deploymentId }),
      status: { status: 'rolled_back' },
      set: {
        rollbackVerification: outcome,
        // When the rollback was known complete: a verified one ends the failure then (time to restore).
        rollbackVerifiedAt: time,
        ...(reason ? { rollbackVerificationReason: reason } : {}),
        ...(text(detail.url) ? { verifiedUrl: text(detail.url)! } : {}),
        ...(text(detail.restoredVersion) ? { restoredVersion: text(detail.restoredVersion)! } : {}),
        ...(checks.length > 0 ? { verificationChecks: checks.map((c) => `${String(c?.name)}: ${c?.passed ? 'passed' : 'failed'}: ${String(c?.detail ?? '')}`) } : {}),
      },
      note: `${time} rolled back, ${outcome === 'VERIFIED' ? 'verified' : 'not verified'}${reason ? `: ${reason}` : ''}`,
    }],
  };
}

/** The stages the recorder knows: those that deploy a service of the configuration. */
function isDeployStage(stageName: string, settings: RecorderSettings): boolean {
  return settings.deployActions.some((a) => a.stageName === stageName)
    || settings.deploymentGroups.some((g) => g.stageName === stageName)
    || settings.ecsServices.some((s) => s.stageName === stageName);
}

function pipelineStage(detail: Record<string, unknown>, time: string, settings: RecorderSettings): EventMapping {
  const pipeline = text(detail.pipeline);
  const executionId = text(detail['execution-id']);
  const stageName = text(detail.stage);
  if (!pipeline || !executionId || !stageName || !isDeployStage(stageName, settings)) {
    return { ignored: `stage ${String(stageName)} deploys no recorded service` };
  }
  const state = text(detail.state);
  const base = { releaseKey: `${pipeline}#${stageName}`, recordId: executionId, setOnce: identity('stage', stageName, { pipelineName: pipeline }) };
  switch (state) {
    case 'STARTED':
      return { updates: [{ ...base, setOnce: { ...base.setOnce, startedAt: time }, status: { status: 'in_progress' } }] };
    case 'RESUMED':
      // A retry of failed actions: in progress again, until the stage ends anew.
      return { updates: [{ ...base, status: { status: 'in_progress' }, note: `${time} stage resumed` }] };
    case 'SUCCEEDED':
      return { updates: [{ ...base, status: { status: 'success', fields: { completedAt: time } } }] };
    case 'FAILED':
    case 'CANCELED':
    case 'STOPPED':
      return { updates: [{ ...base, status: { status: 'failed', fields: { completedAt: time } }, note: `${time} stage ${state.toLowerCase()}` }] };
    default:
      return { ignored: `stage state ${String(state)} is not recorded` };
  }
}

/** The release as a whole: its status, and who or what started it (`execution-trigger`, on V2 pipelines). */
function pipelineExecution(detail: Record<string, unknown>, time: string): EventMapping {
  const pipeline = text(detail.pipeline);
  const executionId = text(detail['execution-id']);
  if (!pipeline || !executionId) {
    return { ignored: 'the event names no pipeline execution' };
  }
  const trigger = (detail['execution-trigger'] ?? {}) as Record<string, unknown>;
  const base = {
    releaseKey: pipeline,
    recordId: executionId,
    setOnce: {
      ...identity('execution', '', { pipelineName: pipeline }),
      ...(text(trigger['trigger-type']) ? { triggerType: text(trigger['trigger-type'])! } : {}),
      ...(text(trigger['trigger-detail']) ? { triggeredBy: text(trigger['trigger-detail'])! } : {}),
    },
  };
  const state = text(detail.state);
  switch (state) {
    case 'STARTED':
      return { updates: [{ ...base, setOnce: { ...base.setOnce, startedAt: time }, status: { status: 'in_progress' } }] };
    case 'RESUMED':
      return { updates: [{ ...base, status: { status: 'in_progress' }, note: `${time} execution resumed` }] };
    case 'SUCCEEDED':
      return { updates: [{ ...base, status: { status: 'success', fields: { completedAt: time } } }] };
    case 'FAILED':
    case 'CANCELED':
    case 'STOPPED':
    case 'SUPERSEDED':
      return { updates: [{ ...base, status: { status: 'failed', fields: { completedAt: time } }, note: `${time} execution ${state.toLowerCase()}` }] };
    default:
      return { ignored: `execution state ${String(state)} is not recorded` };
  }
}

function pipelineAction(detail: Record<string, unknown>, time: string, settings: RecorderSettings): EventMapping {
  const pipeline = text(detail.pipeline);
  const executionId = text(detail['execution-id']);
  const stageName = text(detail.stage);
  const actionName = text(detail.action);
  const state = text(detail.state);
  const category = text((detail.type as Record<string, unknown> | undefined)?.category);
  const result = (detail['execution-result'] ?? {}) as Record<string, unknown>;
  const summary = text(result['external-execution-summary']);
  const revision = text(result['external-execution-id']);
  if (pipeline && executionId && category === 'Source' && state === 'SUCCEEDED' && revision) {
    // What the release is made of: the source action's revision (a Git source's commit id).
    return {
      updates: [{
        releaseKey: pipeline, recordId: executionId,
        setOnce: { ...identity('execution', '', { pipelineName: pipeline }), sourceRevision: revision, ...(summary ? { sourceSummary: summary } : {}) },
      }],
    };
  }
  if (pipeline && executionId && category === 'Build' && state === 'SUCCEEDED' && settings.buildVariables) {
    // The image it pushed is read from the build's variables (the event does not carry them).
    return { updates: [{ releaseKey: pipeline, recordId: executionId, setOnce: identity('execution', '', { pipelineName: pipeline }) }] };
  }
  if (!pipeline || !executionId || !stageName || !actionName || !isDeployStage(stageName, settings)) {
    return { ignored: `stage ${String(stageName)} deploys no recorded service` };
  }
  const stage = { releaseKey: `${pipeline}#${stageName}`, recordId: executionId, setOnce: identity('stage', stageName, { pipelineName: pipeline }) };
  if (category === 'Approval') {
    if (state === 'STARTED') {
      return { updates: [{ ...stage, setOnce: { ...stage.setOnce, approvalRequestedAt: time } }] };
    }
    if (state === 'SUCCEEDED' || state === 'FAILED') {
      return { updates: [{ ...stage, set: { approvalDecidedAt: time, approvalOutcome: state },
        note: `${time} approval ${state === 'SUCCEEDED' ? 'approved' : 'rejected'}${summary ? `: ${summary}` : ''}` }] };
    }
    return { ignored: `approval state ${String(state)} is not recorded` };
  }
  const deployed = settings.deployActions.find((a) => a.stageName === stageName && a.actionName === actionName);
  const deploymentId = text(result['external-execution-id']);
  if (category === 'Deploy' && deployed && deploymentId && (state === 'SUCCEEDED' || state === 'FAILED')) {
    // The deploy action's end names the deployment it ran: the stage and the deployment link here.
    return {
      updates: [
        { ...stage, add: { deploymentIds: [deploymentId] }, ...(state === 'FAILED' ? { note: `${time} ${actionName} failed${summary ? `: ${summary}` : ''}` } : {}) },
        {
          releaseKey: `${deployed.serviceName}#${stageName}`,
          recordId: deploymentId,
          setOnce: { ...identity('deployment', stageName, { serviceName: deployed.serviceName, deploymentId }), pipelineExecutionId: executionId },
        },
      ],
    };
  }
  if (state === 'FAILED') {
    return { updates: [{ ...stage, note: `${time} ${actionName} failed${summary ? `: ${summary}` : ''}` }] };
  }
  return { ignored: `action ${actionName} ${String(state)} is not recorded` };
}

function identity(kind: ReleaseRecordKind, stageName: string, fields: Record<string, string>): Record<string, string> {
  return { kind, ...(stageName ? { stageName } : {}), ...fields };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
