/**
 * The AWS clients of one run. Each client package is loaded on first use, so a command loads
 * only the clients it calls (and `--help` none); every call goes through {@link Aws.call}, which
 * turns an SDK error into a message that names the action and the resource.
 */
import type * as CloudWatch from '@aws-sdk/client-cloudwatch';
import type * as CodeDeploy from '@aws-sdk/client-codedeploy';
import type * as CodePipeline from '@aws-sdk/client-codepipeline';
import type * as DynamoDb from '@aws-sdk/client-dynamodb';
import type * as Ecs from '@aws-sdk/client-ecs';
import type * as Tagging from '@aws-sdk/client-resource-groups-tagging-api';
import type * as Ssm from '@aws-sdk/client-ssm';
import type * as Sts from '@aws-sdk/client-sts';
import { describeAwsError } from './errors';

/** A client and its package (for its command classes). */
export interface Api<Client, Sdk> {
  readonly client: Client;
  readonly sdk: Sdk;
}

/** Where the calls go: the region and the profile given on the command line, else the SDK's defaults. */
export interface AwsOptions {
  readonly region?: string;
  readonly profile?: string;
}

type Loaded<Client, Sdk> = () => Promise<Api<Client, Sdk>>;

function once<T>(create: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= create());
}

export class Aws {
  public readonly ecs: Loaded<Ecs.ECSClient, typeof Ecs>;
  public readonly codePipeline: Loaded<CodePipeline.CodePipelineClient, typeof CodePipeline>;
  public readonly codeDeploy: Loaded<CodeDeploy.CodeDeployClient, typeof CodeDeploy>;
  public readonly cloudWatch: Loaded<CloudWatch.CloudWatchClient, typeof CloudWatch>;
  public readonly dynamoDb: Loaded<DynamoDb.DynamoDBClient, typeof DynamoDb>;
  public readonly ssm: Loaded<Ssm.SSMClient, typeof Ssm>;
  public readonly tagging: Loaded<Tagging.ResourceGroupsTaggingAPIClient, typeof Tagging>;
  public readonly sts: Loaded<Sts.STSClient, typeof Sts>;
  /** What one run has read already and needs again (the CodeDeploy deployment groups). */
  public readonly memo = new Map<string, Promise<unknown>>();

  constructor(options: AwsOptions = {}) {
    if (options.profile) {
      // The default credential chain reads the profile from here, for every client alike.
      process.env.AWS_PROFILE = options.profile;
    }
    const config = { ...(options.region ? { region: options.region } : {}) };
    this.ecs = once(() => import('@aws-sdk/client-ecs').then((sdk) => ({ sdk, client: new sdk.ECSClient(config) })));
    this.codePipeline = once(() => import('@aws-sdk/client-codepipeline').then((sdk) => ({ sdk, client: new sdk.CodePipelineClient(config) })));
    this.codeDeploy = once(() => import('@aws-sdk/client-codedeploy').then((sdk) => ({ sdk, client: new sdk.CodeDeployClient(config) })));
    this.cloudWatch = once(() => import('@aws-sdk/client-cloudwatch').then((sdk) => ({ sdk, client: new sdk.CloudWatchClient(config) })));
    this.dynamoDb = once(() => import('@aws-sdk/client-dynamodb').then((sdk) => ({ sdk, client: new sdk.DynamoDBClient(config) })));
    this.ssm = once(() => import('@aws-sdk/client-ssm').then((sdk) => ({ sdk, client: new sdk.SSMClient(config) })));
    this.tagging = once(() => import('@aws-sdk/client-resource-groups-tagging-api')
      .then((sdk) => ({ sdk, client: new sdk.ResourceGroupsTaggingAPIClient(config) })));
    this.sts = once(() => import('@aws-sdk/client-sts').then((sdk) => ({ sdk, client: new sdk.STSClient(config) })));
  }

  /** Runs one AWS call; a failure becomes an {@link OperationError} naming `action` and `resource`. */
  public async call<T>(action: string, resource: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw describeAwsError(error, action, resource);
    }
  }

  /** The value `create` gives, once per run for `key`. */
  public remember<T>(key: string, create: () => Promise<T>): Promise<T> {
    if (!this.memo.has(key)) {
      this.memo.set(key, create());
    }
    return this.memo.get(key) as Promise<T>;
  }

  /** The caller's ARN, for the records a command leaves (approval summaries, overrides). */
  public async callerArn(): Promise<string> {
    return this.remember('caller', async () => {
      const sts = await this.sts();
      const identity = await this.call('sts:GetCallerIdentity', undefined, () => sts.client.send(new sts.sdk.GetCallerIdentityCommand({})));
      return identity.Arn ?? 'an unknown identity';
    });
  }
}
