/**
 * The buildspec of the release pipeline's build: pre-checks, image build and push (unless the
 * source already is an image), then the artifact writer, which writes the deployment files of
 * every environment. Pure: the values it needs at build time come from environment variables.
 */
import { APPSPEC_FILE, IMAGE_DETAIL_FILE, RELEASE_MANIFEST_ENV, TASK_DEFINITION_FILE } from '../../../contract/artifacts';

/** Environment variables of the build project that the buildspec reads. */
export const BUILD_ENV = {
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>` the image is pushed to. */
  repositoryUri: 'REPOSITORY_URI',
  /** `s3://bucket/key` of the bundled artifact writer. */
  artifactWriterUrl: 'ARTIFACT_WRITER_URL',
  /** Dockerfile path, relative to the source root. */
  dockerfile: 'DOCKERFILE',
  /** Docker build context, relative to the source root. */
  buildContext: 'DOCKER_BUILD_CONTEXT',
  /** The release manifest. */
  manifest: RELEASE_MANIFEST_ENV,
} as const;

/** Variables the build exports to the pipeline (`#{Build.IMAGE_URI}`). */
export const EXPORTED_VARIABLES = {
  /** The commit, object version or image tag the release was built from. */
  sourceRevision: 'SOURCE_REVISION',
  /** The image tag pushed. */
  imageTag: 'IMAGE_TAG',
  /** The image deployed, pinned by digest. */
  imageUri: 'IMAGE_URI',
} as const;

/**
 * The build's variables of the `index`th image beyond the first (from 1), a monorepo's: where it is
 * pushed, how it is built, and the pushed image by digest, exported as `#{Build.IMAGE_URI_<index>}`.
 */
export function additionalImageVariables(index: number) {
  return {
    repositoryUri: `${BUILD_ENV.repositoryUri}_${index}`,
    dockerfile: `${BUILD_ENV.dockerfile}_${index}`,
    buildContext: `${BUILD_ENV.buildContext}_${index}`,
    imageUri: `${EXPORTED_VARIABLES.imageUri}_${index}`,
  };
}

/** Folder, under the source root, the writer writes to; one sub-folder per environment. */
export const RELEASE_FOLDER = '.release';

/** Where the build puts the artifact writer. */
const WRITER = '/tmp/artifact-writer.js';

/** Options of {@link renderReleaseBuildSpec}. */
export interface ReleaseBuildSpecOptions {
  /** Whether to build and push an image; false when the source artifact holds `imageDetail.json`. */
  readonly buildsImage: boolean;
  /** Commands that must all succeed before anything is built. */
  readonly preCheckCommands: readonly string[];
  /** How many characters of the source revision make the image tag. */
  readonly revisionLength: number;
  /**
   * One output per environment: the build artifact identifier (the pipeline artifact name)
   * and the folder under {@link RELEASE_FOLDER} the writer fills for it.
   */
  readonly outputs: readonly { readonly artifactName: string; readonly directory: string }[];
  /**
   * How many images the build makes besides the first, from the variables of
   * {@link additionalImageVariables}, each pushed with the same tag.
   * @default 0
   */
  readonly additionalImages?: number;
}

