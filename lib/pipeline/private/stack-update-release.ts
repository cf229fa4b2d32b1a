/**
 * A release pipeline stage for a service on the Amazon ECS engine: it updates the service's stack
 * with the release's image, so the release is what `cdk deploy` does, one template the source of
 * truth, and Amazon ECS runs the blue/green deployment with every hook and alarm.
 */
import {
  ArnFormat, CfnCondition, CfnParameter, DefaultStackSynthesizer, Duration, Fn, PhysicalName, RemovalPolicy, Stack, Token, Validations,
} from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeWildcardResources, defaultPolicyOf } from '../../private/acknowledgements';
import { fitText, iamDescription } from '../../private/text-limits';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { acknowledgeArtifactAccess, acknowledgeBuildAccess } from './acknowledgements';
import { EXPORTED_VARIABLES } from './buildspec';
import { STACK_UPDATE_ENV, renderStackUpdateCommand } from './stack-update-script';
import { isRemoteStage, remoteActionRole, remoteScope } from './remote-stage';
import type { StageInfo } from './stage-naming';

/** Construct id, under the service, of the stack parameters a release pipeline sets. */
export const PIPELINE_RELEASE_ID = 'PipelineRelease';

/** CloudFormation ends every stack operation within 36 hours; the stage waits as long as the update does. */
const STACK_UPDATE_TIMEOUT = Duration.hours(36);

/** The stack parameters through which a pipeline releases a service, and what they replace. */
export interface ReleaseParameters {
  readonly image: CfnParameter;
  readonly version: CfnParameter;
}

/**
 * The parameters of the service's stack that take a release's image and version: empty by
 * default, and then the image and version defined in CDK run. Set, they replace the image of the
 * application container and its release-version variable; `cdk deploy` keeps the values they
 * have (the CDK CLI reuses a deployed parameter's value unless told otherwise), so a later
 * `cdk deploy` changes the configuration and keeps the released image. Made once per service.
 */
export function releaseParametersOf(service: IBlueGreenService, releaseVersionVariable: string): ReleaseParameters {
  const existing = service.node.tryFindChild(PIPELINE_RELEASE_ID);
  if (existing) {
    return { image: existing.node.findChild('Image') as CfnParameter, version: existing.node.findChild('Version') as CfnParameter };
  }
  const scope = new Construct(service, PIPELINE_RELEASE_ID);
  const image = new CfnParameter(scope, 'Image', {
    type: 'String',
    default: '',
    description: fitText(`The image a release pipeline released to ${service.serviceName}, by digest; empty until its first release, `
      + 'when the image defined in CDK runs. cdk deploy keeps it.', 4000),
  });
  const version = new CfnParameter(scope, 'Version', {
    type: 'String',
    default: '',
    description: fitText(`The release version of the image in the ${image.logicalId} parameter, given to ${service.serviceName} `
      + `as ${releaseVersionVariable}; empty until the first release.`, 4000),
  });
  const released = new CfnCondition(scope, 'Released', { expression: Fn.conditionNot(Fn.conditionEquals(image.valueAsString, '')) });
  const container = service.container;
  const cfnTaskDefinition = service.taskDefinition.node.defaultChild as ecs.CfnTaskDefinition;
  // Containers render in the order they were added, which is their order among the task definition's children.
  const index = service.taskDefinition.node.children.filter((child) => child instanceof ecs.ContainerDefinition).indexOf(container);
  if (index < 0) {
    throw new Error(`${service.node.path}: the container '${service.containerName}' is not one of the task definition's own containers`);
  }
  cfnTaskDefinition.addPropertyOverride(`ContainerDefinitions.${index}.Image`, Fn.conditionIf(released.logicalId, image.valueAsString, container.imageName));
  container.addEnvironment(releaseVersionVariable,
    Fn.conditionIf(released.logicalId, version.valueAsString, environmentValue(container, releaseVersionVariable) ?? '').toString());
  return { image, version };
}

