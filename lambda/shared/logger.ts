/**
 * Structured logging: one JSON object per line, so CloudWatch Logs Insights can query every
 * field (`filter verdict = 'fail' | fields check, expectation, observed`).
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Fields of a log line. The named ones are what a person reads to learn why a deployment rolled
 * back; any other JSON-serialisable field may be added.
 */
export interface LogFields {
  readonly deploymentId?: string;
  readonly lifecycleEventHookExecutionId?: string;
  readonly hook?: string;
  /** What was checked, e.g. the smoke check's name. */
  readonly check?: string;
  /** The threshold or expected value, in words: `status 200, body contains "ok"`. */
  readonly expectation?: string;
  /** What was found: `status 503 in 12 ms`. */
  readonly observed?: string;
  /** The decision: `pass`, `fail`, `retry`, `Succeeded`, … */
  readonly verdict?: string;
  readonly elapsedMs?: number;
  readonly [field: string]: unknown;
}

/** Writes structured log lines. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Receives one serialised log line, without the trailing newline. */
export type LogSink = (line: string) => void;

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Writes straight to stdout rather than through `console`: in Lambda, `console.log` prefixes each
 * line with a timestamp and request id, which would stop Logs Insights from parsing the JSON.
 */
const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + '\n');
};

/**
 * Creates a logger. The minimum level comes from the `LOG_LEVEL` environment variable
 * (`debug`, `info`, `warn`, `error`; default `info`). The AWS Lambda advanced logging controls
 * set `AWS_LAMBDA_LOG_LEVEL`, which is honoured too.
 */
export function createLogger(fields: LogFields = {}, sink: LogSink = stdoutSink): Logger {
  const minimum = LEVEL_ORDER[parseLevel(process.env.LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL)];
  const write = (level: LogLevel, message: string, lineFields?: LogFields) => {
    if (LEVEL_ORDER[level] < minimum) {
      return;
    }
    sink(serialise({ level, message, ...fields, ...lineFields, timestamp: new Date().toISOString() }));
  };
  return {
    debug: (message, lineFields) => write('debug', message, lineFields),
    info: (message, lineFields) => write('info', message, lineFields),
    warn: (message, lineFields) => write('warn', message, lineFields),
    error: (message, lineFields) => write('error', message, lineFields),
    child: (childFields) => createLogger({ ...fields, ...childFields }, sink),
  };
}

/** The message of anything thrown, for a log line or a failure reason. */
export function errorMessage(error: unknown): string {
  if (isErrorLike(error)) {
    return error.message || error.name;
  }
  return typeof error === 'string' ? error : safeStringify(error);
}

/** The `name` of anything thrown (`ThrottlingException`), if it has one. */
export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

/** `AccessDeniedException: User … is not authorized …`: the error's name, then its message. */
export function errorText(error: unknown): string {
  const name = errorName(error);
  const message = errorMessage(error);
  return name && name !== 'Error' && !message.startsWith(name) ? `${name}: ${message}` : message;
}

/** `{ name, message, code }` of anything thrown, for a log line. */
export function describeError(error: unknown): Record<string, unknown> {
  if (isErrorLike(error)) {
    const code = (error as { code?: unknown }).code;
    const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
    return {
      name: error.name,
      message: error.message,
      ...(code !== undefined ? { code } : {}),
      ...(status !== undefined ? { httpStatusCode: status } : {}),
    };
  }
  return { message: errorMessage(error) };
}

/**
 * Duck-typed rather than `instanceof Error`: errors from another realm (a VM context, a second
 * copy of a library) are errors too.
 */
function isErrorLike(value: unknown): value is Error {
  return value instanceof Error || (typeof value === 'object' && value !== null
    && typeof (value as { message?: unknown }).message === 'string' && typeof (value as { name?: unknown }).name === 'string');
}

function parseLevel(value: string | undefined): LogLevel {
  const level = value?.toLowerCase();
  return level === 'debug' || level === 'warn' || level === 'error' ? level : 'info';
}

function serialise(line: Record<string, unknown>): string {
  try {
    return JSON.stringify(line, (_key, value: unknown) => {
      if (isErrorLike(value)) {
        return describeError(value);
      }
      return typeof value === 'bigint' ? value.toString() : value;
    });
  } catch {
    // A circular field must not cost the line: keep what can always be written.
    return JSON.stringify({ level: line.level, message: line.message, unserialisable: true });
  }
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
