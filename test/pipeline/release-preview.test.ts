import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { parse } from 'yaml';
import { run } from '../../lambda/artifact-writer/writer';
import {
  BlueGreenService, DeploymentEngine, MigrationHook, PreflightHook, ReleasePipeline, ReleasePipelineProps, ReleaseSource, ReleaseStageOptions,
  SmokeCheck, SmokeTestHook, TrafficShifting,
} from '../../lib';
import { CONNECTION_ARN, mockService, testApp, testStack } from './util';

const source = () => ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' });

/** Every file under `root`, by path relative to it. */
function filesUnder(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else {
        files.set(path.relative(root, full), fs.readFileSync(full, 'utf8'));
      }
    }
  };
  walk(root);
  return files;
}

function synthPreview(app: App, pipeline: ReleasePipeline): Map<string, string> {
  const assembly = app.synth();
  return filesUnder(path.join(assembly.directory, pipeline.previewDirectory!));
}

interface Fixture {
  app: App;
  stack: Stack;
  staging: BlueGreenService;
  production: BlueGreenService;
  pipeline: ReleasePipeline;
}

function withHooks(service: BlueGreenService): BlueGreenService {
  const stack = Stack.of(service);
  new PreflightHook(stack, `${service.node.id}Preflight`, { service });
  new MigrationHook(stack, `${service.node.id}Migration`, { service, command: ['npm', 'run', 'db:migrate'] });
  new SmokeTestHook(stack, `${service.node.id}Smoke`, { service, checks: [SmokeCheck.get('/health')] });
  return service;
}

function fixture(props: Partial<ReleasePipelineProps> = {}, stages?: (f: Omit<Fixture, 'pipeline'>) => ReleaseStageOptions[]): Fixture {
  const app = testApp();
  const stack = testStack(app);
  const staging = withHooks(mockService(stack, 'Staging', { environment: { RELEASE_VERSION: 'local', LOG_LEVEL: 'info' } }));
  // Staging sets the release version's variable itself, production does not: the writer replaces one, appends the other.
  const production = withHooks(mockService(stack, 'Production', { environment: { LOG_LEVEL: 'debug' } }));
  const pipeline = new ReleasePipeline(stack, 'Release', {
    source: source(),
    stages: stages?.({ app, stack, staging, production }) ?? [
      { stageName: 'Staging', service: staging },
      { stageName: 'Production', service: production, requireApproval: true },
    ],
    ...props,
  });
  return { app, stack, staging, production, pipeline };
}

/**
 * The deployment files the pipeline's build writes, from the manifest in the template, with each
 * deploy-time value written as the preview writes it: what the preview must equal byte for byte.
 */
function writerFiles(stack: Stack, releaseVersion = '<release version>'): Map<string, string> {
  const paths = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (CfnElement.isCfnElement(construct)) {
      paths.set(stack.resolve(construct.logicalId), construct.node.path.slice(stack.node.path.length + 1).replace(/(\/(Resource|Default))+$/, ''));
    }
  }
  const text = (value: unknown): string => {
    if (typeof value === 'string' || typeof value === 'number') {
      return String(value);
    }
    const intrinsic = value as Record<string, unknown>;
    if (typeof intrinsic.Ref === 'string') {
      return intrinsic.Ref.startsWith('AWS::') ? `<${intrinsic.Ref}>` : `<${paths.get(intrinsic.Ref)}>`;
    }
    if (Array.isArray(intrinsic['Fn::GetAtt'])) {
      const [id, attribute] = intrinsic['Fn::GetAtt'] as string[];
      return `<${paths.get(id)}.${attribute}>`;
    }
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(text).join(separator);
  };
  const project = Object.values(Template.fromStack(stack).findResources('AWS::CodeBuild::Project'))[0];
  const variables = project.Properties.Environment.EnvironmentVariables as { Name: string; Value: unknown }[];
  const manifest = text(variables.find((v) => v.Name === 'CDK_ECS_RELEASE_MANIFEST')!.Value);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'writer-'));
  run(['--manifest', 'env:MANIFEST', '--image-uri', `123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders@sha256:${'0'.repeat(64)}`, '--out', out,
    '--release-version', releaseVersion], { MANIFEST: manifest });
  return filesUnder(out);
}