/** The value the container's environment gives `name`, if any. */
function environmentValue(container: ecs.ContainerDefinition, name: string): string | undefined {
  const environment = container.renderContainerDefinition().environment;
  const entry = (Array.isArray(environment) ? environment : []).find((e) => (e as { name?: unknown }).name === name) as { value?: string } | undefined;
  return entry?.value;
}

/** What a stack-update deploy action is built from. */
export interface StackUpdateActionProps {
  readonly pipeline: codepipeline.Pipeline;
  readonly stage: StageInfo;
  /** Any artifact of the pipeline: CodeBuild actions need an input, the update reads none. */
  readonly input: codepipeline.Artifact;
  readonly releaseVersionVariable: string;
  readonly runOrder: number;
  /** The deploy action's name. */
  readonly actionName: string;
  /** The build's variable holding the image the service runs, by digest. */
  readonly imageUriVariable: string;
  /** How long the stage's update logs are kept. */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The deploy action of an Amazon ECS-engine stage, with its CodeBuild project in `scope`: it
 * updates the service's stack with the release and waits for the update, so it fails when the
 * deployment rolls back. Its role may update that one stack, through the stack's CloudFormation
 * execution role, and nothing else.
 */
export function stackUpdateAction(scope: Construct, owner: IConstruct, props: StackUpdateActionProps): StackUpdateAction {
  const { pipeline, stage } = props;
  const service = stage.service;
  const serviceStack = Stack.of(service);
  const parameters = releaseParametersOf(service, props.releaseVersionVariable);
  const synthesizer = serviceStack.synthesizer as DefaultStackSynthesizer;
  const executionRole = executionRoleArn(synthesizer);
  // In another environment, the project runs in the service's account and region, by a role there.
  const remote = isRemoteStage(owner, stage);
  if (remote) {
    scope = remoteScope(service);
  }
  const logGroup = new logs.LogGroup(scope, 'StackUpdateLogs', {
    retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // A remote project's grants are the library's alone: aws-cdk-lib grants an artifact key of
  // another environment on every key.
  const remoteRole = remote ? remoteProjectRole(scope, logGroup, stage) : undefined;
  const project = new codebuild.PipelineProject(scope, 'StackUpdate', {
    role: remoteRole?.withoutPolicyUpdates(),
    // The pipeline's account names it in the action.
    projectName: remote ? PhysicalName.GENERATE_IF_NEEDED : undefined,
    description: fitText(`Releases to ${service.serviceName} in stage ${stage.stageName} of ${owner.node.path} by updating stack `
      + `${serviceStack.stackName}, and waits for its Amazon ECS deployment`, 255),
    environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
    environmentVariables: {
      [STACK_UPDATE_ENV.stackName]: { value: serviceStack.stackName },
      [STACK_UPDATE_ENV.imageParameter]: { value: parameters.image.logicalId },
      [STACK_UPDATE_ENV.versionParameter]: { value: parameters.version.logicalId },
      [STACK_UPDATE_ENV.executionRole]: { value: executionRole },
    },
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      env: { shell: 'bash' },
      phases: { build: { commands: [renderStackUpdateCommand()] } },
    }),
    timeout: STACK_UPDATE_TIMEOUT,
    logging: { cloudWatch: { logGroup } },
    // CodeBuild encrypts what it writes with the key of the artifacts (none here) or its own account's default.
    encryptionKey: remote ? undefined : pipeline.artifactBucket.encryptionKey,
  });
  const role = remoteRole ?? project.role!;
  // A stack's ARN ends in an id CloudFormation gives it at creation.
  const stackArn = serviceStack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${serviceStack.stackName}/*` });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:UpdateStack'],
    resources: [stackArn],
  }));
  acknowledgeWildcardResources(defaultPolicyOf(role), [stackArn],
    `The stack ${serviceStack.stackName} alone, whatever id CloudFormation gave it when it was created.`);
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: [executionRole],
    conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
  }));
  // CloudFormation reads the stack's SSM parameters (the bootstrap version) as the caller.
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['ssm:GetParameters'],
    resources: [serviceStack.formatArn({
      service: 'ssm', resource: 'parameter', arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      resourceName: `cdk-bootstrap/${synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER}/version`,
    })],
  }));
  if (remote) {
    Validations.of(project.node.defaultChild ?? project).acknowledge({
      id: 'AwsSolutions-CB4',
      reason: 'The project writes no artifacts: it reads its one input with the key of the pipeline\'s artifacts and logs to its own log group.',
    });
  } else {
    acknowledgeBuildAccess(project);
    acknowledgeArtifactAccess(pipeline, [role]);
  }
  const actionRole = remote ? remoteStackUpdateActionRole(scope, owner, pipeline, stage, project) : undefined;
  const action = new actions.CodeBuildAction({
    actionName: props.actionName,
    runOrder: props.runOrder,
    project,
    input: props.input,
    role: actionRole?.withoutPolicyUpdates(),
    environmentVariables: {
      [STACK_UPDATE_ENV.image]: { value: `#{Build.${props.imageUriVariable}}` },
      [STACK_UPDATE_ENV.version]: { value: `#{Build.${EXPORTED_VARIABLES.imageTag}}` },
    },
  });
  return { action, artifactReader: role };
}

/** A stack-update deploy action, and the role that reads its input artifact (the project's). */
export interface StackUpdateAction {
  readonly action: codepipeline.IAction;
  readonly artifactReader: iam.IRole;
}

/** The role of a remote stage's stack-update project: it writes to its log group; the stage adds the rest. */
function remoteProjectRole(scope: Construct, logGroup: logs.ILogGroup, stage: StageInfo): iam.Role {
  const role = new iam.Role(scope, 'StackUpdateRole', {
    // The artifact bucket's policy, in the pipeline's account, names it.
    roleName: PhysicalName.GENERATE_IF_NEEDED,
    assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
    description: iamDescription(`Updates stack ${Stack.of(stage.service).stackName} to release ${stage.service.serviceName} in stage ${stage.stageName}`),
  });
  logGroup.grantWrite(role);
  return role;
}

/**
 * The role the pipeline assumes to start, watch and stop a remote stage's stack-update builds:
 * CodeBuild runs them in the service's account and region.
 */
function remoteStackUpdateActionRole(scope: Construct, owner: IConstruct, pipeline: codepipeline.Pipeline, stage: StageInfo,
  project: codebuild.IProject): iam.Role {
  const role = remoteActionRole(scope, 'StackUpdateActionRole', pipeline,
    `Starts the stack update releasing ${stage.service.serviceName} in stage ${stage.stageName} of ${owner.node.path}`);
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['codebuild:BatchGetBuilds', 'codebuild:StartBuild', 'codebuild:StopBuild'],
    resources: [project.projectArn],
  }));
  return role;
}

