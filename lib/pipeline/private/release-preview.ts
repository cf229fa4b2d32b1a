/**
 * The release preview: what each deploy stage of a pipeline will do, written into the cloud
 * assembly at synthesis for a reviewer to read in a pull request. On the CodeDeploy engine the
 * `taskdef.json` and `appspec.yaml` the build writes; on the Amazon ECS engine the deployment
 * configuration of the service; and a `preview.md` index of the stages.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct, IConstruct } from 'constructs';
import { renderTaskDefinitionRequest } from './taskdef';
import { StageUnit, unitsOf } from './stage-naming';
import {
  APPSPEC_FILE, IMAGE_PLACEHOLDER, TASK_DEFINITION_FILE, TASK_DEFINITION_PLACEHOLDER,
} from '../../../contract/artifacts';
import { ReadableText } from '../../private/readable-text';
import { describeDuration } from '../../private/validation';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { ecsLifecycleStageOf } from '../../service/ecs-lifecycle-stage';
import type { ReleaseStageOptions } from '../release-pipeline-props';

/** The index of a preview, in its folder. */
export const PREVIEW_INDEX_FILE = 'preview.md';

/** The deployment configuration of a service on the Amazon ECS engine, in its stage's folder. */
export const ECS_DEPLOYMENT_FILE = 'ecs-deployment.json';

/** What the release version is in a preview's `taskdef.json`: the build sets the image tag there. */
export const RELEASE_VERSION_PLACEHOLDER = '<release version>';

/** What a preview is written from. */
export interface PreviewSubject {
  /** The pipeline, for names and paths. */
  readonly owner: Construct;
  /** The stages in release order. */
  readonly stages: readonly ReleaseStageOptions[];
  /** The application container's variable the build sets to the release version. */
  readonly releaseVersionVariable: string;
}

