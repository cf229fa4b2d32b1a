/**
 * A hook's final result as one `Release Hook Result` event, for the deployment record: put after
 * CodeDeploy accepted the status, or just before the answer goes back to Amazon ECS. Best effort
 * and bounded: it takes at most {@link HOOK_RESULT_EVENT_BUDGET_MS}, never throws, and never
 * changes the status, which the engine has (or is about to have) whatever happens here.
 */
import {
  HOOK_RESULT_DETAIL_TYPE,
  HOOK_RESULT_TARGET_ENV,
  HookResultDetail,
  HookResultFacts,
  HookResultTarget,
  VerifiedCheck,
} from '../../contract/release-events';
import { isRecord } from './answer';
import type { HookExecution, LambdaContext } from './hook';
import { Logger, describeError } from './logger';
import { putReleaseEvent } from './release-event';

/** The most time the event may take, SDK loading and retries included. */
export const HOOK_RESULT_EVENT_BUDGET_MS = 1500;

/** Left after the event's time for the function to return before Lambda ends it. */
const RETURN_RESERVE_MS = 300;

/** Below this, no attempt is worth starting. */
const MIN_ATTEMPT_MS = 100;

/** The detail stays far below EventBridge's limit whatever a hook hands over. */
const MAX_SUMMARY_LENGTH = 1000;
const MAX_CHECKS = 50;
const MAX_FIGURES = 20;
const MAX_LINE_LENGTH = 300;

interface NotedTarget {
  readonly target: HookResultTarget;
  readonly hookName?: string;
}

/** What the configuration of each invocation said the hook serves (functions shared by several services). */
const notedTargets = new WeakMap<LambdaContext, NotedTarget>();

/**
 * Records, for this invocation, the service and lifecycle event the hook serves and its name, as
 * the service's configuration tells them; a hook's own function has them in its environment.
 */
export function noteHookResultTarget(invocation: LambdaContext | undefined, target: HookResultTarget, hookName?: string): void {
  if (invocation) {
    notedTargets.set(invocation, { target, ...(hookName ? { hookName } : {}) });
  }
}

/** One final result of a hook, as the runtime knows it. */
export interface HookResultReport {
  /** The hook's kind, e.g. `smoke-test`. */
  readonly hookKind: string;
  readonly hookName: string;
  readonly execution: HookExecution;
  readonly status: 'Succeeded' | 'Failed';
  readonly reason?: string;
  readonly facts?: HookResultFacts;
  readonly lambdaContext: LambdaContext;
  /** Epoch milliseconds at which Lambda ends the function. */
  readonly functionDeadline: number;
  readonly logger: Logger;
}

/** How the event went: `skipped` when the result could not be placed (logged) or no time was left. */
export type HookResultEventOutcome = 'put' | 'skipped' | 'failed';

/** Puts the result's event within its budget. Never throws; logs either way. */
export async function putHookResult(report: HookResultReport): Promise<HookResultEventOutcome> {
  const { logger } = report;
  const started = Date.now();
  let detail: HookResultDetail | string;
  try {
    detail = hookResultDetail(report, new Date(started).toISOString());
  } catch (error) {
    logger.warn('hook result event not put: its detail could not be built', { error: describeError(error) });
    return 'skipped';
  }
  if (typeof detail === 'string') {
    // A function the library's constructs did not set up (a test, a function of one's own): nothing to place.
    logger.info(`hook result event not put: ${detail}`, { verdict: report.status });
    return 'skipped';
  }
  const deadline = Math.min(started + HOOK_RESULT_EVENT_BUDGET_MS, report.functionDeadline - RETURN_RESERVE_MS);
  if (deadline - started < MIN_ATTEMPT_MS) {
    logger.warn('hook result event not put: no time left before the function\'s timeout', {
      verdict: report.status, msBeforeTimeout: report.functionDeadline - started,
    });
    return 'skipped';
  }
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<{ readonly timedOut: true }>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`the hook result event's ${HOOK_RESULT_EVENT_BUDGET_MS} ms are up`));
      resolve({ timedOut: true });
    }, deadline - started);
  });
  const put = putReleaseEvent({ signal: controller.signal, deadline, logger }, HOOK_RESULT_DETAIL_TYPE, detail,
    detail.serviceArn ? [detail.serviceArn] : [])
    .then((eventId) => ({ eventId }), (error: unknown) => ({ error }));
  try {
    const first = await Promise.race([put, outOfTime]);
    const fields = { verdict: report.status, detailType: HOOK_RESULT_DETAIL_TYPE, elapsedMs: Date.now() - started };
    if ('eventId' in first) {
      logger.info('hook result event put', { ...fields, eventId: first.eventId });
      return 'put';
    }
    logger.warn('hook result event not put; the deployment record lacks this hook\'s result, the status stands', {
      ...fields,
      error: 'timedOut' in first ? `gave up after ${HOOK_RESULT_EVENT_BUDGET_MS} ms` : describeError(first.error),
    });
    return 'failed';
  } finally {
    clearTimeout(timer);
    controller.abort(new Error('hook result event over'));
  }
}

