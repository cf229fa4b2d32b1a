import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
/**
 * The load balancer and listeners a service is reached through: those of a {@link BlueGreenService}
 * of its own, or those a {@link SharedLoadBalancer} gives several services.
 */
export interface ServiceListenerOptions {
  /**
   * An existing Application Load Balancer to put the listeners on.
   * @default - a new load balancer, internet-facing unless `internetFacing` is false
   */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;

  /**
   * Whether the new load balancer is reachable from the internet. Ignored with `loadBalancer`.
   * @default true
   */
  readonly internetFacing?: boolean;

  /**
   * Protocol of the production and test listeners. HTTPS needs `certificate`.
   * @default - HTTPS with a certificate, HTTP without
   */
  readonly protocol?: elbv2.ApplicationProtocol;

  /**
   * Certificate for HTTPS production and test listeners. With `sharedLoadBalancer` (an HTTPS one),
   * the service's own certificate, which the shared listeners present by SNI to clients asking
   * for the service's name.
   * @default - none; the listeners speak HTTP
   */
  readonly certificate?: elbv2.IListenerCertificate;

  /**
   * Port of the production listener.
   * @default 443 with a certificate, 80 without
   */
  readonly listenerPort?: number;

  /**
   * Port of the test listener, which reaches the green task set before production traffic does.
   * @default 8443 with a certificate, 8080 without
   */
  readonly testListenerPort?: number;

  /**
   * Who may reach the test listener besides the library's hooks.
   * Never opened to the internet unless `ec2.Peer.anyIpv4()` is given here explicitly.
   * @default - the VPC's CIDR block
   */
  readonly testListenerPeers?: ec2.IPeer[];

  /**
   * Who may reach the production listener.
   * @default - anyone (IPv4, and IPv6 when the load balancer is dual-stack) for an internet-facing
   *   load balancer, created here or given; the VPC's CIDR block for an internal one, and for a
   *   given load balancer whose scheme is not known here (an imported one; a warning says so)
   */
  readonly productionListenerPeers?: ec2.IPeer[];

  /**
   * With HTTPS, also listen on port 80 and redirect every request to the production listener,
   * so links and clients that still say `http://` keep working.
   * @default true with HTTPS on port 443 unless the test listener takes port 80, false otherwise
   */
  readonly redirectHttp?: boolean;

  /**
   * A bucket for the load balancer's access logs. Ignored with `loadBalancer`.
   * @default - no access logs
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * Whether the new load balancer refuses to be deleted (CloudFormation then fails a stack
   * deletion or replacement until you turn it off). Only for a load balancer created here.
   * @default false
   */
  readonly deletionProtection?: boolean;

  /**
   * The ARN of a regional AWS WAF web ACL to associate with the load balancer, e.g.
   * `arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/orders/1a2b3c4d-...`.
   * @default - no web ACL
   */
  readonly webAclArn?: string;
}