/** The preview's folder in the cloud assembly: `<stack artifact id>.<pipeline path in the stack>.release-preview`. */
export function previewDirectoryOf(owner: Construct): string {
  const stack = Stack.of(owner);
  const inStack = owner.node.path.slice(stack.node.path.length + 1);
  return `${stack.artifactId}.${inStack}.release-preview`.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** Writes the preview of `subject` in `<outdir>/<directory>`, replacing an older one. */
export function writeReleasePreview(outdir: string, directory: string, subject: PreviewSubject): void {
  const root = path.join(outdir, directory);
  fs.rmSync(root, { recursive: true, force: true });
  for (const [file, content] of renderReleasePreview(subject)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
}

/** The files of the preview, by path in its folder, index first. */
export function renderReleasePreview(subject: PreviewSubject): Map<string, string> {
  const readable = new ReadableText(subject.owner);
  const files = new Map<string, string>([[PREVIEW_INDEX_FILE, '']]);
  const index: string[] = [
    `# Release preview: ${subject.owner.node.path}`,
    '',
    'Generated at synthesis from the constructs, as the pipeline will release them: change the code, not these files.',
    `On the CodeDeploy engine each service's folder holds the \`${TASK_DEFINITION_FILE}\` and \`${APPSPEC_FILE}\` the build writes; `
      + `on the Amazon ECS engine \`${ECS_DEPLOYMENT_FILE}\`, the deployment configuration a stack update gives the service.`,
    '',
    `Placeholders: \`${IMAGE_PLACEHOLDER}\` the image the deploy action puts in, \`${TASK_DEFINITION_PLACEHOLDER}\` the task definition it registers, `
      + `\`${RELEASE_VERSION_PLACEHOLDER}\` the release's image tag, \`<construct path>\` and \`<construct path.Attribute>\` a name or attribute `
      + 'known at deployment, `<AWS::Region>` and the like a pseudo parameter.',
    '',
    '| Stage | Service | Engine | Traffic shifting | Approval | Hooks, in order | Files |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const details: string[] = [];
  for (const stage of subject.stages) {
    for (const unit of unitsOf(stage)) {
      const folder = `${fileNamePart(stage.stageName)}/${fileNamePart(serviceNameOf(unit.service))}`;
      const written = renderUnit(unit, subject, readable);
      for (const [file, content] of written) {
        files.set(`${folder}/${file}`, content);
      }
      const name = readable.of(unit.service.serviceName, unit.service);
      const hooks = hooksOf(unit.service, readable);
      index.push(`| ${cell(stage.stageName)} | ${cell(name)} | ${cell(unit.service.engine.describe())} | ${cell(unit.service.trafficShifting?.describe() ?? 'not known')} `
        + `| ${stage.requireApproval ? 'manual approval first' : 'none'} | ${cell(hooks.map((hook) => hook.event).join(' → ') || 'none')} `
        + `| ${[...written.keys()].map((file) => `[${file}](${folder}/${file})`).join(', ')} |`);
      details.push(`## ${stage.stageName}: ${name}`, '', `- Engine: ${unit.service.engine.describe()}`,
        `- Traffic shifting: ${unit.service.trafficShifting?.describe() ?? 'not known'}`,
        `- Approval: ${stage.requireApproval ? 'a manual approval before the deployment' : 'none'}`,
        ...waitLines(unit.service),
        ...(hooks.length === 0 ? ['- Hooks: none'] : ['- Hooks, in the order they run:', ...hooks.map((hook, i) => `  ${i + 1}. ${hook.event}: \`${hook.function}\``)]),
        '');
    }
  }
  files.set(PREVIEW_INDEX_FILE, [...index, '', ...details].join('\n'));
  return files;
}

/** The files of one service of a stage. */
function renderUnit(unit: StageUnit, subject: PreviewSubject, readable: ReadableText): Map<string, string> {
  const service = unit.service;
  if (service.engine.kind === DeploymentEngineKind.ECS) {
    return new Map([[ECS_DEPLOYMENT_FILE, json(ecsDeploymentOf(service, readable))]]);
  }
  const request = readable.json(renderTaskDefinitionRequest(service.taskDefinition, { containerName: service.containerName }), service);
  const taskDefinition = withReleaseVersion(request as Record<string, unknown>, service.containerName, subject.releaseVersionVariable);
  const appSpec = readable.of(service._renderAppSpec(), service);
  return new Map([
    [TASK_DEFINITION_FILE, json(taskDefinition)],
    [APPSPEC_FILE, appSpec.endsWith('\n') ? appSpec : `${appSpec}\n`],
  ]);
}

/**
 * The request with the release version in the application container's environment, as the
 * artifact writer sets it: the release's value replaces a variable of that name, which keeps its
 * place, or is added last.
 */
function withReleaseVersion(request: Record<string, unknown>, containerName: string, variable: string): Record<string, unknown> {
  const containers = Array.isArray(request.containerDefinitions) ? request.containerDefinitions as Record<string, unknown>[] : [];
  const entry = { name: variable, value: RELEASE_VERSION_PLACEHOLDER };
  const withVersion = (container: Record<string, unknown>): Record<string, unknown> => {
    const environment = Array.isArray(container.environment) ? container.environment as Record<string, unknown>[] : [];
    const at = environment.findIndex((e) => e.name === variable);
    const updated = at < 0
      ? [...environment, entry]
      : environment.flatMap((e, i) => (i === at ? [entry] : e.name === variable ? [] : [e]));
    return { ...container, environment: updated };
  };
  return { ...request, containerDefinitions: containers.map((c) => (c.name === containerName ? withVersion(c) : c)) };
}

/**
 * What Amazon ECS deploys the service with, as CloudFormation receives it (the service's
 * `AWS::ECS::Service` properties, with the overrides that add the lifecycle hooks and alarms):
 * its deployment controller, its deployment configuration (strategy, bake time, canary or linear
 * steps, lifecycle hooks with their stages, alarms) and the load balancers it shifts between.
 */
function ecsDeploymentOf(service: IBlueGreenService, readable: ReadableText): Record<string, unknown> {
  const cfn = service.service.node.defaultChild;
  if (!(cfn instanceof ecs.CfnService)) {
    return { Service: service.node.path, Note: 'the service is not defined in this app: its deployment configuration is where it is defined' };
  }
  const properties = (readable.json(cfn._toCloudFormation(), cfn) as { Resources?: Record<string, { Properties?: Record<string, unknown> }> })
    .Resources?.[Stack.of(cfn).resolve(cfn.logicalId) as string]?.Properties ?? {};
  return {
    Service: service.node.path,
    DeploymentController: properties.DeploymentController,
    DeploymentConfiguration: properties.DeploymentConfiguration,
    LoadBalancers: properties.LoadBalancers,
  };
}

/** The waits of a service, when it says them (a `BlueGreenService` does; an imported one does not). */
function waitLines(service: IBlueGreenService): string[] {
  const waits = service as IBlueGreenService & { readonly terminationWait?: Duration; readonly approvalWait?: Duration };
  const onEcs = service.engine.kind === DeploymentEngineKind.ECS;
  return [
    ...(waits.approvalWait ? [`- Approval wait: up to ${describeDuration(waits.approvalWait)} for a person before production traffic shifts, then it rolls back`] : []),
    ...(waits.terminationWait ? [`- ${onEcs ? 'Bake time' : 'Termination wait'}: ${describeDuration(waits.terminationWait)} after production traffic has moved`] : []),
  ];
}

/** The hooks of a service in the order they run, named by their engine's stage. */
function hooksOf(service: IBlueGreenService, readable: ReadableText): { event: string; function: string }[] {
  const onEcs = service.engine.kind === DeploymentEngineKind.ECS;
  return service.hooks.map((hook) => ({
    event: onEcs ? `${ecsLifecycleStageOf(hook.lifecycleEvent)} (${hook.lifecycleEvent})` : hook.lifecycleEvent,
    function: readable.of(hook.function.functionName, hook.function),
  }));
}

function serviceNameOf(service: IBlueGreenService): string {
  const scope: IConstruct = service;
  return Token.isUnresolved(service.serviceName) ? scope.node.id : service.serviceName;
}

function fileNamePart(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
