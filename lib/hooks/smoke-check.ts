import { Duration } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { JsonScalar } from '../../contract/smoke-test';
import { DEFAULT_RELEASE_VERSION_VARIABLE } from '../../contract/artifacts';

/** HTTP methods a smoke check can send. */
export enum HttpMethod {
  GET = 'GET',
  HEAD = 'HEAD',
  POST = 'POST',
  PUT = 'PUT',
  PATCH = 'PATCH',
  DELETE = 'DELETE',
  OPTIONS = 'OPTIONS',
}

/**
 * A value a field of a JSON response must equal.
 *
 * @exampleMetadata fixture=lib
 * @example
 * const jsonFields = { 'status': JsonValue.fromString('ok'), 'db.connected': JsonValue.fromBoolean(true) };
 */
export class JsonValue {
  /** JSON `null`. */
  public static readonly NULL = new JsonValue(null);

  /** A JSON string. */
  public static fromString(value: string): JsonValue {
    return new JsonValue(value);
  }

  /** A JSON number; it must be finite (JSON has no NaN or Infinity). */
  public static fromNumber(value: number): JsonValue {
    return new JsonValue(value);
  }

  /** `true` or `false`. */
  public static fromBoolean(value: boolean): JsonValue {
    return new JsonValue(value);
  }

  private constructor(
    /** @internal */
    public readonly _value: JsonScalar,
  ) {}
}

/**
 * Where a response says which version of the application answered.
 *
 * @exampleMetadata fixture=lib
 * @example
 * VersionSource.header('x-app-version')
 */
export class VersionSource {
  /** A response header (case-insensitive), e.g. `x-app-version`; an HTTP header name (letters, digits and ``!#$%&'*+-.^_`|~``). */
  public static header(name: string): VersionSource {
    return new VersionSource(name, undefined);
  }

  /** A field of the JSON response by dotted path, e.g. `build.version`. */
  public static jsonField(path: string): VersionSource {
    return new VersionSource(undefined, path);
  }

  private constructor(
    /** @internal */
    public readonly _header: string | undefined,
    /** @internal */
    public readonly _jsonField: string | undefined,
  ) {}
}

/**
 * The version a smoke check expects the new tasks to report (see {@link VersionSource}).
 *
 * @exampleMetadata fixture=lib
 * @example
 * ExpectedVersion.fromDeployedEnvironment() // RELEASE_VERSION, which ReleasePipeline sets to each release's image tag
 * ExpectedVersion.of('1.4.2')
 */
export class ExpectedVersion {
  /** A version fixed at synthesis, e.g. the image tag when this stack deploys the image itself. */
  public static of(version: string): ExpectedVersion {
    return new ExpectedVersion(version, undefined);
  }

  /**
   * The value of an environment variable of the application container in the task definition
   * this deployment installs (the new, green task set's), read when the checks run. It follows
   * every release: `ReleasePipeline` sets `RELEASE_VERSION` (its `releaseVersionVariable`) in
   * each `taskdef.json` to the release's image tag, the application reports it, and the check
   * compares the two. A task definition without the variable fails the check.
   *
   * The hook function may then read the deployment's target, the service's task sets and task
   * definitions (`ecs:DescribeTaskDefinition` supports no resource-level permissions).
   *
   * @param variableName the environment variable, e.g. `APP_VERSION`
   * @default 'RELEASE_VERSION'
   */
  public static fromDeployedEnvironment(variableName: string = DEFAULT_RELEASE_VERSION_VARIABLE): ExpectedVersion {
    return new ExpectedVersion(undefined, variableName);
  }

  private constructor(
    /** @internal */
    public readonly _value: string | undefined,
    /** @internal */
    public readonly _variable: string | undefined,
  ) {}
}

/** Options of a smoke check; the path is given separately to {@link SmokeCheck.get} and in {@link HttpSmokeCheckOptions}. */
export interface SmokeCheckOptions {
  /**
   * Unique among the hook's checks; every log line about the check carries it.
   * @default - the method and path, e.g. `GET /health`
   */
  readonly name?: string;

