import type {
  GetSecretValueCommand as GetSecretValueCommandType,
  SecretsManagerClient as SecretsManagerClientType,
} from '@aws-sdk/client-secrets-manager';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { errorMessage } from '../shared/logger';

interface SecretsApi {
  readonly client: SecretsManagerClientType;
  readonly GetSecretValueCommand: typeof GetSecretValueCommandType;
}

/** Loaded on first use: checks without authentication never need it. */
const loadSecretsApi = lazy((): Promise<SecretsApi> => import('@aws-sdk/client-secrets-manager').then((module) => ({
  client: new module.SecretsManagerClient(clientConfig()),
  GetSecretValueCommand: module.GetSecretValueCommand,
})));

/**
 * Reads secrets for one invocation: each secret is fetched once however many checks use it, and
 * every value read is remembered so it can be masked in anything logged. Values are read fresh
 * on each invocation, so a rotated secret is picked up by the next deployment.
 */
export class SecretReader {
  private readonly cache = new Map<string, Promise<string>>();
  private readonly values = new Set<string>();

  constructor(private readonly scope: AwsCallScope) {}

  /** The secret's value, or the value of `jsonKey` in it. Error messages never contain the value. */
  read(arn: string, jsonKey?: string): Promise<string> {
    const cacheKey = `${arn}\u0000${jsonKey ?? ''}`;
    let value = this.cache.get(cacheKey);
    if (!value) {
      value = this.fetch(arn, jsonKey);
      this.cache.set(cacheKey, value);
    }
    return value;
  }

  /** Replaces every secret value read so far with `***`. */
  mask(text: string): string {
    let masked = text;
    for (const value of this.values) {
      masked = masked.split(value).join('***');
    }
    return masked;
  }

  private async fetch(arn: string, jsonKey: string | undefined): Promise<string> {
    const { client, GetSecretValueCommand } = await loadSecretsApi();
    let secretString: string | undefined;
    try {
      const response = await awsCall(this.scope, 'secretsmanager:GetSecretValue', (abortSignal) =>
        client.send(new GetSecretValueCommand({ SecretId: arn }), { abortSignal }), { baseDelayMs: 100, logFields: { secretArn: arn } });
      secretString = response.SecretString;
    } catch (error) {
      throw new Error(`could not read secret ${arn}: ${errorMessage(error)}`);
    }
    if (secretString === undefined) {
      throw new Error(`secret ${arn} has no string value (binary secrets are not supported)`);
    }
    this.remember(secretString);
    if (jsonKey === undefined) {
      return secretString;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretString);
    } catch {
      throw new Error(`secret ${arn} is not a JSON object, so it has no key "${jsonKey}"`);
    }
    const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[jsonKey] : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`secret ${arn} has no string value at key "${jsonKey}"`);
    }
    this.remember(String(value));
    return String(value);
  }

  private remember(value: string): void {
    // Very short values would mask ordinary text; they are still never logged directly.
    if (value.length >= 4) {
      this.values.add(value);
    }
  }
}
