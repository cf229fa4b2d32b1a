import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { TrafficShifting } from './traffic-shifting';

/** A blue/green service defined elsewhere, for `BlueGreenService.fromBlueGreenServiceAttributes()`. */
export interface BlueGreenServiceAttributes {
  /** The ECS service, with the `CODE_DEPLOY` deployment controller. */
  readonly service: ecs.IBaseService;

  /**
   * The cluster the service runs in.
   * @default - the service's cluster
   */
  readonly cluster?: ecs.ICluster;

  /** The CodeDeploy deployment group that deploys the service. */
  readonly deploymentGroup: codedeploy.IEcsDeploymentGroup;

  /**
   * The role CodeDeploy deploys with. Hooks added to the imported service allow it to invoke their
   * functions.
   * @default - not known: a hook added to the service gets a warning, and the role must be allowed
   *   `lambda:InvokeFunction` on the hook's function where it is defined
   */
  readonly deploymentGroupRole?: iam.IRole;

  /** The load balancer of the listeners. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;

  /** The listener that serves production traffic. */
  readonly productionListener: elbv2.IApplicationListener;

  /** The listener that reaches the new version before production traffic does. */
  readonly testListener: elbv2.IApplicationListener;

  /** Port of the test listener. */
  readonly testListenerPort: number;

  /** The target group production traffic starts on. */
  readonly blueTargetGroup: elbv2.IApplicationTargetGroup;

  /** The target group the new version starts on. */
  readonly greenTargetGroup: elbv2.IApplicationTargetGroup;

  /**
   * The task definition of the service. A pipeline stage renders `taskdef.json` from it, so in
   * another app define the same task definition again rather than importing it by ARN.
   */
  readonly taskDefinition: ecs.TaskDefinition;

  /**
   * The name of the application container of `taskDefinition`.
   * @default 'web'
   */
  readonly containerName?: string;

  /**
   * The port the container listens on.
   * @default 8080
   */
  readonly containerPort?: number;

  /**
   * The log group of the container; the migration hook reads the migration's output from it.
   * @default - not known
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * The awslogs stream prefix of the container; the migration hook finds the migration's logs
   * in the stream `<prefix>/<container>/<task id>`. 1 or more characters without ':' or '*',
   * short enough for that stream name to fit CloudWatch Logs' 512 characters (with a 32-character
   * task id: 478 less the container name's length).
   * @default - not known
   */
  readonly logStreamPrefix?: string;

  /**
   * The name people read in alarm names, notifications and dashboards, as the service was
   * defined with: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit, and
   * known at synthesis (not a token).
   * @default - the construct id, which must then follow the same rule
   */
  readonly serviceName?: string;

  /**
   * Whether the listeners speak HTTPS.
   * @default false
   */
  readonly https?: boolean;

  /**
   * The test listener URL.
   * @default - `http(s)://<load balancer DNS name>:<testListenerPort>`
   */
  readonly testUrl?: string;

  /**
   * The production URL, shown on dashboards.
   * @default - not known
   */
  readonly url?: string;

  /**
   * The VPC the service runs in.
   * @default - the cluster's VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets the tasks run in; migrations run their task there.
   * @default - as BlueGreenService chooses: the VPC's private subnets with egress, else its isolated
   * subnets; a VPC with neither needs this
   */
  readonly serviceSubnets?: ec2.SubnetSelection;

  /**
   * How the deployment group shifts production traffic; the metric gate reads its kind.
   * @default - not known: the metric gate needs `trafficShiftingKind`
   */
  readonly trafficShifting?: TrafficShifting;
}
