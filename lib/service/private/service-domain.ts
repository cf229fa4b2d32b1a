/**
 * A service's own domain name: the name its URLs, its smoke tests' `Host` and their TLS checks
 * use, and, with a hosted zone, the Route 53 alias records that point it at the load balancer.
 */
import { Token } from 'aws-cdk-lib';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { HOST_NAME } from '../../private/host-names';
import { recordPropProblem } from '../../private/validation';
import { wildcardMatches } from '../../private/wildcards';
import { isDualStack } from './load-balancer';
import type { BlueGreenServiceProps } from '../blue-green-service-props';
import type { ServiceRouting } from '../service-routing';


/**
 * The host name the service answers at: `domainName` when valid, else its routing's host. With
 * `hostedZone`, alias records for the name point at `loadBalancer`, in the service's scope.
 */
export function serviceDomain(scope: Construct, props: BlueGreenServiceProps, loadBalancer: elbv2.IApplicationLoadBalancer,
  routing: ServiceRouting | undefined): string | undefined {
  const domainName = props.domainName;
  if (domainName === undefined) {
    if (props.hostedZone) {
      recordPropProblem(scope, 'hostedZone', 'is given without domainName; give the name to point at the load balancer, e.g. '
        + 'domainName: \'orders.example.com\', or remove hostedZone');
    }
    return routing?.hostName;
  }
  if (!Token.isUnresolved(domainName)) {
    // A name in a zone has two labels at least.
    if (!HOST_NAME.test(domainName) || !domainName.includes('.')) {
      recordPropProblem(scope, 'domainName', `'${domainName}' is not a DNS name; give a name without scheme, port or path, e.g. 'orders.example.com'`);
      return routing?.hostName;
    }
    const zoneName = props.hostedZone?.zoneName;
    if (zoneName !== undefined && !Token.isUnresolved(zoneName) && !withinZone(domainName, zoneName)) {
      recordPropProblem(scope, 'domainName', `'${domainName}' is not in the hosted zone '${zoneName}', where its records would go; `
        + 'give a name in that zone, or the zone of the name');
    }
    if (routing && routing.matchedHostHeaders.length > 0 && !routing.matchedHostHeaders.some((host) => Token.isUnresolved(host) || wildcardMatches(host, domainName, true))) {
      recordPropProblem(scope, 'domainName', `'${domainName}' matches none of the routing's host headers (${routing.matchedHostHeaders.join(', ')}), `
        + 'so requests for it would not reach the service; add it to the routing, or change domainName');
    }
  }
  if (props.hostedZone) {
    const target = route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(loadBalancer));
    new route53.ARecord(scope, 'AliasRecord', { zone: props.hostedZone, recordName: domainName, target });
    if (isDualStack(loadBalancer)) {
      new route53.AaaaRecord(scope, 'AliasRecordIpv6', { zone: props.hostedZone, recordName: domainName, target });
    }
  }
  return domainName;
}

function withinZone(domainName: string, zoneName: string): boolean {
  const zone = zoneName.replace(/\.$/, '').toLowerCase();
  const name = domainName.toLowerCase();
  return name === zone || name.endsWith(`.${zone}`);
}
