/** The pushed image, pinned by digest, from whichever of the writer's image inputs was given. */
import { InputError, isRecord, parseJson, readFile } from './input';

const DIGEST_URI = /^[^\s@]+\/[^\s@]+@sha256:[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The pushed image as `<registry>/<repository>@sha256:<digest>`, from whichever input was given. */
export function resolveImageUri(args: ReadonlyMap<string, string>): string {
  const given = ['image-uri', 'image-detail', 'repository-uri'].filter((name) => args.has(name));
  if (given.length !== 1) {
    throw new InputError(`pass exactly one of --image-uri, --image-detail or --repository-uri, got ${given.length === 0 ? 'none' : given.map((g) => `--${g}`).join(', ')}`);
  }
  let uri: string;
  if (args.has('image-uri')) {
    uri = args.get('image-uri')!.trim();
  } else if (args.has('image-detail')) {
    uri = imageUriFromDetail(parseJson(readFile(args.get('image-detail')!, 'image detail'), 'image detail'));
  } else {
    const repository = args.get('repository-uri')!.trim().replace(/:[^/:]+$/, '');
    let digest: string | undefined;
    if (args.has('image-digest') === args.has('docker-push-output')) {
      throw new InputError('--repository-uri needs exactly one of --image-digest or --docker-push-output');
    }
    if (args.has('image-digest')) {
      digest = args.get('image-digest')!.trim();
    } else {
      digest = digestFromDockerPush(readFile(args.get('docker-push-output')!, 'docker push output'));
    }
    if (!DIGEST.test(digest)) {
      throw new InputError(`image digest '${digest}' is not sha256:<64 hex digits>`);
    }
    uri = `${repository}@${digest}`;
  }
  return checkedDigestUri(uri);
}

/** `uri` when it is pinned by digest; throws otherwise. */
export function checkedDigestUri(uri: string): string {
  if (!DIGEST_URI.test(uri)) {
    throw new InputError(`image '${uri}' is not pinned by digest (<registry>/<repository>@sha256:<64 hex digits>); `
      + 'a tag can move between the stages of one release, a digest cannot');
  }
  return uri;
}

/**
 * The image of one environment: the one in the build's environment variable it names (a
 * monorepo's build pushes several), else the writer's one image input.
 */
export function environmentImageUri(environment: { name: string; imageUriVariable?: string }, imageUri: string, env: NodeJS.ProcessEnv): string {
  const variable = environment.imageUriVariable;
  if (variable === undefined) {
    return imageUri;
  }
  const value = env[variable]?.trim();
  if (!value) {
    throw new InputError(`environment '${environment.name}': its image is in ${variable}, which is not set; the build exports it once it has pushed that image`);
  }
  return checkedDigestUri(value);
}

/** The image URI of an `imageDetail.json` written by the ECR source action (or by this program). */
export function imageUriFromDetail(detail: unknown): string {
  if (!isRecord(detail)) {
    throw new InputError('the image detail must be a JSON object with ImageURI');
  }
  const uri = typeof detail.ImageURI === 'string' ? detail.ImageURI : undefined;
  if (uri && uri.includes('@sha256:')) {
    return uri;
  }
  // Compose from the digest when ImageURI carries a tag.
  if (uri && typeof detail.ImageDigest === 'string') {
    return `${uri.replace(/:[^/:@]+$/, '')}@${detail.ImageDigest}`;
  }
  if (!uri) {
    throw new InputError('the image detail has no ImageURI');
  }
  return uri;
}

/** The digest `docker push` prints last: `<tag>: digest: sha256:<hex> size: <n>`. */
export function digestFromDockerPush(output: string): string {
  const matches = [...output.matchAll(/digest: (sha256:[0-9a-f]{64})/g)];
  if (matches.length === 0) {
    throw new InputError('the docker push output has no "digest: sha256:…" line; did the push succeed?');
  }
  return matches[matches.length - 1][1];
}
