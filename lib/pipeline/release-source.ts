import { Token } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where a release starts. */
export enum ReleaseSourceKind {
  /** An image pushed to an ECR repository; the pipeline does not build. */
  ECR = 'ECR',
  /** A Git repository on GitHub, GitLab or Bitbucket, reached through a CodeStar connection. */
  CODESTAR_CONNECTION = 'CODESTAR_CONNECTION',
  /** A zip file in an S3 bucket. */
  S3 = 'S3',
}

/** Options of {@link ReleaseSource.ecr}. */
export interface EcrReleaseSourceOptions {
  /** The repository the image is pushed to. */
  readonly repository: ecr.IRepository;

  /**
   * The tag whose pushes start a release.
   * @default 'latest'
   */
  readonly imageTag?: string;
}

/** Options of {@link ReleaseSource.codeStarConnection}. */
export interface CodeStarConnectionReleaseSourceOptions {
  /**
   * ARN of the CodeStar (CodeConnections) connection to the Git provider,
   * e.g. `arn:aws:codestar-connections:eu-west-1:123456789012:connection/12345678-abcd-…`.
   * CloudFormation cannot create an available connection: create it once in the console.
   */
  readonly connectionArn: string;

  /** The user or organisation that owns the repository, e.g. `my-org`. */
  readonly owner: string;

  /** The repository name, e.g. `orders-api`. */
  readonly repo: string;

  /**
   * The branch whose commits are released.
   * @default 'main'
   */
  readonly branch?: string;

  /**
   * Whether a push to the branch starts the pipeline.
   * @default true
   */
  readonly triggerOnPush?: boolean;
}

/** Options of {@link ReleaseSource.s3}. */
export interface S3ReleaseSourceOptions {
  /** The bucket holding the source zip. It must be versioned. */
  readonly bucket: s3.IBucket;

  /** The key of the source zip, e.g. `orders-api/source.zip`. */
  readonly bucketKey: string;

  /**
   * How the pipeline learns about a new object version. `EVENTS` needs a CloudTrail trail
   * recording data events of the bucket.
   * @default actions.S3Trigger.EVENTS
   */
  readonly trigger?: actions.S3Trigger;
}

/**
 * The source of a {@link ReleasePipeline}: an image in ECR, a Git repository through a CodeStar
 * connection, or a zip in S3.
 *
 * @exampleMetadata fixture=lib
 * @example
 * ReleaseSource.codeStarConnection({
 *   connectionArn: 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/abcd',
 *   owner: 'my-org',
 *   repo: 'orders-api',
 *   branch: 'main',
 * });
 */
export abstract class ReleaseSource {
  /** Releases each push of `imageTag` to `repository`. The image is deployed as pushed, by digest. */
  public static ecr(options: EcrReleaseSourceOptions): ReleaseSource {
    return new EcrSource(options);
  }

  /** Releases each commit of a branch of a GitHub, GitLab or Bitbucket repository; the build builds the image. */
  public static codeStarConnection(options: CodeStarConnectionReleaseSourceOptions): ReleaseSource {
    return new CodeStarConnectionSource(options);
  }

  /** Releases each new version of a zip in S3; the build builds the image. */
  public static s3(options: S3ReleaseSourceOptions): ReleaseSource {
    return new S3Source(options);
  }

  /** Which kind of source this is. */
  public abstract readonly kind: ReleaseSourceKind;

  /** Whether the build stage builds and pushes an image; false when the source already is one. */
  public get buildsImage(): boolean {
    return this.kind !== ReleaseSourceKind.ECR;
  }

  /**
   * What is wrong with the options, as `<field>: <problem and fix>` lines.
   * @internal
   */
  public abstract _problems(): string[];

  /**
   * The pipeline's source action.
   * @internal
   */
  public abstract _action(output: codepipeline.Artifact): codepipeline.IAction;

  /**
   * How many characters of `CODEBUILD_RESOLVED_SOURCE_VERSION` make the image tag.
   * @internal
   */
  public abstract readonly _revisionLength: number;

  /**
   * What people call a revision of this source in messages.
   * @internal
   */
  public abstract readonly _revisionNoun: string;

  /**
   * The repository holding the released images, when the source is one.
   * @internal
   */
  public get _imageRepository(): ecr.IRepository | undefined {
    return undefined;
  }
}

class EcrSource extends ReleaseSource {
  public readonly kind = ReleaseSourceKind.ECR;
  public readonly _revisionLength = 128;
  public readonly _revisionNoun = 'image tag';

  constructor(private readonly options: EcrReleaseSourceOptions) {
    super();
  }

  public get _imageRepository(): ecr.IRepository {
    return this.options.repository;
  }

  public _problems(): string[] {
    const tag = this.options.imageTag;
    if (tag !== undefined && !Token.isUnresolved(tag) && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
      return [`ecr imageTag: '${tag}' is not a valid image tag (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'); pass the tag your image build pushes, e.g. 'latest'`];
    }
    return [];
  }

  public _action(output: codepipeline.Artifact): codepipeline.IAction {
    return new actions.EcrSourceAction({
      actionName: 'Image',
      repository: this.options.repository,
      imageTag: this.options.imageTag ?? 'latest',
      output,
      variablesNamespace: 'Source',
    });
  }
}

class CodeStarConnectionSource extends ReleaseSource {
  public readonly kind = ReleaseSourceKind.CODESTAR_CONNECTION;
  public readonly _revisionLength = 7;
  public readonly _revisionNoun = 'commit';

  constructor(private readonly options: CodeStarConnectionReleaseSourceOptions) {
    super();
  }

