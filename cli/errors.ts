/** The two ways a command fails: bad usage (exit code 2) and a failed operation (exit code 1). */

/** The command line is wrong: the message says what to type instead. Exit code 2. */
export class UsageError extends Error {
  public readonly name = 'UsageError';
  public readonly exitCode = 2;
}

/** The operation failed, for a reason a person can act on. Exit code 1. */
export class OperationError extends Error {
  public readonly name = 'OperationError';
  public readonly exitCode = 1;
}

interface AwsErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException', 'NotAuthorized']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'InvalidSignatureException']);

/**
 * What a failed AWS call means to a person: missing or expired credentials, a denied action
 * (named, with its resource), a missing region, or AWS's own message with the action.
 */
export function describeAwsError(error: unknown, action: string, resource: string | undefined): OperationError {
  const shape = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as AwsErrorShape;
  const name = shape.name ?? '';
  const message = shape.message ?? String(error);
  const on = resource ? ` on ${resource}` : '';
  if (name === 'TokenProviderError' || /SSO session.*expired/i.test(message)) {
    return new OperationError(`your AWS SSO session has expired or is missing (${message}); run \`aws sso login\` and retry`);
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new OperationError('no AWS credentials: set AWS_PROFILE (or pass --profile) to a profile of ~/.aws/config, '
      + 'run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  if (/Region is missing/i.test(message)) {
    return new OperationError('no AWS region: pass --region, or set AWS_REGION or the region of your profile');
  }
  const code = (error as { code?: string } | undefined)?.code;
  if (code && ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code)) {
    return new OperationError(`could not reach AWS calling ${action} (${code}: ${message}); check the network, --region and AWS_ENDPOINT_URL`);
  }
  if (EXPIRED.has(name)) {
    return new OperationError(`AWS refused the credentials (${name}) calling ${action}: they are expired or not valid; refresh them (aws sso login) and retry`);
  }
  if (ACCESS_DENIED.has(name) || shape.$metadata?.httpStatusCode === 403) {
    return new OperationError(`access denied: ${action}${on} is not allowed for your identity (${message}); `
      + 'ask for that permission (the README lists what each command needs)');
  }
  return new OperationError(`${action}${on} failed: ${name && name !== 'Error' ? `${name}: ` : ''}${message}`);
}
