import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import {
  BlueGreenService, BlueGreenServiceProps, CustomHook, ExpectedVersion, LifecycleEvent, MetricGateHook, MigrationHook, PreflightHook, SmokeCheck,
  SmokeTestHook, VersionSource,
} from '../../lib';
import { HOOK_KIND_ENV, HookKind, ServiceHookConfiguration } from '../../contract/hook';
import { METRIC_GATE_CONFIG_ENV } from '../../contract/metric-gate';
import { MIGRATION_CONFIG_ENV } from '../../contract/migration';
import { PREFLIGHT_CONFIG_ENV } from '../../contract/preflight';
import { mockCluster, testImage, testStack } from '../util';

export { testStack };

/** A service like the example app's: a VPC over two AZs with a NAT gateway. */
export function mockService(stack: Stack = testStack(), props: Partial<BlueGreenServiceProps> = {}): BlueGreenService {
  const { cluster } = mockCluster(stack);
  return new BlueGreenService(stack, 'Orders', { cluster, image: testImage, serviceName: 'orders-api', ...props });
}

/**
 * A stack in `app` with a service and every hook, one of them traced: what the hooks are checked
 * with under cdk-nag (test/hooks/validation.test.ts) and the built-in validation (test/example-app.test.ts).
 */
export function serviceWithEveryHook(app: App): { stack: Stack; service: BlueGreenService; hooks: IConstruct[] } {
  const stack = new Stack(app, 'Release', { env: { region: 'eu-west-1' } });
  const service = mockService(stack);
  const token = new secretsmanager.Secret(stack, 'ApiToken');
  const warmCaches = new lambda.Function(stack, 'WarmCachesFunction', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  const hooks = [
    new PreflightHook(stack, 'Preflight', { service }),
    new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'], tracing: lambda.Tracing.ACTIVE }),
    new SmokeTestHook(stack, 'SmokeTests', {
      service,
      checks: [
        SmokeCheck.get('/orders', { secret: token }),
        SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment() }),
      ],
    }),
    new CustomHook(stack, 'WarmCaches', { service, function: warmCaches, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC }),
    new MetricGateHook(stack, 'MetricGate', { service }),
  ];
  return { stack, service, hooks };
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every policy of the template a role gets its permissions from: inline and managed ones. */
function rolePolicies(template: Template): { [key: string]: any }[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))];
}

/** The IAM statements of every policy (role default policies, separate and managed policies) of the template. */
export function policyStatements(template: Template): Statement[] {
  const statements: Statement[] = [];
  for (const resource of rolePolicies(template)) {
    statements.push(...(resource.Properties.PolicyDocument.Statement as Statement[]));
  }
  return statements;
}

/** The statements of the policies attached to the role of `fn`. */
export function statementsOf(stack: Stack, template: Template, fn: lambda.IFunction): Statement[] {
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as never);
  const statements: Statement[] = [];
  for (const resource of rolePolicies(template)) {
    const roles = (resource.Properties.Roles ?? []) as { Ref: string }[];
    if (roles.some((role) => role.Ref === roleId)) {
      statements.push(...(resource.Properties.PolicyDocument.Statement as Statement[]));
    }
  }
  return statements;
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** The statements that allow `action`. */
export function allowing(statements: Statement[], action: string): Statement[] {
  return statements.filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes(action));
}

/** Actions granted on `*` by these statements. */
export function wildcardActions(statements: Statement[]): string[] {
  return statements
    .filter((statement) => resourcesOf(statement).includes('*'))
    .flatMap((statement) => actionsOf(statement).map((action) => statement.Condition ? `${action} (with condition)` : action));
}

/** The environment variables of the function `fn` in the template. */
export function functionEnvironmentOf(stack: Stack, template: Template, fn: lambda.IFunction): Record<string, unknown> {
  const id = stack.getLogicalId(fn.node.defaultChild as never);
  return template.toJSON().Resources[id].Properties.Environment.Variables;
}

/** The variable each kind's handler reads its configuration from, in a function of a hook's own. */
const CONFIG_ENV: Partial<Record<HookKind, string>> = {
  'preflight': PREFLIGHT_CONFIG_ENV,
  'migration': MIGRATION_CONFIG_ENV,
  'metric-gate': METRIC_GATE_CONFIG_ENV,
};

/**
 * The variables the handler of `fn` reads: its environment, and for a function shared by the
 * services of the stack, the hook's section of the one service's configuration parameter (JSON
 * text in the variable a function of its own would have; the smoke test's variables by name).
 */
export function environmentOf(stack: Stack, template: Template, fn: lambda.IFunction): Record<string, unknown> {
  const environment = functionEnvironmentOf(stack, template, fn);
  const kind = environment[HOOK_KIND_ENV] as HookKind | undefined;
  if (kind === undefined) {
    return environment;
  }
  const sections = Object.values(template.findResources('AWS::SSM::Parameter'))
    .map((parameter) => (JSON.parse(joinToText(parameter.Properties.Value)) as ServiceHookConfiguration).hooks[kind])
    .filter((section) => section !== undefined);
  if (sections.length !== 1) {
    throw new Error(`${sections.length} services configure the ${kind} function; read their parameters with hookConfigOf`);
  }
  const env = CONFIG_ENV[kind];
  return { ...environment, ...(env ? { [env]: JSON.stringify(sections[0].config) } : sections[0].config) };
}

/** Resolves a Fn::Join of literals into a string, references rendered as `<LogicalId>` / `<LogicalId.Attr>`. */
export function joinToText(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return String(value);
  }
  const record = value as Record<string, unknown>;
  if (record['Fn::Join']) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map(joinToText).join(separator);
  }
  if (record.Ref) {
    return `<${record.Ref}>`;
  }
  if (record['Fn::GetAtt']) {
    return `<${(record['Fn::GetAtt'] as string[]).join('.')}>`;
  }
  if (record['Fn::Select']) {
    const [index, list] = record['Fn::Select'] as [number, unknown];
    return `<select ${index} of ${JSON.stringify(list)}>`;
  }
  return JSON.stringify(value);
}

/** The value of the hook configuration parameter of `service`. */
export function hookConfigurationOf(stack: Stack, template: Template, service: BlueGreenService): ServiceHookConfiguration {
  const id = stack.getLogicalId(service.node.findChild('HookConfiguration').node.defaultChild as never);
  return JSON.parse(joinToText(template.toJSON().Resources[id].Properties.Value)) as ServiceHookConfiguration;
}

/** The configuration a shared hook function reads for `kind` from the parameter of `service`. */
export function hookConfigOf(stack: Stack, template: Template, service: BlueGreenService, kind: HookKind): Record<string, unknown> {
  return hookConfigurationOf(stack, template, service).hooks[kind].config;
}
