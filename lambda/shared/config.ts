/**
 * A hook's configuration: one JSON object in one environment variable, written by the
 * construct. Every error names the variable, so the Failed reason says where to look:
 * `invalid CDK_ECS_RELEASE_MIGRATION_CONFIG: subnets must be a non-empty array of strings`.
 *
 * Read on each invocation, not at module load: a bad configuration must fail the hook with a
 * reason, not crash the function before it can report.
 */
export class JsonConfigReader {
  constructor(private readonly variable: string) {}

  /** Throws `invalid <variable>: <message>`. */
  public fail(message: string): never {
    throw new Error(`invalid ${this.variable}: ${message}`);
  }

  /** The object in the variable; `{}` when the variable is unset and not `required`. */
  public read<T extends object>(env: NodeJS.ProcessEnv, options: { readonly required: boolean }): Partial<T> {
    const raw = env[this.variable];
    if (!raw) {
      return options.required ? this.fail('not set') : {};
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      this.fail(`not JSON (${(error as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null) {
      this.fail('must be a JSON object');
    }
    return parsed as Partial<T>;
  }

  public requireString(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(`${field} must be a non-empty string`);
    }
    return value;
  }

  public optionalString(value: unknown, field: string): string | undefined {
    return value === undefined || value === null ? undefined : this.requireString(value, field);
  }

  public stringArray(value: unknown, field: string, options: { readonly allowEmpty: boolean }): string[] {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string') || (!options.allowEmpty && value.length === 0)) {
      this.fail(`${field} must be ${options.allowEmpty ? 'an' : 'a non-empty'} array of strings`);
    }
    return value as string[];
  }

  public boolean(value: unknown, field: string, fallback: boolean): boolean {
    if (value === undefined || value === null) {
      return fallback;
    }
    if (typeof value !== 'boolean') {
      this.fail(`${field} must be true or false`);
    }
    return value;
  }

  public positiveNumber(value: unknown, field: string, fallback: number): number {
    return this.number(value, field, fallback, (n) => n > 0, 'a positive number');
  }

  public nonNegativeNumber(value: unknown, field: string, fallback: number): number {
    return this.number(value, field, fallback, (n) => n >= 0, 'a non-negative number');
  }

  public oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
    if (value === undefined || value === null) {
      return fallback;
    }
    if (!allowed.includes(value as T)) {
      this.fail(`${field} must be one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  private number(value: unknown, field: string, fallback: number, accept: (n: number) => boolean, what: string): number {
    if (value === undefined || value === null) {
      return fallback;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || !accept(value)) {
      this.fail(`${field} must be ${what}`);
    }
    return value;
  }
}
