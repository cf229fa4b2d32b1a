import { describeAwsError } from '../../cli/errors';
import { awsError } from './helpers';

describe('what an AWS error tells a person', () => {
  test.each([
    [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), /^no AWS credentials: set AWS_PROFILE/],
    [Object.assign(new Error('The SSO session associated with this profile has expired or is otherwise invalid'), { name: 'CredentialsProviderError' }),
      /^your AWS SSO session has expired or is missing \(.*\); run `aws sso login` and retry$/],
    [Object.assign(new Error('Region is missing'), { name: 'Error' }), /^no AWS region: pass --region, or set AWS_REGION/],
    [awsError('ExpiredTokenException', 400, 'The security token included in the request is expired'),
      /^AWS refused the credentials \(ExpiredTokenException\) calling ecs:DescribeServices: they are expired/],
    [awsError('AccessDenied', 403, 'no'), /^access denied: ecs:DescribeServices on cluster orders is not allowed for your identity \(no\)/],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), /^could not reach AWS calling ecs:DescribeServices \(ECONNREFUSED/],
    [awsError('ClusterNotFoundException', 400, 'Cluster not found.'), /^ecs:DescribeServices on cluster orders failed: ClusterNotFoundException: Cluster not found\.$/],
  ])('%s', (error, expected) => {
    expect(describeAwsError(error, 'ecs:DescribeServices', 'cluster orders').message).toMatch(expected);
  });
});
