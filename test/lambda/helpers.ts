/**
 * What every hook test needs: a CodeDeploy event, a Lambda context, the hook's log lines, and
 * assertions on the hook contract (exactly one status report, or none and one hand-over).
 */
import {
  CodeDeployClient,
  ECSTarget,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { AwsClientStub } from 'aws-sdk-client-mock';
import { HOOK_RESULT_DETAIL_TYPE, HOOK_RESULT_TARGET_ENV, HookResultDetail, RELEASE_EVENT_SOURCE } from '../../contract/release-events';
import { AwsCallScope, LambdaContext, createLogger } from '../../lambda/shared';

export const EVENT = { DeploymentId: 'd-ABCDEF123', LifecycleEventHookExecutionId: 'exec-42' } as const;

/** A Lambda context whose clock runs down from `remainingMs`. */
export function fakeContext(remainingMs = 60_000, functionName = 'hook-fn'): LambdaContext {
  const deadline = Date.now() + remainingMs;
  return {
    functionName,
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

export interface CapturedLogs {
  readonly lines: LogLine[];
  /** Everything written to stdout, parsed or not. */
  readonly raw: () => string;
  restore(): void;
}

/** Captures what the runtime's logger writes to stdout; each line must be one JSON object. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write);
  return {
    get lines() {
      return chunks.join('').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as LogLine);
    },
    raw: () => chunks.join(''),
    restore: () => spy.mockRestore(),
  };
}

/** What {@link useHandlerEnvironment} gives each test: the logs it captures. */
export interface HandlerEnvironment {
  /** What the handler wrote since the test (or the last `restartLogs()`) began. */
  readonly logs: CapturedLogs;
  /** Forgets the lines captured so far, for a test that runs a second scenario. */
  restartLogs(): void;
}

/**
 * The environment every test of a handler's file runs in: `variables` set in the process
 * environment, retry jitter fixed (`Math.random` returns 0) and stdout captured; all undone after
 * each test. Call it once, at the top of the file.
 */
export function useHandlerEnvironment(variables: Record<string, string>): HandlerEnvironment {
  let logs: CapturedLogs | undefined;
  beforeEach(() => {
    Object.assign(process.env, variables);
    jest.spyOn(Math, 'random').mockReturnValue(0);
    logs = captureLogs();
  });
  afterEach(() => {
    logs?.restore();
    jest.restoreAllMocks();
    for (const name of Object.keys(variables)) {
      delete process.env[name];
    }
  });
  return {
    get logs() {
      if (!logs) {
        throw new Error('logs are captured during a test only');
      }
      return logs;
    },
    restartLogs: () => {
      logs?.restore();
      logs = captureLogs();
    },
  };
}

/** The hook's `decision` lines: what it checked, against what, and the verdict. */
export function decisionLines(logs: CapturedLogs): LogLine[] {
  return logs.lines.filter((line) => line.message === 'decision');
}

/** A scope for `awsCall` outside a hook run; its logger writes to `lines`. */
export function callScope(deadlineMs = 5_000): { scope: AwsCallScope; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ hook: 'test-hook' }, (line) => lines.push(JSON.parse(line)));
  return { scope: { signal: new AbortController().signal, deadline: Date.now() + deadlineMs, logger }, lines };
}

/** The status of every PutLifecycleEventHookExecutionStatus call, in order. */
export function reportedStatuses(codeDeploy: AwsClientStub<CodeDeployClient>): string[] {
  return codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand).map((call) => String(call.args[0].input.status));
}

/** Asserts exactly one PutLifecycleEventHookExecutionStatus call, for the test event, with `status`. */
export function expectSingleReport(codeDeploy: AwsClientStub<CodeDeployClient>, status: 'Succeeded' | 'Failed'): void {
  const calls = codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand);
  expect(calls.map((call) => call.args[0].input)).toEqual([{
    deploymentId: EVENT.DeploymentId,
    lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
    status,
  }]);
}

/**
 * Asserts that the hook handed its work over instead of reporting: no status report and exactly
 * one asynchronous invocation of the function itself. Returns that invocation's payload, the
 * event plus its `continuation`, to run the next invocation with.
 */
export function expectHandedOver(
  codeDeploy: AwsClientStub<CodeDeployClient>,
  lambda: AwsClientStub<LambdaClient>,
  functionName = 'hook-fn',
): Record<string, unknown> & { continuation: { state: unknown; attempt: number; startedAt: string; resumeAt?: string } } {
  expect(reportedStatuses(codeDeploy)).toEqual([]);
  const invokes = lambda.commandCalls(InvokeCommand);
  expect(invokes).toHaveLength(1);
  const input = invokes[0].args[0].input;
  expect(input).toMatchObject({ FunctionName: functionName, InvocationType: 'Event' });
  return JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
}

/** CodeDeploy answers that the deployment's one target, `prod:web`, is `ecsTarget`. */
export function stubDeploymentTarget(codeDeploy: AwsClientStub<CodeDeployClient>, ecsTarget: ECSTarget): void {
  codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['prod:web'] });
  codeDeploy.on(GetDeploymentTargetCommand).resolves({ deploymentTarget: { deploymentTargetType: 'ECSTarget', ecsTarget } });
}

/** An error shaped like the ones the SDK throws. */
export function awsError(name: string, httpStatusCode = 400, message = `${name} from the service`): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode }, $fault: httpStatusCode >= 500 ? 'server' : 'client' });
}

/** Where the hook results of the handler tests belong: a hook's own function's environment says so. */
export const RESULT_TARGET = {
  serviceName: 'orders-api', lifecycleEvent: 'AfterAllowTestTraffic', applicationName: 'web-app', deploymentGroupName: 'web-prod',
} as const;

/**
 * Stubs PutEvents and sets the hook's result target for one test; returns the details of the
 * `Release Hook Result` events put, and a cleanup.
 */
export function captureHookResults(eventBridge: AwsClientStub<EventBridgeClient>): { details(): HookResultDetail[]; restore(): void } {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  process.env[HOOK_RESULT_TARGET_ENV] = JSON.stringify(RESULT_TARGET);
  return {
    details: () => eventBridge.commandCalls(PutEventsCommand).map((call) => {
      const [entry] = call.args[0].input.Entries ?? [];
      expect(entry).toMatchObject({ Source: RELEASE_EVENT_SOURCE, DetailType: HOOK_RESULT_DETAIL_TYPE });
      return JSON.parse(entry.Detail!) as HookResultDetail;
    }),
    restore: () => {
      delete process.env[HOOK_RESULT_TARGET_ENV];
    },
  };
}