/** The event's detail, or why the result cannot be placed in the record. */
export function hookResultDetail(report: HookResultReport, completedAt: string): HookResultDetail | string {
  const noted = notedTargets.get(report.lambdaContext);
  const target = noted?.target ?? targetFromEnvironment();
  if (!target) {
    return `neither the service's configuration nor ${HOOK_RESULT_TARGET_ENV} names the hook's service`;
  }
  const execution = report.execution;
  const common = {
    hookKind: report.hookKind,
    hookName: noted?.hookName ?? report.hookName,
    status: report.status === 'Succeeded' ? 'SUCCEEDED' : 'FAILED',
    summary: oneLine(report.reason ?? (report.status === 'Succeeded' ? 'passed' : 'failed'), MAX_SUMMARY_LENGTH),
    serviceName: target.serviceName,
    completedAt,
    ...boundedFacts(report.facts),
  } as const;
  if (execution.engine === 'codedeploy') {
    if (!target.lifecycleEvent || !target.applicationName || !target.deploymentGroupName) {
      return 'the hook\'s lifecycle event or deployment group is not known';
    }
    return {
      ...common,
      engine: 'CODE_DEPLOY',
      lifecycleEvent: target.lifecycleEvent,
      deploymentId: execution.deploymentId,
      applicationName: target.applicationName,
      deploymentGroupName: target.deploymentGroupName,
    };
  }
  const deploymentId = execution.resourceArn;
  const lifecycleEvent = execution.lifecycleStage;
  const serviceArn = textOf(execution.executionDetails?.serviceArn) ?? (deploymentId ? serviceArnOf(deploymentId) : undefined);
  if (!deploymentId || !lifecycleEvent || !serviceArn) {
    return 'the Amazon ECS event names no service deployment (resourceArn), lifecycle stage or service';
  }
  return { ...common, engine: 'ECS', lifecycleEvent, deploymentId, serviceArn };
}

function targetFromEnvironment(): HookResultTarget | undefined {
  const text = process.env[HOOK_RESULT_TARGET_ENV];
  if (!text) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !textOf(parsed.serviceName)) {
    return undefined;
  }
  return {
    serviceName: textOf(parsed.serviceName)!,
    ...(textOf(parsed.lifecycleEvent) ? { lifecycleEvent: textOf(parsed.lifecycleEvent) } : {}),
    ...(textOf(parsed.applicationName) ? { applicationName: textOf(parsed.applicationName) } : {}),
    ...(textOf(parsed.deploymentGroupName) ? { deploymentGroupName: textOf(parsed.deploymentGroupName) } : {}),
  };
}

/** `arn:…:service-deployment/<cluster>/<service>/<id>` → `arn:…:service/<cluster>/<service>`. */
function serviceArnOf(serviceDeploymentArn: string): string | undefined {
  const match = /^(arn:[^:]+:ecs:[^:]*:[^:]*:)service-deployment\/([^/]+)\/([^/]+)\/[^/]+$/.exec(serviceDeploymentArn);
  return match ? `${match[1]}service/${match[2]}/${match[3]}` : undefined;
}

function boundedFacts(facts: HookResultFacts | undefined): HookResultFacts {
  if (!facts) {
    return {};
  }
  const checks: VerifiedCheck[] | undefined = facts.checks?.slice(0, MAX_CHECKS).map((check) => ({
    name: oneLine(check.name, MAX_LINE_LENGTH), passed: check.passed, detail: oneLine(check.detail, MAX_LINE_LENGTH),
  }));
  return {
    ...(checks && checks.length > 0 ? { checks } : {}),
    ...(facts.figures && facts.figures.length > 0 ? { figures: facts.figures.slice(0, MAX_FIGURES) } : {}),
    ...(facts.verdict ? { verdict: facts.verdict } : {}),
    ...(facts.exitCode !== undefined ? { exitCode: facts.exitCode } : {}),
    ...(facts.logUrl ? { logUrl: facts.logUrl } : {}),
  };
}

function oneLine(text: string, max: number): string {
  const line = String(text).replace(/\s*[\r\n]+\s*/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