  public _problems(): string[] {
    const problems: string[] = [];
    const { connectionArn, owner, repo, branch } = this.options;
    if (!Token.isUnresolved(connectionArn) && !/^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[A-Za-z0-9-]+$/.test(connectionArn)) {
      problems.push(`codeStarConnection connectionArn: '${connectionArn}' is not a connection ARN; copy it from Developer Tools > Settings > Connections, `
        + "e.g. 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/12345678-abcd-1234-abcd-123456789012'");
    }
    if (!Token.isUnresolved(owner) && owner.trim().length === 0) {
      problems.push("codeStarConnection owner: is empty; pass the user or organisation that owns the repository, e.g. 'my-org'");
    }
    if (!Token.isUnresolved(repo) && (repo.trim().length === 0 || repo.includes('/'))) {
      problems.push(`codeStarConnection repo: '${repo}' must be the repository name alone, e.g. 'orders-api'; put the organisation in owner`);
    }
    if (branch !== undefined && !Token.isUnresolved(branch) && branch.trim().length === 0) {
      problems.push("codeStarConnection branch: is empty; pass the branch to release, e.g. 'main', or leave it unset for 'main'");
    }
    return problems;
  }

  public _action(output: codepipeline.Artifact): codepipeline.IAction {
    return new ConnectionSourceAction({
      actionName: 'Commit',
      connectionArn: this.options.connectionArn,
      owner: this.options.owner,
      repo: this.options.repo,
      branch: this.options.branch ?? 'main',
      triggerOnPush: this.options.triggerOnPush ?? true,
      output,
      variablesNamespace: 'Source',
    });
  }
}

class S3Source extends ReleaseSource {
  public readonly kind = ReleaseSourceKind.S3;
  // S3 version ids are long and do not share short prefixes the way commit ids do.
  public readonly _revisionLength = 128;
  public readonly _revisionNoun = 'object version';

  constructor(private readonly options: S3ReleaseSourceOptions) {
    super();
  }

  public _problems(): string[] {
    const problems: string[] = [];
    const key = this.options.bucketKey;
    if (!Token.isUnresolved(key) && (key.trim().length === 0 || key.startsWith('/'))) {
      problems.push(`s3 bucketKey: '${key}' must be the object key without a leading '/', e.g. 'orders-api/source.zip'`);
    }
    // CodePipeline's S3 source reads object versions. Only a bucket defined in the app can be
    // checked; an imported one is taken as versioned (the source action fails on its first run otherwise).
    const bucket = this.options.bucket;
    const cfn = bucket instanceof s3.Bucket ? bucket.node.defaultChild : undefined;
    if (cfn instanceof s3.CfnBucket && !Token.isUnresolved(cfn.versioningConfiguration)) {
      const status = (cfn.versioningConfiguration as s3.CfnBucket.VersioningConfigurationProperty | undefined)?.status;
      if (status !== 'Enabled') {
        problems.push(`s3 bucket: ${bucket.node.path} is not versioned (versioning ${status ?? 'unset'}), and CodePipeline's S3 source needs `
          + 'object versions; create it with versioned: true');
      }
    }
    return problems;
  }

  public _action(output: codepipeline.Artifact): codepipeline.IAction {
    return new actions.S3SourceAction({
      actionName: 'Archive',
      bucket: this.options.bucket,
      // An empty key is reported by _problems(); S3SourceAction would throw on it first.
      bucketKey: Token.isUnresolved(this.options.bucketKey) || this.options.bucketKey.trim().length > 0 ? this.options.bucketKey : 'source.zip',
      trigger: this.options.trigger ?? actions.S3Trigger.EVENTS,
      output,
      variablesNamespace: 'Source',
    });
  }
}

/**
 * The UseConnection action for a connection ARN. IAM matches an action's service prefix against
 * the resource's: AWS renamed CodeStar Connections to CodeConnections, and a connection created
 * since has a `codeconnections` ARN, which `codestar-connections:UseConnection` does not authorize.
 * A token's prefix is unknown at synthesis, so it gets both.
 */
function useConnectionActions(connectionArn: string): string[] {
  if (Token.isUnresolved(connectionArn)) {
    return ['codestar-connections:UseConnection', 'codeconnections:UseConnection'];
  }
  return connectionArn.split(':')[2] === 'codeconnections' ? ['codeconnections:UseConnection'] : ['codestar-connections:UseConnection'];
}

/**
 * `CodeStarConnectionsSourceAction`, granting UseConnection with the service prefix of the
 * connection's ARN; the aws-cdk-lib action always grants `codestar-connections:UseConnection`.
 */
class ConnectionSourceAction extends actions.CodeStarConnectionsSourceAction {
  constructor(private readonly connectionProps: actions.CodeStarConnectionsSourceActionProps) {
    super(connectionProps);
  }

  protected bound(_scope: Construct, _stage: codepipeline.IStage, options: codepipeline.ActionBindOptions): codepipeline.ActionConfig {
    const { connectionArn, owner, repo, branch, triggerOnPush } = this.connectionProps;
    options.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: useConnectionActions(connectionArn), resources: [connectionArn] }));
    // What the aws-cdk-lib action grants besides: the source artifact in the artifact bucket.
    options.bucket.grantReadWrite(options.role);
    options.bucket.grantPutAcl(options.role);
    return {
      configuration: {
        ConnectionArn: connectionArn,
        FullRepositoryId: `${owner}/${repo}`,
        BranchName: branch ?? 'master',
        DetectChanges: triggerOnPush,
      },
    };
  }
}
