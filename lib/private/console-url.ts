import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A link into the AWS console, in the region `scope`'s stack deploys to. In an
 * environment-agnostic stack the region is `AWS::Region`, so the link resolves at deployment.
 *
 * @param path the console path after the host, e.g. `codesuite/codepipeline/pipelines/p/view`
 * @param fragment what follows `#`, for consoles that route there (CloudWatch dashboards)
 */
export function consoleUrl(scope: IConstruct, path: string, fragment?: string): string {
  const region = Stack.of(scope).region;
  return `https://${region}.console.aws.amazon.com/${path}?region=${region}${fragment === undefined ? '' : `#${fragment}`}`;
}
