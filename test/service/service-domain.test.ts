/**
 * A service's own domain name: its alias records, URLs, and the name its smoke tests send and
 * verify TLS against.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { SMOKE_TEST_BASE_URL_ENV } from '../../contract/smoke-test';
import { BlueGreenService, BlueGreenServiceProps, DeploymentEngine, ServiceRouting, SmokeCheck, SmokeTestHook } from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { testImage } from '../util';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

function build(props: (stack: Stack) => Partial<BlueGreenServiceProps>): { app: App; stack: Stack; service: BlueGreenService } {
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Domain', { env: { account: '123456789012', region: 'eu-west-1' } });
  const service = new BlueGreenService(stack, 'Orders', { image: testImage, serviceName: 'orders-api', engine: DeploymentEngine.ecs(), ...props(stack) });
  return { app, stack, service };
}

const zoneOf = (stack: Stack) => route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com' });

describe('a service with a domain name', () => {
  test('gets an alias record in its zone, URLs in its name, and smoke tests that send it and verify TLS against it', () => {
    const { stack, service } = build((s) => ({
      domainName: 'orders.example.com',
      hostedZone: zoneOf(s),
      certificate: elbv2.ListenerCertificate.fromCertificateManager(acm.Certificate.fromCertificateArn(s, 'Certificate', CERTIFICATE_ARN)),
    }));
    // Over HTTPS the smoke test needs a name to verify the certificate against: the domain, without a hostName of its own.
    new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health')] });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'orders.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0123456789ABC',
      AliasTarget: { DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersLoadBalancer'), 'DNSName'] }]] } },
    });
    template.resourceCountIs('AWS::Route53::RecordSet', 1);
    expect(service.hostName).toBe('orders.example.com');
    expect(service.url).toBe('https://orders.example.com');
    expect(service.testUrl).toBe('https://orders.example.com:8443');
    template.hasOutput('*', { Value: 'https://orders.example.com', Description: 'orders-api: production URL' });
    const [ecsService] = Object.values(template.findResources('AWS::ECS::Service'));
    const urls = (ecsService.Properties.DeploymentConfiguration.LifecycleHooks as Array<{ HookDetails?: { configuration?: Record<string, string> } }>)
      .map((hook) => hook.HookDetails?.configuration?.[SMOKE_TEST_BASE_URL_ENV]).filter((url) => url !== undefined);
    expect(urls).toEqual(['https://orders.example.com:8443']);
    expect(synthesisMessages(stack.node.root as App)).toEqual([]);
  });

  test('a dual-stack load balancer gets an AAAA record too', () => {
    const { stack } = build((s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { maxAzs: 2, natGateways: 1, ipProtocol: ec2.IpProtocol.DUAL_STACK });
      const loadBalancer = new elbv2.ApplicationLoadBalancer(s, 'Edge', { vpc, internetFacing: true, ipAddressType: elbv2.IpAddressType.DUAL_STACK });
      return { vpc, loadBalancer, domainName: 'orders.example.com', hostedZone: zoneOf(s) };
    });
    const types = Object.values(Template.fromStack(stack).findResources('AWS::Route53::RecordSet')).map((r) => r.Properties.Type).sort();
    expect(types).toEqual(['A', 'AAAA']);
  });

  test('without a hosted zone, no record: the URLs still say the name', () => {
    const { stack, service } = build(() => ({ domainName: 'orders.example.com' }));
    Template.fromStack(stack).resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(service.url).toBe('http://orders.example.com');
  });

  test('a name a wildcard host header of its routing matches is taken', () => {
    const { app, service } = build(() => ({ domainName: 'orders.example.com', routing: ServiceRouting.hostHeaders(['*.example.com'], 10) }));
    expect(synthesisMessages(app)).toEqual([]);
    expect(service.hostName).toBe('orders.example.com');
  });
});

describe('domain input', () => {
  test.each<[string, (stack: Stack) => Partial<BlueGreenServiceProps>, string]>([
    ['a hosted zone without a name', (s) => ({ hostedZone: zoneOf(s) }),
      'Domain/Orders: invalid hostedZone: is given without domainName; give the name to point at the load balancer, e.g. domainName: \'orders.example.com\', or remove hostedZone'],
    ['a URL for a name', () => ({ domainName: 'https://orders.example.com/' }),
      'Domain/Orders: invalid domainName: \'https://orders.example.com/\' is not a DNS name; give a name without scheme, port or path, e.g. \'orders.example.com\''],
    ['a name outside the zone', (s) => ({ domainName: 'orders.example.org', hostedZone: zoneOf(s) }),
      'Domain/Orders: invalid domainName: \'orders.example.org\' is not in the hosted zone \'example.com\', where its records would go; give a name in that zone, or the zone of the name'],
    ['a name the routing does not take', () => ({ domainName: 'orders.example.com', routing: ServiceRouting.hostHeaders(['api.example.com'], 10) }),
      'Domain/Orders: invalid domainName: \'orders.example.com\' matches none of the routing\'s host headers (api.example.com), so requests for it would not reach the service; '
      + 'add it to the routing, or change domainName'],
  ])('%s is refused, naming the prop and the fix', (_, props, message) => {
    const { app } = build(props);
    expect(synthesisMessages(app)).toEqual([message]);
  });
});
