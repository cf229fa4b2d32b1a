import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { AwsClientStub } from 'aws-sdk-client-mock';
import type { LambdaContext } from '../../../lambda/shared';

export const EVENT = { DeploymentId: 'd-ABCDEF123', LifecycleEventHookExecutionId: 'exec-42' } as const;

/** A Lambda context whose clock runs down from `remainingMs`. */
export function fakeContext(remainingMs = 60_000, functionName = 'smoke-test-fn'): LambdaContext {
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

/** An error shaped like the ones the SDK throws. */
export function awsError(name: string, httpStatusCode = 400, message = `${name} from the service`): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode }, $fault: httpStatusCode >= 500 ? 'server' : 'client' });
}
