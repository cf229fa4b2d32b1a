import { Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import { serviceNameForHook } from '../private/hook-details';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  DeployedServiceSpec,
  SMOKE_CHECKS_ENV,
  SMOKE_DEPLOYED_SERVICE_ENV,
  SMOKE_EXPECTED_VERSION_ENV,
  SMOKE_EXPECTED_VERSION_VARIABLE_ENV,
  SMOKE_LOAD_BALANCER_FULL_NAME_ENV,
  SMOKE_TEST_BASE_URL_ENV,
  SMOKE_VERIFY_TLS_ENV,
} from '../../contract/smoke-test';
import { MAX_ENVIRONMENT_BYTES } from '../private/handler-function';
import { MAX_PARAMETER_VALUE_BYTES, hookConfigurationOf } from './private/hook-configuration';
import { resolvedSize } from '../private/resolved-size';
import { HookFunctionBinding, bindHookFunction } from './private/hook-function';
import { CODEDEPLOY_ENDPOINT, EC2_ENDPOINT, ECS_ENDPOINT, EndpointRequirements, HookNetwork, SECRETS_MANAGER_ENDPOINT, allowTestListener } from './private/network';
import { expectedVersionProblem, smokeCheckListProblems, smokeCheckProblems, toSmokeCheckSpec } from './private/smoke-checks';
import { describeDuration, durationProblem, recordPropProblem, wholeDuration } from '../private/validation';
import type { IBlueGreenService } from '../service/blue-green-service-base';
import { LifecycleEvent } from '../service/lifecycle-event';
import { ILifecycleHook } from '../service/lifecycle-hook';
import { ExpectedVersion, SmokeCheck } from './smoke-check';
import { SmokeTestHookProps } from './smoke-test-hook-props';
import { addRollbackVerification } from './private/rollback-verification';
import { grantDeploymentTargetReads, grantDescribeTaskDefinitions } from '../private/deployment-target-grants';
import { HOST_NAME } from '../private/host-names';
import { wildcardMatches } from '../private/wildcards';
import { setRunbookNotes } from '../private/runbook-notes';
import { smokeCheckNotes } from './private/runbook-notes';

/** Events at which the test listener routes to the new version. */
const ALLOWED_EVENTS = [
  LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC,
  LifecycleEvent.BEFORE_ALLOW_TRAFFIC,
  LifecycleEvent.AFTER_ALLOW_TRAFFIC,
];


const DEFAULT_EVENT = LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC;
const DEFAULT_TIMEOUT = Duration.minutes(5);

/**
 * Sends HTTP checks to the new (green) version through the service's test listener before
 * production traffic reaches it, and rolls the deployment back when one fails: an unexpected
 * status, body or version, or a response over its latency budget.
 *
 * The function runs in the VPC's private subnets with its own security group, which the test
 * listener admits and which may send nothing but HTTPS to AWS APIs. It connects to the load
 * balancer's private addresses, so the requests never leave the VPC even when the load
 * balancer is internet-facing.
 *
 * @exampleMetadata fixture=lib
 * @example
 * new SmokeTestHook(this, 'SmokeTests', {
 *   service,
 *   checks: [
 *     SmokeCheck.get('/health', { jsonFields: { status: JsonValue.fromString('ok') } }),
 *     SmokeCheck.get('/orders/42', { secret: apiToken, secretPrefix: 'Bearer ', latencyBudget: Duration.millis(500) }),
 *   ],
 * });
 */
export class SmokeTestHook extends Construct implements ILifecycleHook, ec2.IConnectable {
  public readonly lifecycleEvent: LifecycleEvent;
  public readonly function: lambda.IFunction;
  /** The log group of the hook function, with one line per check attempt. */
  public readonly logGroup: logs.ILogGroup;
  /** The function's network connections; the test listener admits them. */
  public readonly connections: ec2.Connections;

  private readonly checks: SmokeCheck[] = [];
  private readonly network: HookNetwork;
  private readonly endpoints: EndpointRequirements;
  private readonly binding: HookFunctionBinding;
  private readonly service: IBlueGreenService;
  private readonly expectedVersion?: ExpectedVersion;
  /** The function's environment as this construct set it, for the size check. */
  private readonly environment: Record<string, string>;
  private readonly deployedVersionVariables = new Set<string>();
  /** Checks left out as invalid; their problems are recorded. */
  private rejectedChecks = 0;

