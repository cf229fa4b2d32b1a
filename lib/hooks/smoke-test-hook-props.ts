import { Duration } from 'aws-cdk-lib';
import { HookFunctionOptions } from './hook-options';
import { LifecycleEvent } from '../service/lifecycle-event';
import { ExpectedVersion, SmokeCheck } from './smoke-check';

/** Properties of a {@link SmokeTestHook}. */
export interface SmokeTestHookProps extends HookFunctionOptions {
  /**
   * The checks; more can be added with `addCheck()`. At least one is needed by synthesis.
   * @default - none yet
   */
  readonly checks?: SmokeCheck[];

  /**
   * When the checks run. Only once the test listener routes to the new version.
   * @default LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC
   */
  readonly lifecycleEvent?: LifecycleEvent;

  /**
   * The version the new tasks must report, for checks with a `version` source and no
   * `expectedVersion` of their own: `ExpectedVersion.fromDeployedEnvironment()` for the release
   * that `ReleasePipeline` deploys, or `ExpectedVersion.of(imageTag)` when this stack deploys
   * the image itself.
   * @default - only the checks' own expected versions
   */
  readonly expectedVersion?: ExpectedVersion;

  /**
   * The longest the whole smoke test may take, retries included; between 30 seconds and
   * 15 minutes. The hook reports Failed shortly before this runs out.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * In a VPC without internet egress (isolated subnets only), create the interface VPC endpoints
   * the function needs: codedeploy, ec2 (to find the load balancer's private addresses) and
   * secretsmanager (when a check sends a secret).
   * @default false - in such a VPC synthesis fails, naming the endpoints to add, unless they
   * already exist in this app
   */
  readonly createVpcEndpoints?: boolean;

  /**
   * The host name the checks send in `Host` and as TLS SNI, and over HTTPS verify the test
   * listener's certificate against: the service's own domain, e.g. `orders.example.com`. The
   * requests still go to the load balancer's private addresses.
   * @default - the service's host name (`service.hostName`, from its routing), else the load
   * balancer's DNS name; over HTTPS then required unless `verifyCertificate` is false, since no
   * certificate for your domain covers the load balancer's name
   */
  readonly hostName?: string;

  /**
   * Verify the certificate the test listener presents over HTTPS against `hostName`. Turn off
   * only for a certificate no client could verify (a self-signed one); the connection still stays
   * inside the VPC.
   * @default true
   */
  readonly verifyCertificate?: boolean;

  /**
   * Once a deployment of the service has rolled back, run the same checks against the production
   * listener, and put one `Rollback Verification Result` event on the default EventBridge bus:
   * VERIFIED, or UNVERIFIED (the release is broken, and so may be the old version) to page on.
   * Adds an EventBridge rule on the rollback's completion event, targeting the hook's function,
   * and lets the function put that one event, read the deployment and reach the production listener.
   * @default true
   */
  readonly verifyRollbacks?: boolean;
}
