/**
 * Several services on the Amazon ECS engine behind one load balancer of a network stack, each
 * with its own rules, target groups and hooks.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { SMOKE_TEST_BASE_URL_ENV } from '../../contract/smoke-test';
import {
  BlueGreenService, BlueGreenServiceProps, DeploymentEngine, ServiceRouting, SharedLoadBalancer, SharedLoadBalancerProps, SmokeCheck, SmokeTestHook,
} from '../../lib';
import { synthesisMessages } from '../synth-errors';
import { testImage } from '../util';

interface Fixture {
  readonly app: App;
  readonly network: Stack;
  readonly services: Stack;
  readonly edge: SharedLoadBalancer;
  readonly cluster: ecs.Cluster;
}

/** A network stack with the VPC, cluster and shared load balancer, and an empty stack for the services. */
function fixture(props: Partial<SharedLoadBalancerProps> = {}): Fixture {
  const app = new App({ builtinCloudFormationValidation: false });
  const env = { account: '123456789012', region: 'eu-west-1' };
  const network = new Stack(app, 'Network', { env });
  const services = new Stack(app, 'Services', { env });
  const vpc = new ec2.Vpc(network, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new ecs.Cluster(network, 'Cluster', { vpc });
  const edge = new SharedLoadBalancer(network, 'Edge', { vpc, ...props });
  return { app, network, services, edge, cluster };
}

function serviceOn(f: Fixture, id: string, props: Partial<BlueGreenServiceProps>): BlueGreenService {
  return new BlueGreenService(f.services, id, {
    cluster: f.cluster, image: testImage, serviceName: id.toLowerCase(), engine: DeploymentEngine.ecs(), sharedLoadBalancer: f.edge, ...props,
  });
}

/** Two services routed by host, each with a smoke test, built and synthesized once. */
function twoServices(): { f: Fixture; orders: BlueGreenService; payments: BlueGreenService; network: Template; services: Template } {
  // The test listener admits nobody by itself: each smoke test gets a rule of its own.
  const f = fixture({ testListenerPeers: [] });
  const orders = serviceOn(f, 'Orders', { routing: ServiceRouting.hostHeaders(['orders.example.com'], 10) });
  const payments = serviceOn(f, 'Payments', { routing: ServiceRouting.of({ hostHeaders: ['api.example.com'], pathPatterns: ['/payments/*'], priority: 20 }) });
  new SmokeTestHook(f.services, 'OrdersSmoke', { service: orders, checks: [SmokeCheck.get('/health')] });
  new SmokeTestHook(f.services, 'PaymentsSmoke', { service: payments, checks: [SmokeCheck.get('/payments/health')] });
  // Synthesizing the app fails on a dependency cycle between the stacks.
  return { f, orders, payments, network: Template.fromStack(f.network), services: Template.fromStack(f.services) };
}

let shared: ReturnType<typeof twoServices> | undefined;
const built = () => (shared ??= twoServices());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Resource = { Properties: Record<string, any> };

describe('a shared load balancer', () => {
  test('has one production and one test listener, answering 404 to requests no service takes', () => {
    const listeners = Object.values(built().network.findResources('AWS::ElasticLoadBalancingV2::Listener') as Record<string, Resource>);
    expect(listeners.map((l) => l.Properties.Port).sort()).toEqual([80, 8080]);
    for (const listener of listeners) {
      expect(listener.Properties.DefaultActions).toEqual([{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404', ContentType: 'text/plain', MessageBody: 'no route' } }]);
    }
    // The services add no listener of their own.
    built().services.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 0);
  });

  test('each service adds a production and a test rule with its conditions and priority, forwarding to its own target groups', () => {
    const rules = built().services.findResources('AWS::ElasticLoadBalancingV2::ListenerRule') as Record<string, Resource>;
    const summary = Object.entries(rules).map(([id, rule]) => [
      id.replace(/[0-9A-F]{8}$/, ''),
      rule.Properties.Priority,
      rule.Properties.Conditions,
      rule.Properties.Actions[0].ForwardConfig.TargetGroups.map((tg: { TargetGroupArn: { Ref: string }; Weight: number }) =>
        [tg.TargetGroupArn.Ref.replace(/[0-9A-F]{8}$/, ''), tg.Weight]),
    ]).sort();
    const host = (values: string[]) => ({ Field: 'host-header', HostHeaderConfig: { Values: values } });
    const path = (values: string[]) => ({ Field: 'path-pattern', PathPatternConfig: { Values: values } });
    expect(summary).toEqual([
      ['OrdersProductionRule', 10, [host(['orders.example.com'])], [['OrdersBlueTargetGroup', 100], ['OrdersGreenTargetGroup', 0]]],
      ['OrdersTestRule', 10, [host(['orders.example.com'])], [['OrdersBlueTargetGroup', 100], ['OrdersGreenTargetGroup', 0]]],
      ['PaymentsProductionRule', 20, [host(['api.example.com']), path(['/payments/*'])], [['PaymentsBlueTargetGroup', 100], ['PaymentsGreenTargetGroup', 0]]],
      ['PaymentsTestRule', 20, [host(['api.example.com']), path(['/payments/*'])], [['PaymentsBlueTargetGroup', 100], ['PaymentsGreenTargetGroup', 0]]],
    ]);
    const listenerOf = (id: string) => Object.entries(rules).find(([ruleId]) => ruleId.startsWith(id))![1].Properties.ListenerArn;
    expect(listenerOf('OrdersProductionRule')).toEqual(listenerOf('PaymentsProductionRule'));
    expect(listenerOf('OrdersTestRule')).not.toEqual(listenerOf('OrdersProductionRule'));
  });

  test('the hooks\' rules to the test listener are in the services\' stack, so the network stack refers to no service', () => {
    const { network, services } = built();
    expect(JSON.stringify(network.toJSON())).not.toContain('Fn::ImportValue');
    const ingress = Object.values(services.findResources('AWS::EC2::SecurityGroupIngress') as Record<string, Resource>)
      .filter((rule) => JSON.stringify(rule.Properties.SourceSecurityGroupId).includes('Smoke'));
    // One: the stack's smoke tests share one function, and its security group.
    expect(ingress).toHaveLength(1);
    for (const rule of ingress) {
      // On the load balancer's security group, from the hook function's.
      expect(rule.Properties.GroupId).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^Network:ExportsOutputFnGetAttEdgeLoadBalancerSecurityGroup/) });
      expect(rule.Properties.SourceSecurityGroupId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Smoke.*SecurityGroup/), 'GroupId'] });
    }
  });

  test('a service routed by host answers at that name: its URLs and its smoke test\'s Host say it', () => {
    const { orders, payments, services } = built();
    expect(orders.hostName).toBe('orders.example.com');
    expect(orders.url).toBe('http://orders.example.com');
    expect(orders.testUrl).toBe('http://orders.example.com:8080');
    expect(payments.hostName).toBe('api.example.com');
    // On the Amazon ECS engine each service's hook configuration travels in its lifecycle hooks' details.
    const baseUrls = Object.entries(services.findResources('AWS::ECS::Service') as Record<string, Resource>).map(([id, service]) => [
      id.replace(/[0-9A-F]{8}$/, ''),
      (service.Properties.DeploymentConfiguration.LifecycleHooks as Array<{ HookDetails?: { configuration?: Record<string, string> } }>)
        .map((hook) => hook.HookDetails?.configuration?.[SMOKE_TEST_BASE_URL_ENV]).filter((url) => url !== undefined),
    ]);
    expect(baseUrls).toEqual([['OrdersService', ['http://orders.example.com:8080']], ['PaymentsService', ['http://api.example.com:8080']]]);
  });
});