/**
 * The bootstrap's CloudFormation execution role of a stack with the default synthesizer: its ARN
 * holds `${AWS::Partition}` and, for an env-agnostic stack, `${AWS::AccountId}`, which the CDK CLI
 * fills in; here CloudFormation does.
 */
function executionRoleArn(synthesizer: DefaultStackSynthesizer): string {
  return Fn.sub(synthesizer.cloudFormationExecutionRole!);
}

/**
 * Why the pipeline cannot release `service` by updating its stack, if it cannot: the stack must be
 * a top-level stack deployed through the bootstrap's roles, whose execution role does the update.
 */
export function stackUpdateProblem(service: IBlueGreenService): string | undefined {
  const stack = Stack.of(service);
  if (stack.nested) {
    return `is in the nested stack ${stack.node.path}, which only its parent's update changes; define the service in a top-level stack`;
  }
  if (!(stack.synthesizer instanceof DefaultStackSynthesizer) || Token.isUnresolved(stack.stackName)) {
    return `is in stack ${stack.stackName}, synthesized by ${stack.synthesizer.constructor.name}: the stage updates the stack through `
      + 'the CloudFormation execution role of the CDK bootstrap, which only DefaultStackSynthesizer (the default) names; use it for this stack';
  }
  return undefined;
}
