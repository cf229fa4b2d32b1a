/**
 * The CloudFormation custom resource request, and the release settings read from its properties.
 * Everything here is untrusted input: CloudFormation passes properties as strings, and a wrong
 * template can leave any of them out.
 */
import { CONTINUATION_FIELD } from '../../contract/hook';
import {
  CODEDEPLOY_RELEASE_DEFAULTS,
  CodeDeployReleaseProperties,
  MAX_CODEDEPLOY_RELEASE_TIMEOUT_SECONDS,
} from '../../contract/codedeploy-release';
import { isRecord } from '../shared/answer';
import { parseContinuation } from '../shared/invocation';

export type RequestType = 'Create' | 'Update' | 'Delete';

/** What CloudFormation sends, plus the continuation a hand-over adds. */
export interface CustomResourceEvent {
  readonly RequestType?: string;
  readonly ResponseURL?: string;
  readonly StackId?: string;
  readonly RequestId?: string;
  readonly LogicalResourceId?: string;
  readonly ResourceType?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties?: Partial<Record<keyof CodeDeployReleaseProperties, unknown>>;
  readonly OldResourceProperties?: Record<string, unknown>;
  readonly [CONTINUATION_FIELD]?: unknown;
  readonly [field: string]: unknown;
}

/** The fields every answer copies from the request. */
export interface RequestIds {
  readonly responseUrl: string;
  readonly stackId: string;
  readonly requestId: string;
  readonly logicalResourceId: string;
}

export interface ReleaseSettings {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly clusterName: string;
  readonly serviceName: string;
  readonly taskDefinitionArn: string;
  readonly appSpecContent: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
}

/** What a hand-over carries to the next invocation. */
export interface ReleaseState {
  readonly deploymentId: string;
}

/** A continued invocation: the deployment it waits for and when the first invocation started. */
export interface ReleaseContinuation {
  readonly state: ReleaseState;
  readonly attempt: number;
  readonly startedAt: number;
}

/** The ids of the request, or undefined when there is no URL to answer to. */
export function requestIdsOf(event: CustomResourceEvent): RequestIds | undefined {
  const responseUrl = nonEmpty(event.ResponseURL);
  if (!responseUrl) {
    return undefined;
  }
  // An answer lacking these is refused by CloudFormation anyway; empty strings still let it name the problem.
  return {
    responseUrl,
    stackId: nonEmpty(event.StackId) ?? '',
    requestId: nonEmpty(event.RequestId) ?? '',
    logicalResourceId: nonEmpty(event.LogicalResourceId) ?? '',
  };
}

export function requestTypeOf(event: CustomResourceEvent): RequestType | undefined {
  const type = event.RequestType;
  return type === 'Create' || type === 'Update' || type === 'Delete' ? type : undefined;
}

/**
 * The physical id: kept from the request once there is one, since a new id would make
 * CloudFormation treat the update as a replacement; else one per deployment group.
 */
export function physicalResourceIdOf(event: CustomResourceEvent): string {
  const existing = nonEmpty(event.PhysicalResourceId);
  if (existing) {
    return existing;
  }
  const properties = isRecord(event.ResourceProperties) ? event.ResourceProperties : {};
  const application = nonEmpty(properties.ApplicationName);
  const group = nonEmpty(properties.DeploymentGroupName);
  return application && group ? `${application}/${group}` : nonEmpty(event.LogicalResourceId) ?? 'codedeploy-release';
}

/** The settings, or what is wrong with the properties. */
export function releaseSettingsOf(properties: unknown): { readonly settings: ReleaseSettings } | { readonly problem: string } {
  const given = isRecord(properties) ? properties : {};
  const missing: string[] = [];
  const text = (name: keyof CodeDeployReleaseProperties): string => {
    const value = nonEmpty(given[name]);
    if (value === undefined) {
      missing.push(name);
    }
    return value ?? '';
  };
  const applicationName = text('ApplicationName');
  const deploymentGroupName = text('DeploymentGroupName');
  const clusterName = text('ClusterName');
  const serviceName = text('ServiceName');
  const taskDefinitionArn = text('TaskDefinitionArn');
  const appSpecContent = text('AppSpecContent');
  if (missing.length > 0) {
    return { problem: `the release resource lacks the propert${missing.length === 1 ? 'y' : 'ies'} ${missing.join(', ')}` };
  }
  const timeoutSeconds = positiveNumber(given.TimeoutSeconds, 'TimeoutSeconds', CODEDEPLOY_RELEASE_DEFAULTS.timeoutSeconds);
  const pollSeconds = positiveNumber(given.PollSeconds, 'PollSeconds', CODEDEPLOY_RELEASE_DEFAULTS.pollSeconds);
  for (const parsed of [timeoutSeconds, pollSeconds]) {
    if (typeof parsed === 'string') {
      return { problem: parsed };
    }
  }
  if ((timeoutSeconds as number) > MAX_CODEDEPLOY_RELEASE_TIMEOUT_SECONDS) {
    return {
      problem: `TimeoutSeconds must be at most ${MAX_CODEDEPLOY_RELEASE_TIMEOUT_SECONDS}, got ${timeoutSeconds}: `
        + 'CloudFormation waits one hour at most for a custom resource',
    };
  }
  return {
    settings: {
      applicationName,
      deploymentGroupName,
      clusterName,
      serviceName,
      taskDefinitionArn,
      appSpecContent,
      timeoutMs: (timeoutSeconds as number) * 1000,
      pollMs: (pollSeconds as number) * 1000,
    },
  };
}

/** The continuation of a handed-over invocation, or undefined for CloudFormation's own request. */
export function releaseContinuationOf(event: CustomResourceEvent): ReleaseContinuation | undefined {
  const continuation = parseContinuation(event[CONTINUATION_FIELD]);
  const startedAt = continuation ? Date.parse(continuation.startedAt) : NaN;
  const state = continuation?.state;
  if (!continuation || !Number.isFinite(startedAt) || !isRecord(state) || nonEmpty(state.deploymentId) === undefined) {
    return undefined;
  }
  return { state: { deploymentId: state.deploymentId as string }, attempt: continuation.attempt, startedAt };
}

/** A number from a property (CloudFormation sends `"15"`), its default when absent, or a problem. */
function positiveNumber(value: unknown, name: string, fallback: number): number | string {
  if (value === undefined || value === null || value === '') {
    return fallback;
  }
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  return Number.isFinite(parsed) && parsed > 0 ? parsed : `${name} must be a positive number of seconds, got ${JSON.stringify(value)}`;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value : undefined;
}