describe('release preview', () => {
  test('writes, per stage and service, the taskdef.json and appspec.yaml the build writes, byte for byte, with placeholders for deploy-time values', () => {
    const { app, stack, pipeline } = fixture();
    const preview = synthPreview(app, pipeline);
    const written = writerFiles(stack);

    expect(pipeline.previewDirectory).toBe('PipelineStack.Release.release-preview');
    expect([...preview.keys()].sort()).toEqual([
      'Production/production/appspec.yaml', 'Production/production/taskdef.json',
      'Staging/staging/appspec.yaml', 'Staging/staging/taskdef.json',
      'preview.md',
    ]);
    for (const [stage, service] of [['Staging', 'staging'], ['Production', 'production']]) {
      expect(preview.get(`${stage}/${service}/taskdef.json`)).toBe(written.get(`${stage}/taskdef.json`));
      expect(preview.get(`${stage}/${service}/appspec.yaml`)).toBe(written.get(`${stage}/appspec.yaml`));
    }
    for (const content of preview.values()) {
      expect(content).not.toContain('${Token[');
      expect(content).not.toContain('resolved at deploy');
    }
  });

  test('the taskdef has the container, its port, the image placeholder CodeDeploy fills in and the release version placeholder', () => {
    const { app, pipeline } = fixture();
    const taskDefinition = JSON.parse(synthPreview(app, pipeline).get('Staging/staging/taskdef.json')!);
    expect(taskDefinition.taskRoleArn).toBe('<Staging/TaskDefinition/TaskRole.Arn>');
    expect(taskDefinition.executionRoleArn).toBe('<Staging/TaskDefinition/ExecutionRole.Arn>');
    const [container] = taskDefinition.containerDefinitions;
    expect(container).toMatchObject({ name: 'web', image: '<IMAGE1_NAME>', portMappings: [{ containerPort: 8080, protocol: 'tcp' }] });
    expect(container.logConfiguration.options['awslogs-group']).toBe('<Staging/Logs>');
    // The release's value replaces the service's own, in its place, as the writer does.
    expect(container.environment).toEqual([{ name: 'RELEASE_VERSION', value: '<release version>' }, { name: 'LOG_LEVEL', value: 'info' }]);
  });

  test('the appspec lists the hooks in the order they run, each function by its construct path', () => {
    const { app, pipeline } = fixture();
    const appSpec = parse(synthPreview(app, pipeline).get('Production/production/appspec.yaml')!);
    expect(appSpec.Hooks).toEqual([
      { BeforeInstall: '<CdkEcsReleasePreflightHook>' },
      { AfterInstall: '<CdkEcsReleaseMigrationHook>' },
      // The smoke test's function is one per network it runs in: its id carries a hash of it.
      { AfterAllowTestTraffic: expect.stringMatching(/^<CdkEcsReleaseSmokeTestHook[0-9A-F]{8}>$/) },
    ]);
    expect(appSpec.Resources[0].TargetService.Properties).toEqual({
      TaskDefinition: '<TASK_DEFINITION>', LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 },
    });
  });

  test('preview.md lists every stage in release order with its engine, traffic shifting, approval, hooks and files', () => {
    const { app, pipeline } = fixture();
    const index = synthPreview(app, pipeline).get('preview.md')!;
    const rows = index.split('\n').filter((line) => /^\| (Staging|Production) /.test(line));
    expect(rows).toEqual([
      '| Staging | staging | CodeDeploy | canary 10% then the rest after 5 minutes | none | BeforeInstall → AfterInstall → AfterAllowTestTraffic '
        + '| [taskdef.json](Staging/staging/taskdef.json), [appspec.yaml](Staging/staging/appspec.yaml) |',
      '| Production | production | CodeDeploy | canary 10% then the rest after 5 minutes | manual approval first | BeforeInstall → AfterInstall → AfterAllowTestTraffic '
        + '| [taskdef.json](Production/production/taskdef.json), [appspec.yaml](Production/production/appspec.yaml) |',
    ]);
    expect(index).toContain('## Production: production');
    expect(index).toContain('  1. BeforeInstall: `<CdkEcsReleasePreflightHook>`');
  });

  test('sets the release version in the variable the pipeline names', () => {
    const { app, stack, pipeline } = fixture({ releaseVersionVariable: 'APP_VERSION' });
    const preview = synthPreview(app, pipeline);
    const [container] = JSON.parse(preview.get('Production/production/taskdef.json')!).containerDefinitions;
    expect(container.environment).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'APP_VERSION', value: '<release version>' }]);
    expect(preview.get('Production/production/taskdef.json')).toBe(writerFiles(stack).get('Production/taskdef.json'));
  });

  test('a stage of several services has a folder per service, as the build writes them', () => {
    const { app, stack, pipeline } = fixture({}, ({ staging, production }) => [{ stageName: 'Both', services: [staging, production] }]);
    const preview = synthPreview(app, pipeline);
    const written = writerFiles(stack);
    expect([...preview.keys()].filter((file) => file !== 'preview.md').sort())
      .toEqual(['Both/production/appspec.yaml', 'Both/production/taskdef.json', 'Both/staging/appspec.yaml', 'Both/staging/taskdef.json']);
    expect(preview.get('Both/staging/taskdef.json')).toBe(written.get('Both__Staging/taskdef.json'));
    expect(preview.get('Both/production/appspec.yaml')).toBe(written.get('Both__Production/appspec.yaml'));
  });

  test('a service in another stack is written with that stack\'s construct paths, not the cross-stack export', () => {
    const app = testApp();
    const services = testStack(app, 'Services');
    const staging = mockService(services, 'Staging');
    const pipelineStack = testStack(app, 'Tooling');
    const pipeline = new ReleasePipeline(pipelineStack, 'Release', { source: source(), stages: [{ stageName: 'Staging', service: staging }] });
    const taskDefinition = JSON.parse(synthPreview(app, pipeline).get('Staging/staging/taskdef.json')!);
    expect(taskDefinition.taskRoleArn).toBe('<Services/Staging/TaskDefinition/TaskRole.Arn>');
    expect(pipeline.previewDirectory).toBe('Tooling.Release.release-preview');
  });

  test('a stage on the Amazon ECS engine gets its deployment configuration: strategy, bake time, steps, hooks with their stages, alarms', () => {
    const { app, pipeline } = fixture({}, ({ stack, staging }) => {
      const ecsService = withHooks(new BlueGreenService(stack, 'Preview', {
        vpc: staging.vpc, image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'), serviceName: 'preview',
        engine: DeploymentEngine.ecs(), trafficShifting: TrafficShifting.linear(25, Duration.minutes(2)),
        terminationWait: Duration.minutes(10), approvalWait: Duration.hours(1),
      }));
      return [{ stageName: 'Preview', service: ecsService }, { stageName: 'Staging', service: staging }];
    });
    const preview = synthPreview(app, pipeline);
    expect([...preview.keys()].filter((file) => file.startsWith('Preview/'))).toEqual(['Preview/preview/ecs-deployment.json']);
    const deployment = JSON.parse(preview.get('Preview/preview/ecs-deployment.json')!);
    expect(deployment.DeploymentController).toEqual({ Type: 'ECS' });
    expect(deployment.DeploymentConfiguration).toMatchObject({
      Strategy: 'LINEAR', BakeTimeInMinutes: 10, LinearConfiguration: { StepPercent: 25, StepBakeTimeInMinutes: 2 },
      Alarms: { Enable: true, Rollback: true },
    });
    expect(deployment.DeploymentConfiguration.Alarms.AlarmNames.length).toBeGreaterThan(0);
    expect(deployment.DeploymentConfiguration.LifecycleHooks.map((hook: { HookTargetArn?: string; TargetType?: string; LifecycleStages: string[] }) =>
      [hook.HookTargetArn ?? hook.TargetType, hook.LifecycleStages])).toEqual([
      ['PAUSE', ['POST_TEST_TRAFFIC_SHIFT']],
      ['<CdkEcsReleasePreflightEcsHook.Arn>', ['PRE_SCALE_UP']],
      ['<CdkEcsReleaseMigrationEcsHook.Arn>', ['POST_SCALE_UP']],
      ['<CdkEcsReleaseSmokeTestEcsHook.Arn>', ['POST_TEST_TRAFFIC_SHIFT']],
    ]);
    expect(deployment.LoadBalancers[0].AdvancedConfiguration.TestListenerRule).toBe('<Preview/TestRule>');
    const index = preview.get('preview.md')!;
    expect(index).toContain('| Preview | preview | Amazon ECS | linear 25% every 2 minutes | none | PRE_SCALE_UP (BeforeInstall) → POST_SCALE_UP (AfterInstall) → '
      + 'POST_TEST_TRAFFIC_SHIFT (AfterAllowTestTraffic) | [ecs-deployment.json](Preview/preview/ecs-deployment.json) |');
    expect(index).toContain('- Approval wait: up to 1 hour for a person before production traffic shifts, then it rolls back');
    expect(index).toContain('- Bake time: 10 minutes after production traffic has moved');
    expect([...preview.values()].join('\n')).not.toContain('${Token[');
  });

  test('has the stages and hooks added after the pipeline, as the build does', () => {
    const { app, stack, pipeline, staging } = fixture({}, () => []);
    const late = mockService(stack, 'Late');
    pipeline.addStage({ stageName: 'Late', service: late });
    pipeline.addStage({ stageName: 'Staging', service: staging });
    new MigrationHook(stack, 'LateMigration', { service: late, command: ['migrate'] });
    const preview = synthPreview(app, pipeline);
    expect(parse(preview.get('Late/late/appspec.yaml')!).Hooks).toEqual([{ AfterInstall: '<CdkEcsReleaseMigrationHook>' }]);
    expect(preview.get('preview.md')!.split('\n').filter((line) => /^\| (Late|Staging) /.test(line)).map((line) => line.split(' | ')[0]))
      .toEqual(['| Late', '| Staging']);
    expect(preview.get('Late/late/appspec.yaml')).toBe(writerFiles(stack).get('Late/appspec.yaml'));
  });

  test('preview: false writes nothing, and the preview changes nothing in the template', () => {
    const withPreview = fixture();
    const without = fixture({ preview: false });
    expect(without.pipeline.previewDirectory).toBeUndefined();
    const assembly = without.app.synth();
    expect(fs.readdirSync(assembly.directory).filter((file) => file.includes('release-preview'))).toEqual([]);
    expect(Template.fromStack(withPreview.stack).toJSON()).toEqual(Template.fromStack(without.stack).toJSON());
  });
});
