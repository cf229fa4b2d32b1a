/**
 * The answer to CloudFormation: one HTTPS PUT of a JSON document to the request's presigned
 * `ResponseURL`. Until it arrives the stack waits, up to an hour, so the PUT is retried on network
 * errors and 5xx answers until just before the function's timeout.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Logger, describeError } from '../shared/logger';
import { isRetryableAwsError, withRetry } from '../shared/retry';
import type { RequestIds } from './event';

/** CloudFormation refuses an answer whose body is larger. */
export const MAX_RESPONSE_BYTES = 4096;

export type ResponseStatus = 'SUCCESS' | 'FAILED';

export interface ReleaseAnswer {
  readonly status: ResponseStatus;
  readonly reason?: string;
  readonly physicalResourceId: string;
  readonly data?: Readonly<Record<string, string>>;
}

/** How the answer went: `failed` when every attempt failed, and CloudFormation times the resource out. */
export type SendResult = 'sent' | 'failed';

/** A non-2xx answer of the presigned URL. */
export class ResponseRejectedError extends Error {
  constructor(readonly statusCode: number, body: string) {
    super(`the response URL answered HTTP ${statusCode}${body ? `: ${body.slice(0, 300)}` : ''}`);
    this.name = 'ResponseRejectedError';
  }
}

/** The JSON body, its Reason shortened until the whole fits in {@link MAX_RESPONSE_BYTES}. */
export function responseBody(ids: RequestIds, answer: ReleaseAnswer): string {
  const render = (reason: string | undefined) => JSON.stringify({
    Status: answer.status,
    ...(reason !== undefined ? { Reason: reason } : {}),
    PhysicalResourceId: answer.physicalResourceId,
    StackId: ids.stackId,
    RequestId: ids.requestId,
    LogicalResourceId: ids.logicalResourceId,
    ...(answer.data ? { Data: answer.data } : {}),
  });
  const full = render(answer.reason);
  const given = answer.reason;
  if (given === undefined || Buffer.byteLength(full) <= MAX_RESPONSE_BYTES) {
    return full;
  }
  const room = MAX_RESPONSE_BYTES - Buffer.byteLength(render(''));
  // JSON escapes and multi-byte characters take more than one byte each: the longest prefix that fits, by bisection.
  const fits = (length: number) => Buffer.byteLength(JSON.stringify(`${given.slice(0, length)}…`)) - 2 <= room;
  let low = 0;
  let high = given.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return render(`${given.slice(0, low)}…`);
}

/** PUTs the answer; retries network errors, 429 and 5xx until `deadline`. Never throws. */
export async function sendResponse(
  ids: RequestIds,
  answer: ReleaseAnswer,
  options: { readonly deadline: number; readonly logger: Logger },
): Promise<SendResult> {
  const body = responseBody(ids, answer);
  try {
    await withRetry(({ signal }) => put(ids.responseUrl, body, signal), {
      maxAttempts: Number.POSITIVE_INFINITY,
      baseDelayMs: 200,
      maxDelayMs: 5000,
      attemptTimeoutMs: 10_000,
      deadline: options.deadline,
      lastAttemptMs: 500,
      isRetryable: (error) => error instanceof ResponseRejectedError
        ? error.statusCode >= 500 || error.statusCode === 429
        : isRetryableAwsError(error),
      onRetry: ({ attempt, delayMs, error }) => options.logger.warn('answer to CloudFormation failed, retrying', {
        attempt, delayMs, error: describeError(error),
      }),
    });
    return 'sent';
  } catch (error) {
    options.logger.error('could not answer CloudFormation; the stack waits until the resource times out', {
      error: describeError(error), status: answer.status,
    });
    return 'failed';
  }
}

/**
 * One PUT. The presigned URL is signed without a content type, so none is sent (an empty one,
 * as CloudFormation's own helper does); node's default would break the signature.
 */
function put(url: string, body: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === 'http:' ? http : https;
    const request = transport.request(target, {
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      signal,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve();
        } else {
          reject(new ResponseRejectedError(status, Buffer.concat(chunks).toString('utf8')));
        }
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}
