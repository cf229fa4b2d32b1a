/**
 * Stages whose service is in another account or region than the pipeline: their deploy roles (and,
 * on the Amazon ECS engine, their stack-update projects) live in the service's stack, trusted by
 * the pipeline's role alone, and read the artifacts of the service's region by exact grants on
 * that region's artifact bucket and key.
 */
import { Arn, CfnResource, Names, PhysicalName, Stack, Validations } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { ECS_DEPLOYMENT_EVENT_SOURCE } from '../../../contract/release-notifier';
import { acknowledgeWildcardResources, defaultPolicyOf } from '../../private/acknowledgements';
import { describeEnvironment, hasExplicitEnvironment, sameEnvironment, unnamedAcrossEnvironments } from '../../private/environment';
import { fitName, fitText, iamDescription } from '../../private/text-limits';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { replicationKeyOf } from './replication-buckets';
import type { StageInfo } from './stage-naming';

/**
 * The aws-cdk-lib feature flag that gives the pipeline's role a name when a stack in another
 * account refers to it (and only then), and narrows the trust of the action roles aws-cdk-lib
 * creates to that role. The library's own deploy roles trust that role alone.
 */
export const NARROW_ACTION_ROLE_TRUST_FLAG = '@aws-cdk/pipelines:reduceCrossAccountActionRoleTrustScope';

/** The sources of the deployment events a stage in another account sends to the pipeline's event bus. */
export const FORWARDED_SOURCES = ['aws.codedeploy', ECS_DEPLOYMENT_EVENT_SOURCE];

/** Construct id, under a service, of what a pipeline in another environment creates in the service's stack. */
const REMOTE_RELEASE_ID = 'ReleaseAccess';

/** Whether the stage's service is in another account or region than the release pipeline `owner`. */
export function isRemoteStage(owner: IConstruct, stage: StageInfo): boolean {
  return !sameEnvironment(Stack.of(stage.service), Stack.of(owner));
}

/**
 * Why the pipeline `owner` cannot deploy the stage's service in another environment, if it
 * cannot: CodePipeline places an action by an explicit account and region, on both sides.
 */
export function remoteStageProblem(owner: IConstruct, stage: StageInfo, replicationRegions: readonly string[]): string | undefined {
  if (!isRemoteStage(owner, stage)) {
    return undefined;
  }
  const agnostic = [Stack.of(owner), Stack.of(stage.service)].filter((stack) => !hasExplicitEnvironment(stack));
  if (agnostic.length === 0) {
    const region = Stack.of(stage.service).region;
    if (region !== Stack.of(owner).region && !replicationRegions.includes(region)) {
      return `deploys ${stage.service.node.path} in region ${region}, where the pipeline has no artifact bucket: it makes one for each region `
        + `of the stages passed in stages, not of those added with addStage(); pass this stage in stages, or give a bucket of ${region} in `
        + 'crossRegionReplicationBuckets';
    }
    return undefined;
  }
  return `deploys ${stage.service.node.path}, in ${describeEnvironment(Stack.of(stage.service))}, from a pipeline in `
    + `${describeEnvironment(Stack.of(owner))}; a pipeline deploys to another account or region only between stacks with an explicit `
    + `account and region: give ${agnostic.map((stack) => stack.node.path).join(' and ')} env: { account: '123456789012', region: 'eu-west-1' }`;
}

/**
 * The scope, in the service's own stack, of what the pipeline `owner` creates there for its
 * stage: one per service (a service is deployed by one stage).
 */
export function remoteScope(service: IBlueGreenService): Construct {
  return (service.node.tryFindChild(REMOTE_RELEASE_ID) as Construct | undefined) ?? new Construct(service, REMOTE_RELEASE_ID);
}

/**
 * A role in the service's stack that the pipeline assumes to run a stage's action there: named,
 * so that the pipeline's account can refer to it, and trusted by the pipeline's role alone.
 */
export function remoteActionRole(scope: Construct, id: string, pipeline: codepipeline.Pipeline, description: string): iam.Role {
  return new iam.Role(scope, id, {
    roleName: PhysicalName.GENERATE_IF_NEEDED,
    // The service's stack is deployed before the pipeline's, whose role does not exist yet.
    assumedBy: onlyRole(pipeline.role),
    description: iamDescription(description),
  });
}

