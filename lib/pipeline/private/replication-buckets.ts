/**
 * The artifact buckets of the regions a release pipeline deploys to besides its own. CodePipeline
 * copies each stage's input artifacts to a bucket in the stage's region; these live in the
 * pipeline's account (as AWS's reference architecture keeps artifacts in the tooling account),
 * one stack per region, each bucket encrypted by a key the library can name by its alias.
 */
import { Names, PhysicalName, RemovalPolicy, Stack, Stage, Token, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { describeEnvironment, unnamedAcrossEnvironments } from '../../private/environment';
import { fitName } from '../../private/text-limits';
import type { ReleaseStageOptions } from '../release-pipeline-props';
import { servicesOf } from './stage-naming';

/** CloudFormation's limit for a stack name. */
const MAX_STACK_NAME_LENGTH = 128;

/**
 * The replication buckets to build the pipeline of `owner` with: those given, and one made for
 * every other region of `stages` that has none. Undefined when neither exists, so that a pipeline
 * deploying to its own region alone keeps a single artifact store. A pipeline or stage without an
 * explicit region or account makes none: the stage validation reports it.
 */
export function replicationBuckets(owner: IConstruct, stages: readonly ReleaseStageOptions[],
  given: Record<string, s3.IBucket> | undefined): Record<string, s3.IBucket> | undefined {
  const pipelineStack = Stack.of(owner);
  // The props' validation reports a bucket keyed by a deploy-time region, one with a problem, and
  // buckets given to a pipeline stack without an explicit region: they are left out.
  if (Token.isUnresolved(pipelineStack.region)) {
    return undefined;
  }
  const buckets: Record<string, s3.IBucket> = Object.fromEntries(Object.entries(given ?? {})
    .filter(([region, bucket]) => !Token.isUnresolved(region) && givenReplicationBucketProblem(owner, region, bucket) === undefined));
  if (Token.isUnresolved(pipelineStack.account)) {
    return Object.keys(buckets).length > 0 ? buckets : undefined;
  }
  for (const service of stages.flatMap(servicesOf)) {
    const region = Stack.of(service).region;
    if (Token.isUnresolved(region) || region === pipelineStack.region || buckets[region]) {
      continue;
    }
    buckets[region] = replicationBucket(owner, pipelineStack, region);
  }
  return Object.keys(buckets).length > 0 ? buckets : undefined;
}

/**
 * A KMS-encrypted, SSL-only, private bucket for the pipeline's artifacts in `region`, in a stack
 * of the pipeline's account there, named after the pipeline's stack (shared by the pipelines of
 * that stack, each with its own bucket).
 */
function replicationBucket(owner: IConstruct, pipelineStack: Stack, region: string): s3.Bucket {
  const app = Stage.of(pipelineStack);
  if (!app) {
    throw new Error(`${owner.node.path}: the pipeline's stack is in no CDK app, where the artifact stack of region ${region} would go`);
  }
  const stackId = `${pipelineStack.node.id}-artifacts-${region}`;
  const stack = (app.node.tryFindChild(stackId) as Stack | undefined) ?? new Stack(app, stackId, {
    stackName: fitName(`${pipelineStack.stackName}-artifacts-${region}`, MAX_STACK_NAME_LENGTH),
    env: { account: pipelineStack.account, region },
    description: `Artifacts of the release pipelines of stack ${pipelineStack.stackName}, copied for their stages in ${region}`,
  });
  const scope = new Construct(stack, Names.uniqueId(owner));
  const key = new kms.Key(scope, 'Key', {
    description: `Encrypts the artifacts of ${owner.node.path} in ${region}`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // By its alias, which has a name: the pipeline's region refers to the key, and a stage's role is granted it alone.
  const alias = new kms.Alias(scope, 'KeyAlias', {
    aliasName: `alias/${fitName(`release-artifacts-${Names.uniqueId(owner)}`, 250)}`,
    targetKey: key,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const bucket = new s3.Bucket(scope, 'Bucket', {
    bucketName: PhysicalName.GENERATE_IF_NEEDED,
    encryption: s3.BucketEncryption.KMS,
    // By its alias's name: aws-cdk-lib then grants the key to the pipeline's role by that alias,
    // where the key itself, in another region, it would grant as every key.
    encryptionKey: kms.Alias.fromAliasName(scope, 'KeyByAlias', alias.aliasName),
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(bucket.node.defaultChild ?? bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'A replication bucket holds only pipeline artifacts, KMS-encrypted and reachable by the pipeline and its stages\' roles alone; '
      + 'its reads and writes are the pipeline executions recorded in the deployment record.',
  });
  ARTIFACT_KEYS.set(bucket, { key, aliasName: alias.aliasName });
  return bucket;
}

/**
 * Why the pipeline of `owner` cannot use `bucket`, given for `region` in
 * `crossRegionReplicationBuckets`, if it cannot: the pipeline's own region keeps its own bucket,
 * the bucket must be in `region`, and the pipeline's region must be able to name the bucket and
 * its key (which a key has by an alias).
 */
export function givenReplicationBucketProblem(owner: IConstruct, region: string, bucket: s3.IBucket): string | undefined {
  if (region === Stack.of(owner).region) {
    return `gives a bucket for '${region}', the pipeline's own region, where it keeps its own encrypted artifact bucket; remove that entry, `
      + 'and give buckets of the other regions its stages deploy to only';
  }
  if (!Token.isUnresolved(bucket.stack.region) && bucket.stack.region !== region) {
    return `gives for region '${region}' ${bucket.node.path}, in ${describeEnvironment(bucket.stack)}; CodePipeline copies the artifacts of `
      + `a region's stages to a bucket in that region, pass a bucket of a stack in ${region}`;
  }
  const cannot = 'a bucket the pipeline cannot name:';
  if (unnamedAcrossEnvironments(Stack.of(owner), bucket.bucketName) !== undefined) {
    return `gives for region '${region}' ${cannot} ${bucket.node.path} has no physical name, which the pipeline's region needs to name it; `
      + 'give it bucketName (or PhysicalName.GENERATE_IF_NEEDED)';
  }
  if (bucket.encryptionKey instanceof kms.Key) {
    return `gives for region '${region}' ${cannot} ${bucket.node.path} is encrypted by ${bucket.encryptionKey.node.path}, a key only its `
      + 'own region can name; encrypt it by an alias of that key instead (encryptionKey: new kms.Alias(...)), which has a name';
  }
  return undefined;
}

/** The key and alias of each replication bucket made here. */
const ARTIFACT_KEYS = new WeakMap<s3.IBucket, { readonly key: kms.IKey; readonly aliasName: string }>();

/** The key of a replication bucket made here, and its alias's name; undefined for another bucket. */
export function replicationKeyOf(bucket: s3.IBucket): { readonly key: kms.IKey; readonly aliasName: string } | undefined {
  return ARTIFACT_KEYS.get(bucket);
}