  constructor(scope: Construct, id: string, props: SmokeTestHookProps) {
    super(scope, id);
    const service = props.service;
    this.service = service;
    this.expectedVersion = props.expectedVersion;
    // Invalid props are recorded, failing synthesis; the defaults stand in for them meanwhile.
    const { lifecycleEvent, timeout, hostName } = this.validate(props);
    this.lifecycleEvent = lifecycleEvent;

    const stack = Stack.of(this);
    const environment: Record<string, string> = {
      [SMOKE_TEST_BASE_URL_ENV]: hostName !== undefined
        ? `${service.https ? 'https' : 'http'}://${hostName}:${service.testListenerPort}`
        : service.testUrl,
      [SMOKE_CHECKS_ENV]: Lazy.string({ produce: () => stack.toJsonString(this.checks.map(toSmokeCheckSpec)) }),
      // Connect to the load balancer's private addresses: from inside the VPC, an internet-facing
      // load balancer's name resolves to public ones, and the requests would leave through NAT.
      // Internal load balancers are reached the same way, so there is one path to reason about.
      [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: service.loadBalancerFullName,
      ...(props.expectedVersion?._value !== undefined ? { [SMOKE_EXPECTED_VERSION_ENV]: props.expectedVersion._value } : {}),
      ...(props.expectedVersion?._variable !== undefined ? { [SMOKE_EXPECTED_VERSION_VARIABLE_ENV]: props.expectedVersion._variable } : {}),
      ...(props.verifyCertificate === false ? { [SMOKE_VERIFY_TLS_ENV]: 'false' } : {}),
    };
    this.environment = environment;
    const binding = bindHookFunction(this, {
      kind: 'smoke-test',
      lifecycleEvent: this.lifecycleEvent,
      service,
      hookName: `${service.serviceName} smoke test`,
      does: `HTTP checks of the new version through the test listener (${this.lifecycleEvent} hook)`,
      sharedDoes: 'HTTP checks of each service\'s new version through its test listener',
      timeout,
      defaults: { timeout: DEFAULT_TIMEOUT },
      environment,
      // The variables the handler reads otherwise, by name; checks added later count too.
      config: environment,
      logRetention: props.logRetention,
      tracing: props.tracing,
      role: props.role,
      network: { vpc: service.vpc, createVpcEndpoints: props.createVpcEndpoints ?? false, createVpcEndpointsProp: 'createVpcEndpoints' },
    });
    this.binding = binding;
    this.network = binding.network!;
    this.endpoints = binding.endpoints!;
    this.connections = this.network.securityGroup.connections;
    this.function = binding.function;
    this.logGroup = binding.logGroup;

    // The one way the function needs towards the service: the test listener's port on the load balancer.
    allowTestListener(this.network, service, `smoke tests of ${service.serviceName}`);
    if (service.deploymentGroup) {
      // Where the hook reports its status; Amazon ECS reads it from the return value.
      this.endpoints.require(CODEDEPLOY_ENDPOINT);
    }
    // The load balancer's private addresses. EC2's Describe* actions have no resource-level
    // permissions: AWS accepts only `*`. Read-only.
    binding.addWildcardStatement(new iam.PolicyStatement({
      actions: ['ec2:DescribeNetworkInterfaces'],
      resources: ['*'],
    }), 'ec2:DescribeNetworkInterfaces, read-only, finds the load balancer\'s private addresses; EC2 Describe actions accept * only.');
    this.endpoints.require(EC2_ENDPOINT);

    if (props.verifyRollbacks !== false) {
      addRollbackVerification(this, { service, binding, network: this.network, endpoints: this.endpoints, config: environment,
        hostName, explicit: props.verifyRollbacks === true });
    }

    this.node.addValidation({
      validate: () => [
        // With a check left out as invalid, its own problem says what to fix, not an empty list.
        ...(this.rejectedChecks > 0 && this.checks.length === 0 ? [] : smokeCheckListProblems(this.checks))
          .map((problem) => `${this.node.path}: invalid checks: ${problem}`),
        ...(binding.shared ? this.configurationProblems() : this.environmentProblems(environment)),
        ...this.unroutedChecks(),
      ],
    });
    for (const check of props.checks ?? []) {
      this.addCheck(check);
    }
    setRunbookNotes(this, () => smokeCheckNotes(this.checks.map(toSmokeCheckSpec)));
    service.addHook(this);
  }

  /** Adds a check; the checks run concurrently, each with its own retries. */
  public addCheck(check: SmokeCheck): void {
    const problems = smokeCheckProblems(check, (value) => resolvesToSecret(this, value));
    if (this.checks.some((other) => other.name === check.name)) {
      problems.push(`smoke check "${check.name}" is defined twice; give each check its own name`);
    }
    const expected = check._options.expectedVersion ?? this.expectedVersion;
    if (check._options.version && !expected) {
      problems.push(`smoke check "${check.name}" reads the version from ${describeVersionSource(check)} but expects none: `
        + 'neither the check nor the hook sets expectedVersion, and the smoke test would fail every deployment on it; set expectedVersion: '
        + 'ExpectedVersion.fromDeployedEnvironment() (the release ReleasePipeline deploys) or ExpectedVersion.of(\'1.2.3\') '
        + 'on the check or the hook, or remove version');
    }
    if (problems.length > 0) {
      // Recorded, failing synthesis; the check is left out, so no invalid check reaches the function.
      recordPropProblem(this, 'checks', problems.join('; '));
      this.rejectedChecks++;
      return;
    }
    const secret = check._options.secret;
    if (secret) {
      // Read access to this secret only, and decryption with its key when it has one.
      secret.grantRead(this.binding.role);
      this.endpoints.require(SECRETS_MANAGER_ENDPOINT);
    }
    const variable = check._options.version ? expected?._variable : undefined;
    if (variable !== undefined) {
      this.readDeployedVersion(variable);
    }
    this.checks.push(check);
  }

  /**
   * The environment variables of the deployed task definition that the checks compare the
   * version with.
   * @internal
   */
  public get _deployedVersionVariables(): string[] {
    return [...this.deployedVersionVariables];
  }

  /**
   * Lets the function find the task definition this deployment installs: the deployment's green
   * task set (from CodeDeploy's record of its target), then that task set's task definition.
   */
  private readDeployedVersion(variable: string): void {
    const first = this.deployedVersionVariables.size === 0;
    this.deployedVersionVariables.add(variable);
    if (!first) {
      return;
    }
    const service = this.service;
    const stack = Stack.of(this);
    const deployed: DeployedServiceSpec = {
      cluster: service.cluster.clusterName,
      service: serviceNameForHook(service),
      container: service.containerName,
    };
    const value = stack.toJsonString(deployed);
    if (!this.binding.shared) {
      this.binding.function.addEnvironment(SMOKE_DEPLOYED_SERVICE_ENV, value);
    }
    // Also the hook's section of the service's configuration, for a shared function.
    this.environment[SMOKE_DEPLOYED_SERVICE_ENV] = value;

    const role = this.binding.role;
    if (service.deploymentGroup) {
      // The green task set, from CodeDeploy's record of the deployment; on the ECS engine the
      // revision names the task definition (granted with the function).
      grantDeploymentTargetReads(role);
      this.binding.grantDescribeServiceTaskSets();
      this.endpoints.require(CODEDEPLOY_ENDPOINT);
    }
    grantDescribeTaskDefinitions(role);
    this.endpoints.require(ECS_ENDPOINT);
  }

  /**
   * Records every invalid prop; returns the event, timeout and host name to build with, the
   * defaults standing in for invalid ones.
   */
  private validate(props: SmokeTestHookProps): { lifecycleEvent: LifecycleEvent; timeout: Duration; hostName?: string } {
    let hostName = props.hostName ?? props.service.hostName;
    if (hostName !== undefined && !Token.isUnresolved(hostName) && !HOST_NAME.test(hostName)) {
      recordPropProblem(this, 'hostName', `must be a DNS name without scheme, port or path, got '${hostName}'; `
        + 'give the domain the test listener\'s certificate is issued for, e.g. \'orders.example.com\'');
      hostName = undefined;
    }
    if (props.service.https && props.verifyCertificate !== false && hostName === undefined) {
      recordPropProblem(this, 'hostName', 'is not set, so the checks would verify the HTTPS test listener\'s certificate against '
        + 'the load balancer\'s DNS name, which no certificate for your domain covers, and fail every deployment; '
        + 'set hostName to the domain the certificate is issued for, or verifyCertificate: false to skip the verification');
    }
    const expectedProblem = expectedVersionProblem(props.expectedVersion);
    if (expectedProblem) {
      // Kept as given: leaving it out would also report every check with a version as expecting none.
      recordPropProblem(this, 'expectedVersion', expectedProblem.replace(/^expectedVersion /, ''));
    }
    let lifecycleEvent = props.lifecycleEvent ?? DEFAULT_EVENT;
    if (!ALLOWED_EVENTS.includes(lifecycleEvent)) {
      recordPropProblem(this, 'lifecycleEvent', `must be one of ${ALLOWED_EVENTS.join(', ')}, got ${lifecycleEvent}; `
        + 'before AfterAllowTestTraffic the test listener still routes to the old version, so the checks would test it');
      lifecycleEvent = DEFAULT_EVENT;
    }
    // Lambda takes whole seconds; the default stands in for an invalid timeout, as Lambda would reject it.
    const given = props.timeout;
    const timeoutProblem = durationProblem(given, { unit: 'seconds', min: 30, max: 900,
      literalBecause: 'the hook function\'s settings, which decide whether the stack\'s services share one function, are compared at synthesis' });
    if (given !== undefined && timeoutProblem !== undefined) {
      const seconds = given.isUnresolved() ? NaN : given.toSeconds({ integral: false });
      recordPropProblem(this, 'timeout', Number.isFinite(seconds) && (seconds < 30 || seconds > 900)
        ? `must be between 30 seconds and 15 minutes, got ${describeDuration(given)}; it bounds the whole smoke test, and Lambda runs at most 15 minutes`
        : timeoutProblem);
    }
    const timeout = given === undefined || timeoutProblem !== undefined ? DEFAULT_TIMEOUT : wholeDuration(given, 'seconds');
    return { lifecycleEvent, timeout, hostName };
  }

  /**
   * A check whose path none of the service's path patterns takes reaches no rule of the test
   * listener: it would get the listener's 404 in every release.
   */
  private unroutedChecks(): string[] {
    const patterns = this.service.routing?.matchedPathPatterns ?? [];
    if (patterns.length === 0 || patterns.some((pattern) => Token.isUnresolved(pattern))) {
      return [];
    }
    return this.checks
      .filter((check) => !Token.isUnresolved(check.path))
      .filter((check) => !patterns.some((pattern) => wildcardMatches(pattern, check.path.split('?')[0], false)))
      .map((check) => `${this.node.path}: invalid checks: the path '${check.path}' of check '${check.name}' matches none of the path patterns `
        + `the service is routed by (${patterns.join(', ')}), so it would reach no rule of the test listener and get its 404; `
        + 'give a path under them, e.g. \'' + patterns[0].replace(/\*.*$/, '') + 'health\'');
  }

  /** Lambda allows 4 KB of environment in all; the checks travel there. */
  private environmentProblems(environment: Record<string, string>): string[] {
    let size = 0;
    for (const [name, value] of Object.entries(environment)) {
      size += Buffer.byteLength(name) + estimatedSize(this, value);
    }
    if (size <= MAX_ENVIRONMENT_BYTES) {
      return [];
    }
    return [`${this.node.path}: invalid checks: they take about ${size} bytes of the function's environment, over Lambda's `
      + `${MAX_ENVIRONMENT_BYTES}-byte limit; leave defaults unset, shorten names and bodies, or drop checks`];
  }

  /** SSM holds at most 8 KB in a parameter; the service's hook configuration, checks included, travels there. */
  private configurationProblems(): string[] {
    const parameter = hookConfigurationOf(this.service);
    if (!parameter) {
      return [];
    }
    const size = estimatedSize(this, (parameter.node.defaultChild as ssm.CfnParameter).value);
    if (size <= MAX_PARAMETER_VALUE_BYTES) {
      return [];
    }
    return [`${this.node.path}: invalid checks: the hook configuration of ${this.service.serviceName}, checks included, takes about ${size} bytes, `
      + `over the ${MAX_PARAMETER_VALUE_BYTES}-byte limit of an SSM parameter; leave defaults unset, shorten names and bodies, or drop checks`];
  }
}

/** `header 'x-app-version'` or `JSON field 'build.version'`. */
function describeVersionSource(check: SmokeCheck): string {
  const source = check._options.version;
  return source?._header !== undefined ? `header '${source._header}'` : `JSON field '${source?._jsonField}'`;
}

/** Whether a value resolves to a dynamic reference to a stored secret (`SecretValue`). */
function resolvesToSecret(scope: Construct, value: string): boolean {
  if (!Token.isUnresolved(value)) {
    return false;
  }
  return JSON.stringify(Stack.of(scope).resolve(value)).includes('{{resolve:');
}

/** The size of a value once deployed: literal parts as they are, each reference estimated. */
function estimatedSize(scope: Construct, value: string): number {
  return resolvedSize(Stack.of(scope).resolve(value));
}
