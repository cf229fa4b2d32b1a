/**
 * Merges the IAM statements of the roles under a construct of the library, as aws-cdk-lib's
 * `@aws-cdk/aws-iam:minimizePolicies` flag does for a whole app: a function shared by the services
 * of a stack gets the same statements per service, and merged, one statement lists each service's
 * resources instead of repeating its actions and conditions. Every resource stays named; only the
 * template gets smaller (and the roles stay further from IAM's size limits).
 */
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

/** Call first in the constructor of `scope`, before it has children (aws-cdk-lib refuses context after). */
export function minimizePoliciesUnder(scope: Construct): void {
  scope.node.setContext(cxapi.IAM_MINIMIZE_POLICIES, true);
}
