import { Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { integerRangeProblem } from '../private/validation';

/** Options of {@link ServiceRouting.of}. */
export interface ServiceRoutingOptions {
  /**
   * Host names whose requests are this service's, e.g. `orders.example.com` or
   * `*.orders.example.com`; a request matches when its `Host` is one of them.
   * @default - any host
   */
  readonly hostHeaders?: string[];

  /**
   * Path patterns whose requests are this service's, e.g. `/orders/*`; a request matches when its
   * path matches one of them. Case-sensitive, starting with `/`.
   * @default - any path
   */
  readonly pathPatterns?: string[];

  /**
   * Where the service's rules stand among the other rules of the listeners, 1 to 50000, lower
   * first. Each service on a load balancer needs its own: give a more specific route (a path under
   * another's host) a lower number.
   */
  readonly priority: number;
}

/** The load balancer's limits for one rule's conditions. */
const MAX_CONDITION_VALUES = 5;
const MAX_VALUE_LENGTH = 128;
const HOST_HEADER = /^[A-Za-z0-9.*?-]+$/;
const PATH_PATTERN = /^\/[A-Za-z0-9_.$/~"'@:+&*?()!,;=-]*$/;

/**
 * Which requests of a load balancer are a service's: by host header, path or both, at a priority
 * of its own. Several services on the Amazon ECS engine share one load balancer this way (see
 * {@link SharedLoadBalancer}); each gets a production and a test rule with these conditions,
 * which Amazon ECS shifts between its target groups.
 *
 * @exampleMetadata fixture=lib
 * @example
 * ServiceRouting.hostHeaders(['orders.example.com'], 10)
 * ServiceRouting.of({ hostHeaders: ['api.example.com'], pathPatterns: ['/orders/*'], priority: 20 })
 */
export class ServiceRouting {
  /** Requests for any of `hostHeaders`, at `priority`. */
  public static hostHeaders(hostHeaders: string[], priority: number): ServiceRouting {
    return new ServiceRouting({ hostHeaders, priority });
  }

  /** Requests whose path matches any of `pathPatterns`, at `priority`. */
  public static pathPatterns(pathPatterns: string[], priority: number): ServiceRouting {
    return new ServiceRouting({ pathPatterns, priority });
  }

  /** Requests that match every condition given (a host and a path, say), at `priority`. */
  public static of(options: ServiceRoutingOptions): ServiceRouting {
    return new ServiceRouting(options);
  }

  /** The host names matched; empty for any host. */
  public readonly matchedHostHeaders: string[];
  /** The path patterns matched; empty for any path. */
  public readonly matchedPathPatterns: string[];
  /** The rules' priority. */
  public readonly priority: number;

  private constructor(options: ServiceRoutingOptions) {
    this.matchedHostHeaders = [...options.hostHeaders ?? []];
    this.matchedPathPatterns = [...options.pathPatterns ?? []];
    this.priority = options.priority;
  }

  /**
   * The host name a client reaches the service at: the first host header when it is a literal
   * name without wildcards.
   */
  public get hostName(): string | undefined {
    const first = this.matchedHostHeaders[0];
    return first !== undefined && !Token.isUnresolved(first) && !/[*?]/.test(first) ? first : undefined;
  }

  /** A description people read: `orders.example.com /orders/* (priority 10)`. */
  public describe(): string {
    return `${[...this.matchedHostHeaders, ...this.matchedPathPatterns].join(' ')} (priority ${this.priority})`;
  }

  /** The conditions of the service's rules. @internal */
  public _conditions(): elbv2.ListenerCondition[] {
    return [
      ...(this.matchedHostHeaders.length > 0 ? [elbv2.ListenerCondition.hostHeaders(this.matchedHostHeaders)] : []),
      ...(this.matchedPathPatterns.length > 0 ? [elbv2.ListenerCondition.pathPatterns(this.matchedPathPatterns)] : []),
    ];
  }

  /** What the load balancer would refuse of these conditions, each with its fix. @internal */
  public _problems(): string[] {
    const problems: string[] = [];
    const priority = integerRangeProblem(this.priority, 1, 50000, 'the load balancer orders rules by priority, 1 to 50000, each its own');
    if (priority) {
      problems.push(`priority ${priority}`);
    }
    if (this.matchedHostHeaders.length === 0 && this.matchedPathPatterns.length === 0) {
      problems.push('has no host header and no path pattern, so it would take every request of the listeners; give at least one, '
        + 'e.g. ServiceRouting.hostHeaders([\'orders.example.com\'], 10)');
    }
    const count = this.matchedHostHeaders.length + this.matchedPathPatterns.length;
    if (count > MAX_CONDITION_VALUES) {
      problems.push(`has ${count} host headers and path patterns, but a load balancer rule takes at most ${MAX_CONDITION_VALUES}; `
        + 'use wildcards (`*.example.com`, `/orders/*`) or route the rest to another service');
    }
    const check = (kind: string, values: string[], pattern: RegExp, rule: string) => {
      for (const value of values.filter((v) => !Token.isUnresolved(v))) {
        if (value.length > MAX_VALUE_LENGTH || !pattern.test(value)) {
          problems.push(`${kind} '${value}' is not one the load balancer takes: ${rule}, at most ${MAX_VALUE_LENGTH} characters`);
        }
      }
    };
    check('host header', this.matchedHostHeaders, HOST_HEADER, 'letters, digits, \'-\', \'.\' and the wildcards \'*\' and \'?\'');
    check('path pattern', this.matchedPathPatterns, PATH_PATTERN, 'a path starting with \'/\', with the wildcards \'*\' and \'?\'');
    for (const [kind, values] of [['host header', this.matchedHostHeaders], ['path pattern', this.matchedPathPatterns]] as const) {
      const repeated = values.filter((value, index) => values.indexOf(value) !== index);
      if (repeated.length > 0) {
        problems.push(`lists the ${kind} '${repeated[0]}' twice; remove the duplicate`);
      }
    }
    return problems;
  }

  /** A key equal for two routings that match the same requests. @internal */
  public _matchKey(): string {
    return JSON.stringify([[...this.matchedHostHeaders].map((h) => h.toLowerCase()).sort(), [...this.matchedPathPatterns].sort()]);
  }
}