/** The buildspec as an object, for `codebuild.BuildSpec.fromObject`. */
export function renderReleaseBuildSpec(options: ReleaseBuildSpecOptions): Record<string, unknown> {
  const { repositoryUri, artifactWriterUrl, dockerfile, buildContext, manifest } = BUILD_ENV;
  const { sourceRevision, imageTag, imageUri } = EXPORTED_VARIABLES;
  const preChecks = options.preCheckCommands.length > 0
    ? ['echo "Pre-checks: every command must succeed"', ...options.preCheckCommands]
    : ['echo "No pre-checks configured"'];
  // The release version the application reports: the image tag (the short commit id when the
  // pipeline builds the image), written into the application container's environment.
  const writeFiles = `node ${WRITER} --manifest env:${manifest} --out "$CODEBUILD_SRC_DIR/${RELEASE_FOLDER}" --release-version "$${imageTag}"`;
  const fetchWriter = `aws s3 cp "$${artifactWriterUrl}" ${WRITER} --only-show-errors`;

  const additional = Array.from({ length: options.buildsImage ? options.additionalImages ?? 0 : 0 }, (_, i) => additionalImageVariables(i + 1));
  let phases: Record<string, unknown>;
  if (options.buildsImage) {
    const registry = `"\${${repositoryUri}%%/*}"`;
    const describeIn = (uri: string) => `aws ecr describe-images --registry-id "$(printf '%s' "$${uri}" | cut -d. -f1)" `
      + `--region "$(printf '%s' "$${uri}" | cut -d. -f4)" --repository-name "\${${uri}#*/}" --image-ids imageTag="$${imageTag}"`;
    const describe = `aws ecr describe-images --registry-id "$REGISTRY_ID" --region "$REGISTRY_REGION" --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$${imageTag}"`;
    // Tags are immutable: a re-run of the same revision reuses the image it pushed.
    const buildAndPush = (uri: string, file: string, context: string, check: string) => `if ${check} > /dev/null 2>&1; then echo "$${uri}:$${imageTag} `
      + `already pushed; reusing it"; else docker build --file "$${file}" --tag "$${uri}:$${imageTag}" --build-arg ${sourceRevision}="$${sourceRevision}" `
      + `--label org.opencontainers.image.revision="$${sourceRevision}" "$${context}" && docker push "$${uri}:$${imageTag}"; fi`;
    phases = {
      pre_build: {
        'on-failure': 'ABORT',
        'commands': [
          ...preChecks,
          `export ${sourceRevision}="\${CODEBUILD_RESOLVED_SOURCE_VERSION:?the build has no source revision}"`,
          // Docker tags allow letters, digits, '_', '.' and '-', and start with one of the first
          // three: an S3 object version may start with '/', '+' or '.'.
          `export ${imageTag}="$(printf '%s' "$${sourceRevision}" | tr -c 'A-Za-z0-9_.-' '-' | sed 's/^[.-]/_/' | cut -c1-${options.revisionLength})"`,
          `export REGISTRY_ID="$(printf '%s' "$${repositoryUri}" | cut -d. -f1)" REGISTRY_REGION="$(printf '%s' "$${repositoryUri}" | cut -d. -f4)" REPOSITORY_NAME="\${${repositoryUri}#*/}"`,
          `aws ecr get-login-password --region "$REGISTRY_REGION" | docker login --username AWS --password-stdin ${registry}`,
        ],
      },
      build: {
        'on-failure': 'ABORT',
        'commands': [
          buildAndPush(repositoryUri, dockerfile, buildContext, describe),
          ...additional.map((image) => buildAndPush(image.repositoryUri, image.dockerfile, image.buildContext, describeIn(image.repositoryUri))),
        ],
      },
      post_build: {
        commands: [
          'if [ "$CODEBUILD_BUILD_SUCCEEDING" != "1" ]; then echo "The build failed: no deployment files written"; exit 1; fi',
          `export IMAGE_DIGEST="$(${describe} --query 'imageDetails[0].imageDigest' --output text)"`,
          `export ${imageUri}="$${repositoryUri}@$IMAGE_DIGEST"`,
          ...additional.map((image) => `export ${image.imageUri}="$${image.repositoryUri}@$(${describeIn(image.repositoryUri)} --query 'imageDetails[0].imageDigest' --output text)"`),
          fetchWriter,
          `${writeFiles} --image-uri "$${imageUri}"`,
        ],
      },
    };
  } else {
    const detail = `$CODEBUILD_SRC_DIR/${IMAGE_DETAIL_FILE}`;
    phases = {
      pre_build: {
        'on-failure': 'ABORT',
        'commands': preChecks,
      },
      build: {
        'on-failure': 'ABORT',
        'commands': [
          `export ${imageUri}="$(node -p 'require(process.argv[1]).ImageURI' "${detail}")"`,
          `export ${imageTag}="$(node -p '(require(process.argv[1]).ImageTags || [])[0] || ""' "${detail}")"`,
          `export ${sourceRevision}="$${imageTag}"`,
          fetchWriter,
          `${writeFiles} --image-detail "${detail}"`,
        ],
      },
    };
  }

  const files = [IMAGE_DETAIL_FILE, TASK_DEFINITION_FILE, APPSPEC_FILE];
  const artifact = (directory: string) => ({ 'base-directory': `${RELEASE_FOLDER}/${directory}`, files });
  const [first, ...rest] = options.outputs;
  let artifacts: Record<string, unknown> | undefined;
  if (first && rest.length === 0) {
    artifacts = artifact(first.directory);
  } else if (first) {
    artifacts = {
      ...artifact(first.directory),
      'secondary-artifacts': Object.fromEntries(options.outputs.map((o) => [o.artifactName, artifact(o.directory)])),
    };
  }

  return {
    version: '0.2',
    env: {
      'shell': 'bash',
      'exported-variables': [sourceRevision, imageTag, imageUri, ...additional.map((image) => image.imageUri)],
    },
    phases,
    ...(artifacts ? { artifacts } : {}),
  };
}