describe('shared load balancer input', () => {
  test.each<[string, (f: Fixture) => void, string[]]>([
    ['the CodeDeploy engine', (f) => serviceOn(f, 'Orders', { engine: DeploymentEngine.codeDeploy(), routing: ServiceRouting.hostHeaders(['orders.example.com'], 10) }), [
      'Services/Orders: invalid sharedLoadBalancer: needs the Amazon ECS engine: CodeDeploy shifts traffic by swapping a listener\'s one default '
      + 'action, so it cannot share a listener with other services; use engine: DeploymentEngine.ecs(), which shifts rules, or give the service '
      + 'a load balancer (or listener ports) of its own',
      'Services/Orders: invalid routing: needs the Amazon ECS engine: CodeDeploy routes every request of a listener to the service; use engine: '
      + 'DeploymentEngine.ecs(), or remove routing',
    ]],
    ['no routing', (f) => serviceOn(f, 'Orders', {}), [
      'Services/Orders: invalid routing: is required with sharedLoadBalancer: say which requests are this service\'s, e.g. '
      + 'ServiceRouting.hostHeaders([\'orders.example.com\'], 10)',
    ]],
    ['a listener prop of its own', (f) => serviceOn(f, 'Orders', { listenerPort: 8000, routing: ServiceRouting.hostHeaders(['orders.example.com'], 10) }), [
      'Services/Orders: invalid listenerPort: is given together with sharedLoadBalancer, whose listeners the service takes; set it on the '
      + 'SharedLoadBalancer Network/Edge, or remove it',
    ]],
    ['two services at one priority', (f) => {
      serviceOn(f, 'Orders', { routing: ServiceRouting.hostHeaders(['orders.example.com'], 10) });
      serviceOn(f, 'Payments', { routing: ServiceRouting.hostHeaders(['payments.example.com'], 10) });
    }, [
      'Services/Payments: invalid routing: has priority 10, which Services/Orders already has on Network/Edge; the load balancer takes each '
      + 'priority once per listener: give each service its own',
    ]],
    ['two services matching the same requests', (f) => {
      serviceOn(f, 'Orders', { routing: ServiceRouting.hostHeaders(['Orders.example.com'], 10) });
      serviceOn(f, 'Payments', { routing: ServiceRouting.hostHeaders(['orders.example.com'], 20) });
    }, [
      'Services/Payments: invalid routing: matches the same requests as Services/Orders on Network/Edge (orders.example.com (priority 20)), '
      + 'so the rule with the lower priority would take them all; route by another host or path',
    ]],
  ])('%s', (_, build, messages) => {
    const f = fixture();
    build(f);
    expect(synthesisMessages(f.app)).toEqual(messages);
  });

  test.each<[string, ServiceRouting, string]>([
    ['no condition', ServiceRouting.of({ priority: 10 }), 'has no host header and no path pattern, so it would take every request of the listeners; '
      + 'give at least one, e.g. ServiceRouting.hostHeaders([\'orders.example.com\'], 10)'],
    ['a priority out of range', ServiceRouting.hostHeaders(['orders.example.com'], 0), 'priority must be an integer between 1 and 50000, got 0'],
    ['more than five values', ServiceRouting.hostHeaders(['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com', 'e.example.com', 'f.example.com'], 10),
      'has 6 host headers and path patterns, but a load balancer rule takes at most 5'],
    ['a host with a scheme', ServiceRouting.hostHeaders(['https://orders.example.com'], 10), 'host header \'https://orders.example.com\' is not one the load balancer takes'],
    ['a path without its leading slash', ServiceRouting.pathPatterns(['orders/*'], 10), 'path pattern \'orders/*\' is not one the load balancer takes'],
    ['a repeated path', ServiceRouting.pathPatterns(['/orders/*', '/orders/*'], 10), 'lists the path pattern \'/orders/*\' twice'],
  ])('a routing with %s names the value and the fix', (_, routing, message) => {
    const f = fixture();
    serviceOn(f, 'Orders', { routing });
    const messages = synthesisMessages(f.app);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('Services/Orders: invalid routing: ');
    expect(messages[0]).toContain(message);
  });

  test('on a load balancer of its own, routing narrows the service\'s rules; the CodeDeploy engine refuses it', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Own');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    new BlueGreenService(stack, 'Orders', { vpc, image: testImage, engine: DeploymentEngine.ecs(), routing: ServiceRouting.pathPatterns(['/orders/*'], 5) });
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 5, Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/orders/*'] } }],
    }, 2);
  });

  test('a service\'s own certificate is presented by SNI on both shared HTTPS listeners, from the service\'s stack', () => {
    const certificate = (id: string) => elbv2.ListenerCertificate.fromArn(`arn:aws:acm:eu-west-1:123456789012:certificate/${id}`);
    const f = fixture({ certificate: certificate('wildcard') });
    serviceOn(f, 'Orders', { routing: ServiceRouting.hostHeaders(['orders.example.com'], 10), certificate: certificate('orders') });
    expect(synthesisMessages(f.app)).toEqual([]);
    const attached = Object.values(Template.fromStack(f.services).findResources('AWS::ElasticLoadBalancingV2::ListenerCertificate') as Record<string, Resource>);
    expect(attached.map((c) => c.Properties.Certificates)).toEqual([
      [{ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/orders' }],
      [{ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/orders' }],
    ]);
    expect(new Set(attached.map((c) => JSON.stringify(c.Properties.ListenerArn))).size).toBe(2);
    Template.fromStack(f.network).resourceCountIs('AWS::ElasticLoadBalancingV2::ListenerCertificate', 0);

    const http = fixture();
    serviceOn(http, 'Orders', { routing: ServiceRouting.hostHeaders(['orders.example.com'], 10), certificate: certificate('orders') });
    expect(synthesisMessages(http.app)).toEqual([
      'Services/Orders: invalid certificate: is given, but the listeners of the SharedLoadBalancer Network/Edge speak HTTP; give that load balancer '
      + 'a certificate (HTTPS), or remove this one',
    ]);
  });

  test('a smoke check outside the service\'s path patterns is refused: it would reach no rule and get the 404', () => {
    const f = fixture();
    const payments = serviceOn(f, 'Payments', { routing: ServiceRouting.pathPatterns(['/payments/*'], 20) });
    new SmokeTestHook(f.services, 'Smoke', { service: payments, checks: [SmokeCheck.get('/payments/health'), SmokeCheck.get('/health?deep=1', { name: 'root' })] });
    expect(synthesisMessages(f.app)).toEqual([
      'Services/Smoke: invalid checks: the path \'/health?deep=1\' of check \'root\' matches none of the path patterns the service is routed by '
      + '(/payments/*), so it would reach no rule of the test listener and get its 404; give a path under them, e.g. \'/payments/health\'',
    ]);
  });

  test('a shared load balancer checks its own listener props as a service does', () => {
    const f = fixture({ protocol: elbv2.ApplicationProtocol.HTTPS });
    serviceOn(f, 'Orders', { routing: ServiceRouting.hostHeaders(['orders.example.com'], 10) });
    expect(synthesisMessages(f.app)).toEqual([
      'Network/Edge: invalid certificate: is required with protocol HTTPS; pass an ACM certificate '
      + '(elbv2.ListenerCertificate.fromCertificateManager(cert)) or use HTTP',
    ]);
  });
});
