import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  CustomHook, LifecycleEvent, MetricGateHook, MigrationHook, PreflightHook, ReleasePipeline, ReleaseSource, SmokeCheck, SmokeTestHook,
} from '../../lib';
import { mockService } from '../hooks/util';
import { CONNECTION_ARN } from '../pipeline/util';

/** What a user might add to a role the library created: a wildcard nobody reviewed. */
const userWildcard = () => new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: ['*'] });

/** The constructs where cdk-nag reports `AwsSolutions-IAM5[Resource::*]`, unacknowledged. */
function unacknowledgedWildcards(app: App): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations
    .filter((violation) => violation.ruleName === 'AwsSolutions-IAM5[Resource::*]')
    .flatMap((violation) => violation.violatingResources.map((resource) => resource.constructPath ?? ''))
    .sort();
}

function hooksApp(): { app: App; stack: Stack; roles: Record<string, iam.IRole> } {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Release', { env: { region: 'eu-west-1' } });
  const service = mockService(stack);
  const own = new lambda.Function(stack, 'WarmCachesFunction', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  new CustomHook(stack, 'WarmCaches', { service, function: own, lifecycleEvent: LifecycleEvent.BEFORE_ALLOW_TRAFFIC });
  const roles = {
    SmokeTests: new SmokeTestHook(stack, 'SmokeTests', { service, checks: [SmokeCheck.get('/health')] }).function.role!,
    Migrate: new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'], tracing: lambda.Tracing.ACTIVE }).function.role!,
    MetricGate: new MetricGateHook(stack, 'MetricGate', { service }).function.role!,
    Preflight: new PreflightHook(stack, 'Preflight', { service }).function.role!,
    WarmCaches: own.role!,
  };
  return { app, stack, roles };
}

describe('acknowledgements of the library wildcards', () => {
  test('hide no wildcard a user adds to a hook role, while the library statements stay acknowledged', () => {
    const { app, roles } = hooksApp();
    expect(unacknowledgedWildcards(app)).toEqual([]);

    for (const role of Object.values(roles)) {
      role.addToPrincipalPolicy(userWildcard());
    }
    expect(unacknowledgedWildcards(app)).toEqual([
      // The functions shared by the stack's services; the traced migration has a shape of its own.
      'Release/CdkEcsReleaseMetricGateHook/ServiceRole/DefaultPolicy/Resource',
      'Release/CdkEcsReleaseMigrationHookC3AC2D00/ServiceRole/DefaultPolicy/Resource',
      'Release/CdkEcsReleasePreflightHook/ServiceRole/DefaultPolicy/Resource',
      'Release/CdkEcsReleaseSmokeTestHook/ServiceRole/DefaultPolicy/Resource',
      'Release/WarmCachesFunction/ServiceRole/DefaultPolicy/Resource',
    ]);
  });

  test('hide no wildcard a user adds to the pipeline build role or deploy roles', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Release', { env: { region: 'eu-west-1' } });
    const staging = mockService(stack);
    const pipeline = new ReleasePipeline(stack, 'Pipeline', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'org', repo: 'orders-api' }),
      stages: [{ stageName: 'Staging', service: staging }],
    });
    // The stages, and with them the deploy roles, are built at synthesis.
    app.synth();
    expect(unacknowledgedWildcards(app)).toEqual([]);

    const deployRole = pipeline.node.findAll().find((c) => c instanceof iam.Role && c.node.id === 'DeployRole') as iam.Role;
    expect(deployRole).toBeDefined();
    pipeline.buildProject.addToRolePolicy(userWildcard());
    deployRole.addToPrincipalPolicy(userWildcard());
    expect(unacknowledgedWildcards(app)).toEqual([
      'Release/Pipeline/Build/Role/DefaultPolicy/Resource',
      'Release/Pipeline/Stages/Staging/DeployRole/DefaultPolicy/Resource',
    ]);
  });

  test('hide no wildcard action a user adds to a pipeline action role', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Release', { env: { region: 'eu-west-1' } });
    const pipeline = new ReleasePipeline(stack, 'Pipeline', {
      source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'org', repo: 'orders-api' }),
      stages: [{ stageName: 'Staging', service: mockService(stack) }],
    });
    app.synth();
    // The artifact grants' s3:GetObject* was acknowledged on the whole pipeline subtree.
    const other = new iam.Role(pipeline.pipeline, 'UserRole', { assumedBy: new iam.ServicePrincipal('codepipeline.amazonaws.com') });
    other.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject*'], resources: ['arn:aws:s3:::user-bucket/report.txt'] }));
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.filter((v) => v.ruleName === 'AwsSolutions-IAM5[Action::s3:GetObject*]')
      .flatMap((v) => v.violatingResources.map((r) => r.constructPath))).toEqual(['Release/Pipeline/Pipeline/UserRole/DefaultPolicy/Resource']);
  });
});