/**
 * `role` alone, as a policy of another account or region admits it: by its account, with an ARN
 * condition, because IAM, S3 and KMS refuse a principal naming a role that does not exist yet.
 */
export function onlyRole(role: iam.IRole): iam.IPrincipal {
  return new iam.AccountPrincipal(Stack.of(role).account).withConditions({ ArnEquals: { 'aws:PrincipalArn': role.roleArn } });
}

/**
 * Grants `role` `actions` on the KMS key of `keyStack` that `aliasName` names, chosen by that
 * alias because only the key's stack knows its id; returns the key ARN pattern it grants on.
 */
export function grantKeyByAlias(role: iam.IRole, keyStack: Stack, aliasName: string, actions: string[]): string {
  const keys = Arn.format({ partition: keyStack.partition, service: 'kms', region: keyStack.region, account: keyStack.account, resource: 'key', resourceName: '*' });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions,
    resources: [keys],
    conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': aliasName } },
  }));
  return keys;
}

/** The artifact store of a region: its bucket and the alias of the bucket's key. */
interface ArtifactStore {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly aliasName: string;
}

/**
 * Lets `role`, in another account or region than the pipeline, read the artifacts of the
 * pipeline's artifact store in `region`: read on that bucket and decrypt with its key, granted on
 * both sides (the bucket's and key's policies name the role by an ARN condition, the role's policy
 * names the bucket and, by its alias, the key), and nothing else.
 */
export function grantRemoteArtifactRead(pipeline: codepipeline.Pipeline, role: iam.IRole, region: string): void {
  const store = artifactStore(pipeline, region);
  const roleStack = Stack.of(role);
  const storeStack = Stack.of(store.bucket);
  const admitted = onlyRole(role);
  const objects = store.bucket.arnForObjects('*');
  store.bucket.addToResourcePolicy(new iam.PolicyStatement({
    principals: [admitted],
    actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
    resources: [store.bucket.bucketArn, objects],
  }));
  store.key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [admitted],
    actions: ['kms:Decrypt', 'kms:DescribeKey'],
    resources: ['*'],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'],
    resources: [store.bucket.bucketArn, objects],
  }));
  const keys = grantKeyByAlias(role, storeStack, store.aliasName, ['kms:Decrypt', 'kms:DescribeKey']);
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*']) {
    Validations.of(defaultPolicyOf(role)).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: 'Reads of the pipeline\'s artifact bucket of this region, no other bucket: CodePipeline hands the stage its artifacts there.' });
  }
  acknowledgeWildcardResources(defaultPolicyOf(role), [objects, keys],
    'CodePipeline artifacts: every object of the pipeline\'s artifact bucket of this region (object keys are generated per execution), '
    + 'decrypted with that bucket\'s key alone, chosen by its alias because only its stack knows its id.');
  if (store.bucket !== pipeline.artifactBucket) {
    // aws-cdk-lib's grant to the pipeline's role of the region's replication bucket.
    acknowledgeWildcardResources(defaultPolicyOf(pipeline.role), [objects, keys],
      `CodePipeline artifacts copied to ${storeStack.region}: every object of the pipeline's replication bucket there (object keys are generated `
      + 'per execution), encrypted by the key of that bucket alone, chosen by its alias because only its stack knows its id.');
  }
  // The bucket's policy names the role: the role must exist first.
  if (storeStack !== Stack.of(pipeline) && storeStack !== roleStack) {
    storeStack.addStackDependency(roleStack, 'its artifact bucket admits the role of a stage deployed from it');
  }
}

/**
 * The pipeline's artifact store in `region`: its own, or the replication bucket aws-cdk-lib made
 * for that region when the stage's action was added.
 */
function artifactStore(pipeline: codepipeline.Pipeline, region: string): ArtifactStore {
  const support = region === Stack.of(pipeline).region ? undefined : pipeline.crossRegionSupport[region];
  const bucket = support?.replicationBucket ?? pipeline.artifactBucket;
  const made = replicationKeyOf(bucket);
  if (made) {
    return { bucket, ...made };
  }
  const key = bucket.encryptionKey;
  if (!key) {
    throw new Error(`${pipeline.node.path}: the artifact bucket of region ${region} has no KMS key, which a stage in another account needs; `
      + 'give each bucket of crossRegionReplicationBuckets a KMS key with an alias');
  }
  // aws-cdk-lib encrypts a replication bucket by its key's alias.
  if (key instanceof kms.Alias) {
    return { bucket, key: key.aliasTargetKey, aliasName: key.aliasName };
  }
  return { bucket, key, aliasName: aliasNameOf(key) };
}

