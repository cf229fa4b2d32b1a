/**
 * The images of a release: the first, which every service runs unless named elsewhere, and a
 * monorepo's additional ones, each with its repository and the services that run it.
 */
import { Duration, PhysicalName, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct, IConstruct } from 'constructs';
import { recordPropProblem } from '../../private/validation';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import type { ReleaseImageOptions } from '../release-pipeline-props';
import { EXPORTED_VARIABLES, additionalImageVariables } from './buildspec';

/** A new release repository: immutable tags, scanned on push, KMS-encrypted, kept when the stack goes. */
export function releaseRepository(scope: Construct, id: string): ecr.Repository {
  return new ecr.Repository(scope, id, {
    // Named by CDK when the task role of a service in another account must name it.
    repositoryName: PhysicalName.GENERATE_IF_NEEDED,
    imageScanOnPush: true,
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    encryption: ecr.RepositoryEncryption.KMS,
    lifecycleRules: [{
      description: 'Untagged images are layers of interrupted or replaced pushes; released images keep their tags',
      tagStatus: ecr.TagStatus.UNTAGGED,
      maxImageAge: Duration.days(14),
    }],
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** An image the build makes besides the first. */
export interface AdditionalImage {
  readonly repository: ecr.IRepository;
  readonly dockerfile: string;
  readonly dockerBuildContext: string;
}

/** Which image a service runs: its repository, and the build variable holding it by digest. */
export interface ServiceImage {
  readonly repository: ecr.IRepository;
  /** The variable, e.g. `IMAGE_URI` or `IMAGE_URI_1`. */
  readonly uriVariable: string;
  /** Whether it is the first image, the one every service not named elsewhere runs. */
  readonly first: boolean;
}

/** The release's images and which service runs which. */
export class ReleaseImages {
  public readonly additional: AdditionalImage[] = [];
  private readonly byService = new Map<IBlueGreenService, number>();

  constructor(owner: Construct, private readonly firstRepository: ecr.IRepository, options: readonly ReleaseImageOptions[], buildsImage: boolean) {
    if (options.length > 0 && !buildsImage) {
      recordPropProblem(owner, 'additionalImages', 'only applies when the pipeline builds the images; an ECR source is one image already, '
        + 'remove additionalImages, or release the other images from pipelines of their own');
      return;
    }
    options.forEach((image, index) => {
      this.checkImage(owner, image, index);
      this.additional.push({
        repository: image.repository ?? releaseRepository(owner, `Repository${index + 1}`),
        dockerfile: image.dockerfile,
        dockerBuildContext: image.dockerBuildContext ?? '.',
      });
    });
  }

  /** The image `service` runs. */
  public imageOf(service: IBlueGreenService): ServiceImage {
    const index = this.byService.get(service);
    if (index === undefined) {
      return { repository: this.firstRepository, uriVariable: EXPORTED_VARIABLES.imageUri, first: true };
    }
    return { repository: this.additional[index].repository, uriVariable: additionalImageVariables(index + 1).imageUri, first: false };
  }

  private checkImage(owner: IConstruct, image: ReleaseImageOptions, index: number): void {
    if (!Token.isUnresolved(image.dockerfile) && image.dockerfile.trim() === '') {
      recordPropProblem(owner, 'additionalImages', `entry ${index} has an empty dockerfile; pass its path from the source root, e.g. 'worker/Dockerfile'`);
    }
    if (image.services.length === 0) {
      recordPropProblem(owner, 'additionalImages', `entry ${index} (${image.dockerfile}) names no services; list the services that run it, or remove it`);
    }
    for (const service of image.services) {
      const other = this.byService.get(service);
      if (other !== undefined) {
        recordPropProblem(owner, 'additionalImages', `entries ${other} and ${index} both name ${service.node.path}; a service runs one image, remove it from one`);
        continue;
      }
      this.byService.set(service, index);
    }
  }
}