  /**
   * The method.
   * @default HttpMethod.GET
   */
  readonly method?: HttpMethod;

  /**
   * Request headers. They are stored in the function's configuration: put credentials in
   * `secret`, never here. Names are HTTP header names (letters, digits and ``!#$%&'*+-.^_`|~``);
   * values hold no line breaks, NUL or other control characters but tab, nor characters above U+00FF.
   * @default - none
   */
  readonly headers?: Record<string, string>;

  /**
   * Request body, sent as is.
   * @default - none
   */
  readonly body?: string;

  /**
   * Statuses that pass, each between 100 and 599.
   * @default [200]
   */
  readonly expectedStatuses?: number[];

  /**
   * Text the response body must contain.
   * @default - the body is not checked
   */
  readonly bodyContains?: string;

  /**
   * Fields the JSON response must have, by dotted path (`status`, `checks.0.state`), and their values.
   * @default - the body is not checked
   */
  readonly jsonFields?: Record<string, JsonValue>;

  /**
   * Where the response tells which version answered; it must equal `expectedVersion`.
   * @default - the version is not checked
   */
  readonly version?: VersionSource;

  /**
   * The version that must answer: `ExpectedVersion.fromDeployedEnvironment()` for the release
   * the pipeline deploys, or `ExpectedVersion.of('1.2.3')`.
   * @default - the hook's `expectedVersion`
   */
  readonly expectedVersion?: ExpectedVersion;

  /**
   * The whole response must arrive within this time; between 1 and 60 seconds, in whole milliseconds.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;

  /**
   * A response slower than this fails the attempt, though it arrived; at most `timeout`, in whole milliseconds.
   * @default - only `timeout` applies
   */
  readonly latencyBudget?: Duration;

  /**
   * Further attempts after a failed one, for a version still warming up; 0 to 19.
   * @default 0
   */
  readonly retries?: number;

  /**
   * Wait before the first retry, doubled before each further one; at most 60 seconds, in whole milliseconds.
   * @default Duration.seconds(1)
   */
  readonly retryDelay?: Duration;

  /**
   * A secret whose value is sent in `secretHeaderName`, read when the check runs and never logged
   * or stored in the function's configuration. The function may read this secret only.
   * @default - no credential is sent
   */
  readonly secret?: secretsmanager.ISecret;

  /**
   * The header that carries the secret; an HTTP header name, as in `headers`.
   * @default 'authorization'
   */
  readonly secretHeaderName?: string;

  /**
   * Text put before the secret in the header, e.g. `Bearer `; the characters of a header value, as in `headers`.
   * @default - none
   */
  readonly secretPrefix?: string;

  /**
   * When the secret is a JSON object: the key whose value is sent.
   * @default - the whole secret string
   */
  readonly secretJsonField?: string;
}

/** Options of {@link SmokeCheck.http}. */
export interface HttpSmokeCheckOptions extends SmokeCheckOptions {
  /** Path and query, starting with `/`, e.g. `/health?deep=1`. */
  readonly path: string;
}

/**
 * One HTTP request a {@link SmokeTestHook} sends to the new version through the test listener,
 * and what the response must be.
 *
 * @exampleMetadata fixture=lib
 * @example
 * SmokeCheck.get('/health', { jsonFields: { status: JsonValue.fromString('ok') } });
 * SmokeCheck.http({ path: '/orders', method: HttpMethod.POST, body: '{}', expectedStatuses: [201] });
 */
export class SmokeCheck {
  /** A GET request to `path`. */
  public static get(path: string, options: SmokeCheckOptions = {}): SmokeCheck {
    return new SmokeCheck({ ...options, path });
  }

  /** Any HTTP request. */
  public static http(options: HttpSmokeCheckOptions): SmokeCheck {
    return new SmokeCheck(options);
  }

  /** The check's name, unique among the hook's checks. */
  public readonly name: string;
  /** The path requested. */
  public readonly path: string;

  private constructor(
    /** @internal */
    public readonly _options: HttpSmokeCheckOptions,
  ) {
    this.path = _options.path;
    this.name = _options.name ?? `${_options.method ?? HttpMethod.GET} ${_options.path}`;
  }
}