/** The name of an alias of `key` defined beside it (aws-cdk-lib makes one for every artifact key it creates). */
function aliasNameOf(key: kms.IKey): string {
  const siblings = key.node.scope?.node.children ?? [];
  const alias = siblings.find((child): child is kms.Alias => child instanceof kms.Alias && child.aliasTargetKey === key);
  if (!alias) {
    throw new Error(`${key.node.path}: an artifact key used by a stage in another account needs an alias defined beside it, `
      + 'so the stage\'s role can be granted that key alone; add a kms.Alias for it in the same scope');
  }
  return alias.aliasName;
}

/**
 * Sends the events of `pattern` in the stage's service's account and region on to the default
 * event bus of the release pipeline `owner`: by a rule in the service's stack (`id` under its
 * release scope), and, from another account, admitted by the bus's policy for those sources alone.
 */
export function forwardToPipelineEventBus(owner: IConstruct, stage: StageInfo, id: string, pattern: events.EventPattern, description: string): void {
  const here = Stack.of(owner);
  const serviceStack = Stack.of(stage.service);
  const scope = remoteScope(stage.service);
  const busArn = Arn.format({ partition: serviceStack.partition, service: 'events', region: here.region, account: here.account, resource: 'event-bus', resourceName: 'default' });
  new events.Rule(scope, id, {
    description: fitText(description, 512),
    eventPattern: pattern,
    targets: [new targets.EventBus(events.EventBus.fromEventBusArn(scope, `${id}Bus`, busArn))],
  });
  if (serviceStack.account === here.account) {
    return;
  }
  const statementId = fitName(`release-${Names.uniqueId(owner)}-${serviceStack.account}`, 64);
  if (owner.node.tryFindChild(`Admit${serviceStack.account}`)) {
    return;
  }
  // As a plain resource: aws-cdk-lib's CfnEventBusPolicy prints a deprecation warning for a property it is not given.
  new CfnResource(owner as Construct, `Admit${serviceStack.account}`, {
    type: 'AWS::Events::EventBusPolicy',
    properties: {
      EventBusName: 'default',
      StatementId: statementId,
      Statement: {
        Sid: statementId,
        Effect: 'Allow',
        Principal: { AWS: Arn.format({ partition: here.partition, service: 'iam', region: '', account: serviceStack.account, resource: 'root' }) },
        Action: 'events:PutEvents',
        Resource: busArn,
        Condition: { StringEquals: { 'events:source': FORWARDED_SOURCES } },
      },
    },
  });
}

/** The props of a BlueGreenService that name the parts a `taskdef.json` refers to. */
const NAMING_PROPS: Array<{ readonly pathEnd: string; readonly prop: string }> = [
  { pathEnd: '/TaskDefinition/TaskRole', prop: 'taskRoleName' },
  { pathEnd: '/Logs', prop: 'logGroupName' },
];

/**
 * Why the build, in the pipeline's account, cannot write the `taskdef.json` and `appspec.yaml` of a
 * CodeDeploy-engine stage in another environment, if it cannot: they name the task definition's
 * roles, log group and secrets and the hooks' functions, and a resource of another account or
 * region is named only by a physical name. `files` are resolved here, in the pipeline's stack.
 */
export function remoteTaskDefinitionProblem(owner: IConstruct, stage: StageInfo, files: unknown): string | undefined {
  const unnamed = unnamedAcrossEnvironments(Stack.of(owner), files);
  if (unnamed === undefined) {
    return undefined;
  }
  const naming = NAMING_PROPS.find((p) => unnamed === `${stage.service.node.path}${p.pathEnd}`);
  const fix = naming
    ? `set ${naming.prop} on ${stage.service.node.path} (e.g. '${stage.service.serviceName}-${naming.prop === 'logGroupName' ? 'logs' : 'task'}')`
    : `give ${unnamed} a physical name (e.g. PhysicalName.GENERATE_IF_NEEDED)`;
  return `releases ${stage.service.node.path} on the CodeDeploy engine from another environment: the pipeline's build writes its `
    + `taskdef.json and appspec.yaml, which name ${unnamed}, and a resource of another account or region is named only by a physical name; ${fix}, `
    + 'or put the service on the Amazon ECS engine, whose stages need no taskdef.json';
}
